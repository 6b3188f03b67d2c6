/** GET/POST /register: address, code, name and password, then signed in (lib/pages/register-endpoint.ts). */
import { page, type HttpHandler } from '../lib/http/handler.js';
import type { RegisterEndpoint } from '../lib/pages/register-endpoint.js';
import { getRegisterEndpoint } from '../lib/runtime/mail-page-endpoints.js';

export function registerHandler(endpoint: () => Pick<RegisterEndpoint, 'handle'>): HttpHandler {
  return page((event) => endpoint().handle(event));
}

export const handler = registerHandler(getRegisterEndpoint);
