/** GET/POST /userinfo: claims about the user of a Bearer access token. */
import { api, type HttpHandler } from '../lib/http/handler.js';
import type { TokenInspection } from '../lib/oidc/provider.js';
import { getTokenInspection } from '../lib/oidc/inspection-services.js';

export function userinfoHandler(provider: () => TokenInspection): HttpHandler {
  return api((event) => provider().userinfo.handle(event));
}

export const handler = userinfoHandler(getTokenInspection);
