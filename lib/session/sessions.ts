/**
 * The sign-in session: a protected cookie (`__Host-session`, purpose `session`), nothing on the
 * server while it is valid. Any instance reads it with the shared key ring alone.
 *
 * Lifetime has two bounds. The absolute one (`absoluteLifetimeS` after sign-in) never moves. The
 * idle one (`idleTimeoutS` after the cookie was last issued) slides: when more than half of the
 * idle window has passed, `read`/`verify` hand back a renewed cookie for the caller to set, so a
 * user active at least every idleTimeoutS/2 stays signed in until the absolute bound, and the
 * cookie is not rewritten on every request.
 *
 * Sign-out must outlive the cookie the browser might still replay, so it is a
 * `session-revoked#<sid>` item in the TTL table that lives until the session's absolute expiry.
 * "Sign out everywhere (else)" is one per-user cutoff item instead (session-index.ts), and each
 * session is also listed under its user there (written at sign-in, touched when the cookie slides).
 *
 * Where revocation is checked (`verify`, one BatchGetItem of the session's revocation and the
 * user's cutoff): everywhere a session shows or grants
 * something: the home page, `/authorize` (the lead's OIDC work), and anything that issues
 * tokens or shows account data. `read` (unprotect only, no I/O beyond the key ring) is for the
 * places where a stale answer grants nothing: binding an antiforgery token to the session id,
 * and finding the session id to revoke on sign-out.
 */
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Clock } from '../clock.js';
import type { DataProtector } from '../dataprotection/data-protector.js';
import { UnprotectError } from '../dataprotection/unprotect-error.js';
import { cookies } from '../http/request.js';
import type { CacheFields, TtlStore } from '../ttl-store.js';
import { clearCookie, serializeCookie } from './cookies.js';
import { cutoffKey, endedBy, SessionIndex, toCutoff, type SignedInSession } from './session-index.js';

export const SESSION_COOKIE = '__Host-session';
export const SESSION_PURPOSE = 'session';

/**
 * RFC 8176 `amr` values for the ways a user can sign in here: password, one-time code (emailed
 * or TOTP), multiple factors, hardware- or software-bound key (passkeys), user presence/verification.
 */
const AUTH_METHOD_VALUES = ['pwd', 'otp', 'mfa', 'hwk', 'swk', 'user'] as const;
export type AuthMethod = (typeof AUTH_METHOD_VALUES)[number];
const AUTH_METHODS: ReadonlySet<string> = new Set<string>(AUTH_METHOD_VALUES);

export interface Session {
  /** The user id (`sub`). */
  subject: string;
  /** 128 random bits, base64url; stays the same across idle renewals. */
  sessionId: string;
  /** When the user authenticated, epoch seconds (OIDC `auth_time`). */
  authTime: number;
  /** When this session began, epoch milliseconds: what "sign out everywhere" compares with. */
  startedAtMs: number;
  /** How the user authenticated (OIDC `amr`). */
  methods: AuthMethod[];
  /** When this cookie was (re)issued, epoch seconds. */
  issuedAt: number;
  /** The absolute bound, epoch seconds; never extended. */
  expiresAt: number;
  /** When the cookie dies unless renewed: min(issuedAt + idleTimeoutS, expiresAt). */
  idleExpiresAt: number;
}

export interface CurrentSession {
  session: Session;
  /** A renewed `Set-Cookie` to send with the response, when the idle window needed sliding. */
  renewedCookie?: string;
}

/** What the session needs from the TTL store: revocations, the per-user cutoff and the session index. */
export type RevocationStore = Pick<TtlStore, 'get' | 'getMany' | 'put' | 'update' | 'delete' | 'owned'>;

export interface SessionSettings {
  absoluteLifetimeS: number;
  idleTimeoutS: number;
}

/** The protected JSON, with short names: it rides on every request. */
interface SessionClaims {
  v: 1;
  sub: string;
  sid: string;
  at: number;
  /** Session start, epoch ms; absent in cookies issued before sessions were listed (then `at`). */
  st?: number;
  amr: AuthMethod[];
  iat: number;
  exp: number;
}

const SESSION_ID_BYTES = 16;

export class Sessions {
  private readonly protector: DataProtector;
  private readonly store: RevocationStore;
  private readonly settings: SessionSettings;
  private readonly clock: Clock;
  private readonly index: SessionIndex;

  /** `protector` is the application's root protector; the session purpose is added here. */
  constructor(options: { protector: DataProtector; store: RevocationStore; settings: SessionSettings; clock: Clock }) {
    if (options.settings.idleTimeoutS <= 0 || options.settings.absoluteLifetimeS <= 0) throw new RangeError('session lifetimes must be positive');
    this.protector = options.protector.forPurpose(SESSION_PURPOSE);
    this.store = options.store;
    this.settings = options.settings;
    this.clock = options.clock;
    this.index = new SessionIndex(options.store, options.clock, options.settings.absoluteLifetimeS);
  }

  /**
   * A new session (new id) after a successful sign-in; set `cookie` on the response. It is listed
   * under the user (one PutItem) with the browser and OS `userAgent` names.
   */
  async start(input: { subject: string; methods: readonly AuthMethod[]; authTime?: number; userAgent?: string }): Promise<{ session: Session; cookie: string }> {
    if (!input.subject) throw new TypeError('a session needs a subject');
    const startedAtMs = this.clock();
    const now = Math.floor(startedAtMs / 1000);
    const claims: SessionClaims = {
      v: 1,
      sub: input.subject,
      sid: randomBytes(SESSION_ID_BYTES).toString('base64url'),
      at: input.authTime ?? now,
      st: startedAtMs,
      amr: [...new Set(input.methods)],
      iat: now,
      exp: now + this.settings.absoluteLifetimeS,
    };
    const started = await this.issue(claims);
    await this.index.record({ ...started.session, subject: input.subject }, input.userAgent);
    return started;
  }

  /**
   * The session the request carries, from the cookie alone: no revocation check. Undefined when
   * there is no cookie or it is tampered, expired, made for another purpose or under a revoked key.
   * No DynamoDB call, except when the cookie slides: then its "last used" in the index moves too.
   */
  async read(event: APIGatewayProxyEventV2): Promise<CurrentSession | undefined> {
    const session = await this.fromCookie(event);
    if (!session) return undefined;
    const now = this.nowS();
    if (now - session.issuedAt <= this.settings.idleTimeoutS / 2 || session.idleExpiresAt >= session.expiresAt) return { session };
    const [renewed] = await Promise.all([this.issue(toClaims({ ...session, issuedAt: now })), this.index.touch(session.sessionId)]);
    return { session: renewed.session, renewedCookie: renewed.cookie };
  }

  /**
   * `read` plus the checks that the session was neither signed out nor ended by "sign out
   * everywhere" (one BatchGetItem). Use wherever a session shows or grants anything.
   */
  async verify(event: APIGatewayProxyEventV2): Promise<CurrentSession | undefined> {
    const current = await this.read(event);
    if (!current) return undefined;
    const { session } = current;
    const [revoked, cutoff] = await this.store.getMany([revocationKey(session.sessionId), cutoffKey(session.subject)]);
    if (revoked !== undefined || endedBy(toCutoff(cutoff), session)) return undefined;
    return current;
  }

  /** The session id from the cookie alone, never renewing: what antiforgery binds form tokens to. */
  async sessionIdOf(event: APIGatewayProxyEventV2): Promise<string | undefined> {
    return (await this.fromCookie(event))?.sessionId;
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    return (await this.store.get(revocationKey(sessionId))) !== undefined;
  }

  /** Records the session id as revoked until the session could no longer be used anyway, and unlists it. */
  async revoke(session: Pick<Session, 'sessionId' | 'expiresAt'>): Promise<void> {
    const remainingS = session.expiresAt - this.nowS();
    if (remainingS <= 0) return;
    const fields: CacheFields = { revokedAt: new Date(this.clock()).toISOString() };
    await Promise.all([this.store.put(revocationKey(session.sessionId), fields, remainingS), this.index.remove(session.sessionId)]);
  }

  /** Ends every session of the user that exists now, but `exceptSessionId`: one write whatever their number. */
  async endAllFor(subject: string, options: { exceptSessionId?: string } = {}): Promise<void> {
    await this.index.endAllFor(subject, options);
  }

  /** Where the user is signed in (one Query on an eventually consistent index: see session-index.ts). */
  async listFor(subject: string): Promise<SignedInSession[]> {
    return this.index.list(subject);
  }

  /** The `Set-Cookie` that removes the session cookie. */
  clearCookie(): string {
    return clearCookie(SESSION_COOKIE);
  }

  private async issue(claims: SessionClaims): Promise<{ session: Session; cookie: string }> {
    const session = toSession(claims, this.settings);
    const value = await this.protector.protectJson(claims, { expiresAt: new Date(session.idleExpiresAt * 1000) });
    const cookie = serializeCookie(SESSION_COOKIE, value, { maxAgeS: Math.max(0, session.idleExpiresAt - claims.iat) });
    return { session, cookie };
  }

  private async fromCookie(event: APIGatewayProxyEventV2): Promise<Session | undefined> {
    const value = cookies(event).get(SESSION_COOKIE);
    return value ? this.unprotect(value) : undefined;
  }

  private async unprotect(value: string): Promise<Session | undefined> {
    let claims: unknown;
    try {
      claims = await this.protector.unprotectJson<unknown>(value);
    } catch (error) {
      // A key-ring or KMS outage is not "signed out": let it become a 503.
      if (error instanceof UnprotectError) return undefined;
      throw error;
    }
    if (!isSessionClaims(claims)) return undefined;
    const session = toSession(claims, this.settings);
    // The protector checks the payload expiry with its own clock; these checks make the
    // bounds hold for ours too, and cap a cookie minted under a longer configured lifetime.
    const now = this.nowS();
    if (now >= session.idleExpiresAt || now >= session.expiresAt || session.issuedAt > now + CLOCK_SKEW_S) return undefined;
    return session;
  }

  private nowS(): number {
    return Math.floor(this.clock() / 1000);
  }
}

/** Instances' clocks differ by a little; a cookie "issued in the future" by more than this is refused. */
const CLOCK_SKEW_S = 60;

function revocationKey(sessionId: string): string {
  return `session-revoked#${sessionId}`;
}

function toSession(claims: SessionClaims, settings: SessionSettings): Session {
  const expiresAt = Math.min(claims.exp, claims.at + settings.absoluteLifetimeS);
  return {
    subject: claims.sub,
    sessionId: claims.sid,
    authTime: claims.at,
    startedAtMs: claims.st ?? claims.at * 1000,
    methods: [...claims.amr],
    issuedAt: claims.iat,
    expiresAt,
    idleExpiresAt: Math.min(claims.iat + settings.idleTimeoutS, expiresAt),
  };
}

function toClaims(session: Session): SessionClaims {
  return {
    v: 1,
    sub: session.subject,
    sid: session.sessionId,
    at: session.authTime,
    st: session.startedAtMs,
    amr: session.methods,
    iat: session.issuedAt,
    exp: session.expiresAt,
  };
}

function isSessionClaims(value: unknown): value is SessionClaims {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  return (
    c.v === 1 &&
    typeof c.sub === 'string' &&
    c.sub.length > 0 &&
    typeof c.sid === 'string' &&
    /^[A-Za-z0-9_-]{22}$/.test(c.sid) &&
    Number.isInteger(c.at) &&
    (c.st === undefined || Number.isInteger(c.st)) &&
    Number.isInteger(c.iat) &&
    Number.isInteger(c.exp) &&
    Array.isArray(c.amr) &&
    c.amr.length > 0 &&
    c.amr.every((m) => typeof m === 'string' && AUTH_METHODS.has(m))
  );
}
