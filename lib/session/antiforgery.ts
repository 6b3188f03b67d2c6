/**
 * Antiforgery for every state-changing form POST: the double-submit pattern, with both halves
 * protected so that neither can be forged or moved.
 *
 *   cookie token  `__Host-af`: protected (purpose `antiforgery-cookie`) random id. Lives for the
 *                 browser session and is reused across pages, so several tabs keep working.
 *   form token    hidden `_af` field: protected (purpose `antiforgery-form`, time-limited)
 *                 { cookie token id, session id or "", flow binding or "" }.
 *
 * A POST is accepted when both unprotect, the form token names this cookie token, and it was
 * made for the session (or absence of one) and the flow (registration, code sign-in) the
 * request now carries. A cross-site form cannot read either token; a token lifted from one
 * user's page is useless with another's cookie, session or flow. Only the key ring is shared
 * between instances, so issue and validate work on any instance without a DynamoDB call.
 */
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Clock } from '../clock.js';
import type { DataProtector } from '../dataprotection/data-protector.js';
import { UnprotectError } from '../dataprotection/unprotect-error.js';
import { cookies } from '../http/request.js';
import { serializeCookie } from './cookies.js';

export const ANTIFORGERY_COOKIE = '__Host-af';
export const ANTIFORGERY_FIELD = '_af';
export const ANTIFORGERY_COOKIE_PURPOSE = 'antiforgery-cookie';
export const ANTIFORGERY_FORM_PURPOSE = 'antiforgery-form';

/** How long a rendered form can be submitted. Long enough to fetch a code from a mailbox and come back. */
export const DEFAULT_FORM_TOKEN_LIFETIME_S = 2 * 60 * 60;

/** What a form token is bound to besides the cookie token. */
export interface AntiforgeryBinding {
  /**
   * An anonymous flow the form belongs to, e.g. `register:<flowId>`. Omit for forms that belong
   * to no flow (sign-in, sign-out, the first step of a flow).
   */
  flow?: string;
  /**
   * The session id the form is for. Omit to take it from the request's session cookie (the
   * usual case); pass `null` to bind to "no session" regardless of the cookie.
   */
  sessionId?: string | null;
}

/** Why a POST was refused; for logs and tests. Every reason gets the same page. */
export type AntiforgeryFailure =
  | 'cookie_missing'
  | 'cookie_invalid'
  | 'token_missing'
  | 'token_invalid'
  | 'token_expired'
  | 'cookie_mismatch'
  | 'session_mismatch'
  | 'flow_mismatch';

export type AntiforgeryCheck = { ok: true } | { ok: false; reason: AntiforgeryFailure };

export interface IssuedAntiforgery {
  /** The value for the hidden `_af` field. */
  token: string;
  /** `Set-Cookie` values to send (a new cookie token when the request had no valid one). */
  cookies: string[];
}

interface CookieToken {
  id: string;
}

interface FormToken {
  c: string;
  s: string;
  f: string;
}

/** Finds the session id of the request (unprotect only), e.g. `(e) => sessions.read(e).then(c => c?.session.sessionId)`. */
export type SessionIdOf = (event: APIGatewayProxyEventV2) => Promise<string | undefined>;

const TOKEN_ID_BYTES = 16;
const TOKEN_ID = /^[A-Za-z0-9_-]{22}$/;

export class Antiforgery {
  private readonly cookieProtector: DataProtector;
  private readonly formProtector: DataProtector;
  private readonly sessionIdOf: SessionIdOf;
  private readonly clock: Clock;
  private readonly formTokenLifetimeS: number;

  /** `protector` is the application's root protector; the two purposes are added here. */
  constructor(options: { protector: DataProtector; sessionIdOf: SessionIdOf; clock: Clock; formTokenLifetimeS?: number }) {
    this.cookieProtector = options.protector.forPurpose(ANTIFORGERY_COOKIE_PURPOSE);
    this.formProtector = options.protector.forPurpose(ANTIFORGERY_FORM_PURPOSE);
    this.sessionIdOf = options.sessionIdOf;
    this.clock = options.clock;
    this.formTokenLifetimeS = options.formTokenLifetimeS ?? DEFAULT_FORM_TOKEN_LIFETIME_S;
  }

  /** A form token for a page about to be rendered, reusing the request's cookie token when it has a valid one. */
  async issue(event: APIGatewayProxyEventV2, binding: AntiforgeryBinding = {}): Promise<IssuedAntiforgery> {
    const setCookies: string[] = [];
    let cookieId = await this.readCookieToken(event);
    if (cookieId === undefined) {
      cookieId = randomBytes(TOKEN_ID_BYTES).toString('base64url');
      const value = await this.cookieProtector.protectJson({ id: cookieId } satisfies CookieToken);
      // No Max-Age: a browser-session cookie, like the page it protects.
      setCookies.push(serializeCookie(ANTIFORGERY_COOKIE, value));
    }
    const form: FormToken = { c: cookieId, s: (await this.expectedSessionId(event, binding)) ?? '', f: binding.flow ?? '' };
    const token = await this.formProtector.protectJson(form, { expiresAt: new Date(this.clock() + this.formTokenLifetimeS * 1000) });
    return { token, cookies: setCookies };
  }

  /** Checks the `_af` field of a submitted form against the request's cookie, session and `binding`. */
  async validate(event: APIGatewayProxyEventV2, form: URLSearchParams, binding: AntiforgeryBinding = {}): Promise<AntiforgeryCheck> {
    const rawCookie = cookies(event).get(ANTIFORGERY_COOKIE);
    if (!rawCookie) return fail('cookie_missing');
    const submitted = form.getAll(ANTIFORGERY_FIELD);
    // One token only: a repeated field is not something our forms send.
    if (submitted.length !== 1 || !submitted[0]) return fail('token_missing');

    const cookieId = await this.unprotectCookie(rawCookie);
    if (cookieId === undefined) return fail('cookie_invalid');

    let token: unknown;
    try {
      token = await this.formProtector.unprotectJson<unknown>(submitted[0]);
    } catch (error) {
      if (!(error instanceof UnprotectError)) throw error;
      return fail(error.code === 'expired' ? 'token_expired' : 'token_invalid');
    }
    if (!isFormToken(token)) return fail('token_invalid');
    if (token.c !== cookieId) return fail('cookie_mismatch');
    if (token.s !== ((await this.expectedSessionId(event, binding)) ?? '')) return fail('session_mismatch');
    if (token.f !== (binding.flow ?? '')) return fail('flow_mismatch');
    return { ok: true };
  }

  private async expectedSessionId(event: APIGatewayProxyEventV2, binding: AntiforgeryBinding): Promise<string | undefined> {
    if (binding.sessionId === null) return undefined;
    if (binding.sessionId !== undefined) return binding.sessionId;
    return this.sessionIdOf(event);
  }

  private async readCookieToken(event: APIGatewayProxyEventV2): Promise<string | undefined> {
    const raw = cookies(event).get(ANTIFORGERY_COOKIE);
    return raw ? this.unprotectCookie(raw) : undefined;
  }

  private async unprotectCookie(raw: string): Promise<string | undefined> {
    try {
      const value = await this.cookieProtector.unprotectJson<CookieToken>(raw);
      return typeof value === 'object' && value !== null && typeof value.id === 'string' && TOKEN_ID.test(value.id) ? value.id : undefined;
    } catch (error) {
      // Only "this is not a valid token" is a client problem; an outage must stay a 503.
      if (error instanceof UnprotectError) return undefined;
      throw error;
    }
  }
}

function fail(reason: AntiforgeryFailure): AntiforgeryCheck {
  return { ok: false, reason };
}

function isFormToken(value: unknown): value is FormToken {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as Record<string, unknown>;
  return typeof t.c === 'string' && typeof t.s === 'string' && typeof t.f === 'string';
}
