/** /account/passkeys/... and GET /passkeys/offer: add, rename, remove passkeys (lib/pages/passkey-account-endpoint.ts). */
import { page, type HttpHandler } from '../lib/http/handler.js';
import type { PasskeyAccountEndpoint } from '../lib/pages/passkey-account-endpoint.js';
import { getPasskeyAccountEndpoint } from '../lib/runtime/passkey-account-endpoints.js';

export function passkeyAccountHandler(endpoint: () => Pick<PasskeyAccountEndpoint, 'handle'>): HttpHandler {
  return page((event) => endpoint().handle(event));
}

export const handler = passkeyAccountHandler(getPasskeyAccountEndpoint);
