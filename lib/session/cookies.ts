/**
 * `Set-Cookie` values. Every cookie is `Secure`; `__Host-` cookies additionally get `Path=/`
 * and no `Domain`, which is what makes the browser refuse to let a sibling subdomain or a
 * plain-HTTP page overwrite them (cookie tossing). Names and values are validated so that a
 * value can never inject attributes of its own.
 */

export type SameSite = 'Strict' | 'Lax' | 'None';

export interface CookieOptions {
  /** Lifetime in seconds; omit both this and `expires` for a browser-session cookie. */
  maxAgeS?: number;
  /** For old clients that ignore Max-Age; Max-Age wins where both are understood. */
  expires?: Date;
  path?: string;
  sameSite?: SameSite;
  httpOnly?: boolean;
}

/** RFC 6265 section 4.1.1: a name is an HTTP token. */
const NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** RFC 6265 cookie-octet: printable ASCII except space, `"`, `,`, `;` and `\`. */
const VALUE = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/;
/** Printable ASCII without `;`, so a path cannot start another attribute. */
const PATH = /^\/[\x20-\x3a\x3c-\x7e]*$/;

/** Browsers drop cookies whose name plus value exceeds 4096 bytes, silently; fail loudly instead. */
const MAX_NAME_AND_VALUE = 4096;

const HOST_PREFIX = '__Host-';

export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  if (!NAME.test(name)) throw new TypeError(`invalid cookie name: ${JSON.stringify(name)}`);
  if (!VALUE.test(value)) throw new TypeError(`invalid characters in the value of cookie ${name}`);
  if (name.length + value.length > MAX_NAME_AND_VALUE) throw new RangeError(`cookie ${name} is too large`);

  const path = options.path ?? '/';
  if (!PATH.test(path)) throw new TypeError(`invalid cookie path: ${JSON.stringify(path)}`);
  if (name.startsWith(HOST_PREFIX) && path !== '/') throw new TypeError(`${HOST_PREFIX} cookies must have Path=/`);

  const parts = [`${name}=${value}`, `Path=${path}`];
  if (options.maxAgeS !== undefined) {
    if (!Number.isInteger(options.maxAgeS) || options.maxAgeS < 0) {
      throw new RangeError('maxAgeS must be a non-negative integer');
    }
    parts.push(`Max-Age=${options.maxAgeS}`);
  }
  if (options.expires !== undefined) {
    if (Number.isNaN(options.expires.getTime())) throw new RangeError('expires is an invalid date');
    parts.push(`Expires=${options.expires.toUTCString()}`);
  }
  if (options.httpOnly ?? true) parts.push('HttpOnly');
  parts.push('Secure', `SameSite=${options.sameSite ?? 'Lax'}`);
  return parts.join('; ');
}

/**
 * Deletes a cookie. The browser matches on name, path and domain, so pass the same `path`
 * the cookie was set with.
 */
export function clearCookie(name: string, options: Pick<CookieOptions, 'path' | 'sameSite' | 'httpOnly'> = {}): string {
  return serializeCookie(name, '', { ...options, maxAgeS: 0, expires: new Date(0) });
}
