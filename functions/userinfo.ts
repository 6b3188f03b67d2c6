/** GET/POST /userinfo: claims about the user of a Bearer access token. */
import { api, type HttpHandler } from '../lib/http/handler.js';
import type { OidcProvider } from '../lib/oidc/provider.js';
import { getOidcProvider } from '../lib/oidc/services.js';

export function userinfoHandler(provider: () => OidcProvider): HttpHandler {
  return api((event) => provider().userinfo.handle(event));
}

export const handler = userinfoHandler(getOidcProvider);
