/**
 * Where a page sends the user after sign-in or registration (`return_to`). Only a path on this
 * site is accepted, so the parameter can never become an open redirect: a single leading `/`,
 * not `//host` or `/\host` (browsers read both as another origin), no scheme, and no whitespace
 * or control characters (browsers strip those, so `/\t/host` would become `//host`).
 */

/** Longer values are not something our pages produce (an /authorize URL with a request is far shorter). */
export const MAX_RETURN_TO_LENGTH = 2048;

export const RETURN_TO_PARAM = 'return_to';

/**
 * The whole guard. A URL parser resolves a reference that starts with `/` and then anything but
 * `/` or `\` as a path on the base origin, whatever follows; tabs and newlines, which parsers
 * delete before that decision, are refused here. So no second check on the parsed origin: no
 * input reaches it (test/unit/session-return-to.test.ts resolves every short prefix to prove it).
 */
const SAME_ORIGIN_PATH = /^\/(?![/\\])[^\s\x00-\x1f\x7f\\]*$/;

/**
 * The value when it is a same-origin path, otherwise undefined (callers then use their default).
 * Characters outside ASCII come back percent-encoded: the value ends up in a Location header,
 * which is a URI reference, and Node refuses (other servers mangle) anything else there.
 */
export function safeReturnTo(value: string | null | undefined): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_RETURN_TO_LENGTH) return undefined;
  if (!SAME_ORIGIN_PATH.test(value)) return undefined;
  // Only the non-ASCII runs are encoded: `%`, `?`, `#` and existing escapes keep their meaning.
  const path = encodeNonAscii(value);
  return path === undefined || path.length > MAX_RETURN_TO_LENGTH ? undefined : path;
}

function encodeNonAscii(value: string): string | undefined {
  try {
    return value.replace(/[^\x00-\x7f]+/g, (run) => encodeURIComponent(run));
  } catch {
    return undefined; // a lone surrogate (URIError): no browser sends one
  }
}

/**
 * The sign-in page URL that comes back to `returnTo` afterwards, e.g. for `/authorize`:
 * `redirect(loginUrl('/authorize?' + event.rawQueryString), { status: 302 })`.
 * An unsafe `returnTo` is dropped rather than passed on.
 */
export function loginUrl(returnTo?: string, path = '/login'): string {
  const safe = safeReturnTo(returnTo);
  return safe === undefined ? path : `${path}?${new URLSearchParams({ [RETURN_TO_PARAM]: safe })}`;
}

/** Where to go after a successful sign-in: the safe `return_to`, else the home page. */
export function afterSignIn(returnTo: string | null | undefined): string {
  return safeReturnTo(returnTo) ?? '/';
}
