/** /account/{profile,email,password,delete}: the forms of the account's own sections (lib/pages/account-actions-endpoint.ts). */
import { page, type HttpHandler } from '../lib/http/handler.js';
import type { AccountActionsEndpoint } from '../lib/pages/account-actions-endpoint.js';
import { getAccountActionsEndpoint } from '../lib/runtime/account-action-endpoints.js';

export function accountActionsHandler(endpoint: () => Pick<AccountActionsEndpoint, 'handle'>): HttpHandler {
  return page((event) => endpoint().handle(event));
}

export const handler = accountActionsHandler(getAccountActionsEndpoint);
