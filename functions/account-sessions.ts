/** /account/sessions/... and /account/apps/...: sign out other sessions, remove an app's access (lib/pages/account-sessions-endpoint.ts). */
import { page, type HttpHandler } from '../lib/http/handler.js';
import type { AccountSessionsEndpoint } from '../lib/pages/account-sessions-endpoint.js';
import { getAccountSessionsEndpoint } from '../lib/runtime/account-session-endpoints.js';

export function accountSessionsHandler(endpoint: () => Pick<AccountSessionsEndpoint, 'handle'>): HttpHandler {
  return page((event) => endpoint().handle(event));
}

export const handler = accountSessionsHandler(getAccountSessionsEndpoint);
