/** POST /revoke: token revocation (RFC 7009). Open to browser apps (CORS). */
import { withCors } from '../lib/http/cors.js';
import { api, type HttpHandler } from '../lib/http/handler.js';
import { formBody, header } from '../lib/http/request.js';
import type { TokenInspection } from '../lib/runtime/oidc-provider.js';
import { getTokenInspection } from '../lib/runtime/table-services.js';

export function revokeHandler(provider: () => TokenInspection): HttpHandler {
  return withCors(
    { methods: ['POST'], exposeHeaders: ['WWW-Authenticate'] },
    api((event) => provider().revocation.handle(header(event, 'authorization'), formBody(event))),
  );
}

export const handler = revokeHandler(getTokenInspection);
