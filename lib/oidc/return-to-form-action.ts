/**
 * For the CSP of the sign-in pages: Chromium applies `form-action` to the redirects after a form
 * POST, so a sign-in form whose POST ends at a client's redirect URI must allow that origin.
 * Lives with OAuth because only OAuth knows what an /authorize `return_to` carries; the pages get
 * it injected (lib/runtime), so they know nothing of clients.
 */
import { AUTHORIZE_PATH } from './authorize-endpoint.js';
import { redirectUriProblem } from './client-metadata.js';

/**
 * Reads the redirect URI out of an /authorize `return_to`; [] for anything else. Anyone can
 * craft a `return_to`, and checking it against the client would cost the page a DynamoDB read,
 * so only URIs a client could have registered are admitted (never `javascript:`, `data:` or
 * plain http to a remote host): the worst a crafted link adds is one https origin to
 * form-action, which matters only together with an HTML injection the escaping pages do not have.
 */
export function formActionOriginsForReturnTo(returnTo: string | undefined): string[] {
  if (returnTo === undefined || !returnTo.startsWith(`${AUTHORIZE_PATH}?`)) return [];
  const redirectUri = new URLSearchParams(returnTo.slice(AUTHORIZE_PATH.length + 1)).getAll('redirect_uri');
  if (redirectUri.length !== 1) return [];
  // The security-header builder reduces it to an origin (or a scheme for native apps).
  return redirectUriProblem(redirectUri[0]!) === undefined ? [redirectUri[0]!] : [];
}
