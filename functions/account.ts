/** GET /account: the signed-in user's account, assembled from its sections (lib/pages/account-endpoint.ts). */
import { page, type HttpHandler } from '../lib/http/handler.js';
import type { AccountEndpoint } from '../lib/pages/account-endpoint.js';
import { getAccountEndpoint } from '../lib/runtime/account-endpoints.js';

export function accountHandler(endpoint: () => Pick<AccountEndpoint, 'handle'>): HttpHandler {
  return page((event) => endpoint().handle(event));
}

export const handler = accountHandler(getAccountEndpoint);
