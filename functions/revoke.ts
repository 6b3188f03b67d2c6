/** POST /revoke: token revocation (RFC 7009). */
import { api, type HttpHandler } from '../lib/http/handler.js';
import { formBody, header } from '../lib/http/request.js';
import type { TokenInspection } from '../lib/oidc/provider.js';
import { getTokenInspection } from '../lib/oidc/inspection-services.js';

export function revokeHandler(provider: () => TokenInspection): HttpHandler {
  return api((event) => provider().revocation.handle(header(event, 'authorization'), formBody(event)));
}

export const handler = revokeHandler(getTokenInspection);
