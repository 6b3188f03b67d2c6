/**
 * POST /logout. With an antiforgery field it is a sign-out form, of the home page or of the
 * RP-initiated logout confirmation (lib/oidc/logout-form-endpoint.ts). Without one it is an
 * RP-initiated logout request sent as a form POST, which RP-Initiated Logout 1.0 requires the
 * logout endpoint to accept beside GET (lib/oidc/end-session-endpoint.ts, also behind GET
 * /logout): it ends a session only for a valid `id_token_hint`, and otherwise asks.
 */
import { page, type HttpHandler } from '../lib/http/handler.js';
import { formBody } from '../lib/http/request.js';
import type { OidcProvider } from '../lib/runtime/oidc-provider.js';
import { getOidcProvider } from '../lib/runtime/services.js';
import { ANTIFORGERY_FIELD } from '../lib/session/antiforgery.js';

export function logoutHandler(provider: () => Pick<OidcProvider, 'logoutForm' | 'endSession'>): HttpHandler {
  return page((event) => (formBody(event).has(ANTIFORGERY_FIELD) ? provider().logoutForm : provider().endSession).handle(event));
}

export const handler = logoutHandler(getOidcProvider);
