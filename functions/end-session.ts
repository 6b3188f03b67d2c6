/** GET /logout: RP-initiated logout (POST /logout is the pages' sign-out form, functions/logout.ts). */
import { page, type HttpHandler } from '../lib/http/handler.js';
import type { OidcProvider } from '../lib/runtime/oidc-provider.js';
import { getOidcProvider } from '../lib/runtime/services.js';

export function endSessionHandler(provider: () => OidcProvider): HttpHandler {
  return page((event) => provider().endSession.handle(event));
}

export const handler = endSessionHandler(getOidcProvider);
