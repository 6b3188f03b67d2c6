/** GET/POST /authorize: the authorization endpoint (response_type=code). */
import { page, type HttpHandler } from '../lib/http/handler.js';
import type { OidcProvider } from '../lib/runtime/oidc-provider.js';
import { getOidcProvider } from '../lib/runtime/services.js';

export function authorizeHandler(provider: () => OidcProvider): HttpHandler {
  // A person's browser is at this endpoint: failures before a trusted redirect are pages.
  return page((event) => provider().authorize.handle(event));
}

export const handler = authorizeHandler(getOidcProvider);
