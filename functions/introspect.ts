/** POST /introspect: token introspection (RFC 7662). */
import { api, type HttpHandler } from '../lib/http/handler.js';
import { formBody, header } from '../lib/http/request.js';
import type { TokenInspection } from '../lib/runtime/oidc-provider.js';
import { getTokenInspection } from '../lib/runtime/table-services.js';

export function introspectHandler(provider: () => TokenInspection): HttpHandler {
  return api((event) => provider().introspection.handle(header(event, 'authorization'), formBody(event)));
}

export const handler = introspectHandler(getTokenInspection);
