/** GET/POST /login/second-factor: the second step of sign-in and of a step-up (lib/pages/second-factor-endpoint.ts). */
import { page, type HttpHandler } from '../lib/http/handler.js';
import type { SecondFactorEndpoint } from '../lib/pages/second-factor-endpoint.js';
import { getSecondFactorEndpoint } from '../lib/runtime/second-factor-services.js';

export function secondFactorHandler(endpoint: () => Pick<SecondFactorEndpoint, 'handle'>): HttpHandler {
  return page((event) => endpoint().handle(event));
}

export const handler = secondFactorHandler(getSecondFactorEndpoint);
