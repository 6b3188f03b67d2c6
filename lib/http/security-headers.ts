/**
 * Headers every response carries. Pages have no inline script or style, so the policy can deny
 * everything except our own script, stylesheet, images, fetches and form posts.
 */

export interface SecurityHeaderOptions {
  /**
   * Where forms on this page may end up, besides our own origin. Chromium applies CSP
   * `form-action` to the redirects that follow a POST too, so a login form whose POST answers
   * 302 to a client's `redirect_uri` must list that client's origin here, or the browser stops
   * at our origin. Takes origins or full URLs (reduced to their origin, since CSP ignores paths
   * after a redirect); a non-web scheme (a native app's `com.example.app:/cb`) allows that scheme.
   */
  formActionOrigins?: readonly string[];
}

/** One year; sent over HTTPS only in practice, since API Gateway only speaks HTTPS. */
const HSTS = 'max-age=31536000; includeSubDomains';

export function securityHeaders(options: SecurityHeaderOptions = {}): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(options.formActionOrigins ?? []),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Strict-Transport-Security': HSTS,
  };
}

function contentSecurityPolicy(formActionOrigins: readonly string[]): string {
  const formAction = new Set(["'self'", ...formActionOrigins.map(formActionSource)]);
  return [
    "default-src 'none'",
    // Our own scripts only (the passkey script, lib/pages/passkey-script.ts), which fetch options from our own origin.
    "script-src 'self'",
    "connect-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `form-action ${[...formAction].join(' ')}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/**
 * A CSP source expression for a form target. Going through the URL parser means nothing
 * a client registered can smuggle `;` or a space into the policy.
 */
function formActionSource(target: string): string {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new TypeError(`form-action target is not an absolute URL: ${JSON.stringify(target)}`);
  }
  if (url.protocol === 'https:' || url.protocol === 'http:') return url.origin;
  return url.protocol;
}
