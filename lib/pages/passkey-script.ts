/**
 * GET /assets/passkeys.js: the browser side of passkeys (assets/passkeys.ts, bundled with
 * @simplewebauthn/browser into passkey-script.generated.ts). Pages link it with its content
 * hash in the query, so it is cached for a year like the stylesheet.
 */
import type { HttpResponse } from '../http/response.js';
import { securityHeaders } from '../http/security-headers.js';
import { PASSKEY_SCRIPT } from './passkey-script.generated.js';

export function passkeyScriptResponse(): HttpResponse {
  return {
    statusCode: 200,
    headers: {
      ...securityHeaders(),
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': 'public, max-age=31536000, immutable',
    },
    body: PASSKEY_SCRIPT,
  };
}
