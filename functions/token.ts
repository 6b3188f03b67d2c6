/** POST /token: authorization_code, refresh_token and client_credentials grants. Open to browser apps (CORS). */
import { withCors } from '../lib/http/cors.js';
import { api, type HttpHandler } from '../lib/http/handler.js';
import { formBody, header } from '../lib/http/request.js';
import type { OidcProvider } from '../lib/runtime/oidc-provider.js';
import { getOidcProvider } from '../lib/runtime/services.js';

export function tokenHandler(provider: () => OidcProvider): HttpHandler {
  return withCors(
    { methods: ['POST'], exposeHeaders: ['WWW-Authenticate'] },
    api((event) => provider().token.handle(header(event, 'authorization'), formBody(event))),
  );
}

export const handler = tokenHandler(getOidcProvider);
