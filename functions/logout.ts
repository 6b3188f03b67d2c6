/**
 * POST /logout: the sign-out form of the home page and of the RP-initiated logout confirmation
 * (GET /logout is functions/end-session.ts). See lib/oidc/logout-form-endpoint.ts.
 */
import { page, type HttpHandler } from '../lib/http/handler.js';
import type { LogoutFormEndpoint } from '../lib/oidc/logout-form-endpoint.js';
import { getLogoutForm } from '../lib/services.js';

export function logoutHandler(endpoint: () => LogoutFormEndpoint): HttpHandler {
  return page((event) => endpoint().handle(event));
}

export const handler = logoutHandler(getLogoutForm);
