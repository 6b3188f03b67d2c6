/** GET/POST /login: sign-in with email and password (lib/pages/login-endpoint.ts). */
import { page, type HttpHandler } from '../lib/http/handler.js';
import type { LoginEndpoint } from '../lib/pages/login-endpoint.js';
import { getLoginEndpoint } from '../lib/runtime/page-endpoints.js';

export function loginHandler(endpoint: () => Pick<LoginEndpoint, 'handle'>): HttpHandler {
  return page((event) => endpoint().handle(event));
}

export const handler = loginHandler(getLoginEndpoint);
