/** GET/POST /password/forgot: a new password through a code mailed to the address (lib/pages/password-reset-endpoint.ts). */
import { page, type HttpHandler } from '../lib/http/handler.js';
import type { PasswordResetEndpoint } from '../lib/pages/password-reset-endpoint.js';
import { getPasswordResetEndpoint } from '../lib/runtime/password-endpoints.js';

export function passwordResetHandler(endpoint: () => Pick<PasswordResetEndpoint, 'handle'>): HttpHandler {
  return page((event) => endpoint().handle(event));
}

export const handler = passwordResetHandler(getPasswordResetEndpoint);
