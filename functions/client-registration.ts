/** POST /connect/register (RFC 7591) and GET/PUT/DELETE /connect/register/{clientId} (RFC 7592). */
import { api, type HttpHandler } from '../lib/http/handler.js';
import type { ClientRegistrationEndpoint } from '../lib/oidc/client-registration-endpoint.js';
import { getClientRegistrationEndpoint } from '../lib/runtime/client-registration-endpoints.js';

export function clientRegistrationHandler(endpoint: () => ClientRegistrationEndpoint): HttpHandler {
  return api((event) => endpoint().handle(event));
}

export const handler = clientRegistrationHandler(getClientRegistrationEndpoint);
