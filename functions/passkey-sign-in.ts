/** POST /passkeys/sign-in[/options]: sign in with a passkey from /login (lib/pages/passkey-sign-in-endpoint.ts). */
import { page, type HttpHandler } from '../lib/http/handler.js';
import type { PasskeySignInEndpoint } from '../lib/pages/passkey-sign-in-endpoint.js';
import { getPasskeySignInEndpoint } from '../lib/runtime/passkey-endpoints.js';

export function passkeySignInHandler(endpoint: () => Pick<PasskeySignInEndpoint, 'handle'>): HttpHandler {
  return page((event) => endpoint().handle(event));
}

export const handler = passkeySignInHandler(getPasskeySignInEndpoint);
