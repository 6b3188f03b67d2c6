/** /account/two-factor/...: enrol an authenticator app, new recovery codes, turn it off (lib/pages/two-factor-endpoint.ts). */
import { page, type HttpHandler } from '../lib/http/handler.js';
import type { TwoFactorEndpoint } from '../lib/pages/two-factor-endpoint.js';
import { getTwoFactorEndpoint } from '../lib/runtime/two-factor-endpoints.js';

export function twoFactorHandler(endpoint: () => Pick<TwoFactorEndpoint, 'handle'>): HttpHandler {
  return page((event) => endpoint().handle(event));
}

export const handler = twoFactorHandler(getTwoFactorEndpoint);
