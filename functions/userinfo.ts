/**
 * GET/POST /userinfo: claims about the user of a Bearer access token. Open to browser apps
 * (CORS). Built over the OpenID Provider (signing keys, so KMS) because a client may have
 * registered signed userinfo responses.
 */
import { withCors } from '../lib/http/cors.js';
import { api, type HttpHandler } from '../lib/http/handler.js';
import type { TokenInspection } from '../lib/runtime/oidc-provider.js';
import { getOidcProvider } from '../lib/runtime/services.js';

export function userinfoHandler(provider: () => TokenInspection): HttpHandler {
  return withCors(
    { methods: ['GET', 'POST'], exposeHeaders: ['WWW-Authenticate'] },
    api((event) => provider().userinfo.handle(event)),
  );
}

export const handler = userinfoHandler(getOidcProvider);
