/** GET/POST /login/code: sign-in with a code sent by email (lib/pages/login-code-endpoint.ts). */
import { page, type HttpHandler } from '../lib/http/handler.js';
import type { LoginCodeEndpoint } from '../lib/pages/login-code-endpoint.js';
import { getLoginCodeEndpoint } from '../lib/runtime/mail-page-endpoints.js';

export function loginCodeHandler(endpoint: () => Pick<LoginCodeEndpoint, 'handle'>): HttpHandler {
  return page((event) => endpoint().handle(event));
}

export const handler = loginCodeHandler(getLoginCodeEndpoint);
