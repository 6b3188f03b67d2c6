/**
 * Everything the token endpoint remembers, in the shared TTL table, so that any instance can
 * redeem what another issued:
 *
 *   oidc-code#<sha256(code)>        the authorization request the code answers      lives authorizationCodeTtlS
 *   oidc-grant#<grantId>            what the user granted the client; its tokens'   lives as long as its longest token
 *                                   liveness (revoked = every token from it dies)
 *   oidc-refresh#<sha256(token)>    one refresh token of the grant's family         until the family expires
 *   oidc-revoked-jti#<jti>          one revoked access token                        until that token expires
 *
 * Codes and refresh tokens are 256-bit random values; only their SHA-256 is stored, so the
 * table alone redeems nothing.
 *
 * Single use is enforced by DynamoDB: a code is consumed by a conditional delete and a refresh
 * token rotated by a conditional update, so of any number of concurrent redemptions on any
 * number of instances exactly one wins. The grant id of a code is derived from the code itself,
 * which lets a replay find (and revoke) the grant after the code item is gone. The grant exists
 * from the moment the code is issued, so a replay that races the first redemption still finds it.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { TtlStore } from '../ttl-store.js';

const SECRET_BYTES = 32;
const PENDING_GRANT_GRACE_S = 30;

export interface GrantFacts {
  clientId: string;
  subject: string;
  scopes: string[];
  authTimeS: number;
  amr: string[];
  sessionId?: string;
}

export interface Grant extends GrantFacts {
  grantId: string;
  /** pending: code issued, not redeemed; active: tokens issued. */
  status: 'pending' | 'active';
  /** Set by replay detection, refresh-token reuse, or revocation: every token of the grant is dead. */
  revoked: boolean;
  /** Absolute end of the refresh-token family, epoch seconds; absent when no refresh token was issued. */
  familyExpiresAtS?: number;
}

export interface AuthorizationCode extends GrantFacts {
  grantId: string;
  redirectUri: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
}

export interface RefreshTokenRecord {
  grantId: string;
  clientId: string;
  status: 'active' | 'rotated';
  /** Expiry, epoch seconds. */
  ttl: number;
}

export type RefreshRotation =
  /** The token is spent and `successor` stored, in one transaction. */
  | { outcome: 'rotated'; successor: string }
  /** The family's absolute lifetime is over: nothing was spent or stored. */
  | { outcome: 'expired' }
  /** A rotated token came back, or lost a race to be rotated: the family has been revoked. */
  | { outcome: 'reused' };

export type CodeRedemption =
  | { outcome: 'redeemed'; code: AuthorizationCode }
  /** No live code: never issued, expired, or already used (then its grant has been revoked). */
  | { outcome: 'invalid' };

export class GrantStore {
  private readonly cache: TtlStore;
  private readonly clock: Clock;

  constructor(options: { cache: TtlStore; clock: Clock }) {
    this.cache = options.cache;
    this.clock = options.clock;
  }

  /** A new code and its pending grant; the caller puts the code in the redirect. */
  async issueCode(input: Omit<AuthorizationCode, 'grantId'>, ttlS: number): Promise<string> {
    const code = randomSecret();
    const grantId = grantIdForCode(code);
    const grant: Omit<Grant, 'grantId'> = { ...facts(input), status: 'pending', revoked: false };
    // The grant first: once the code exists, a replay must be able to find it. It outlives the
    // code a little, so a code redeemed in its last second still finds its grant to activate.
    await this.cache.put(grantKey(grantId), { ...grant }, ttlS + PENDING_GRANT_GRACE_S);
    await this.cache.put(codeKey(code), { ...input, grantId }, ttlS);
    return code;
  }

  /**
   * Consumes the code (exactly one of any number of concurrent callers gets it). When the code
   * is gone, whatever was issued from it is revoked: RFC 6749 section 4.1.2 for a replay.
   */
  async redeemCode(code: string): Promise<CodeRedemption> {
    const item = await this.cache.consume<Record<string, unknown>>(codeKey(code));
    if (item === undefined) {
      await this.revokeGrant(grantIdForCode(code));
      return { outcome: 'invalid' };
    }
    const parsed = toCode(item);
    return parsed === undefined ? { outcome: 'invalid' } : { outcome: 'redeemed', code: parsed };
  }

  /**
   * Turns the pending grant of a redeemed code into an active one that lives `ttlS`. Only the
   * redeemer calls this; a concurrent replay may already have marked it revoked, and then the
   * tokens issued now are born dead, as they should be.
   */
  async activateGrant(grantId: string, ttlS: number, familyExpiresAtS: number | undefined): Promise<Grant | undefined> {
    const item = await this.cache.update<Record<string, unknown>>(
      grantKey(grantId),
      { status: 'active', ...(familyExpiresAtS !== undefined ? { familyExpiresAtS } : {}) },
      { where: { status: 'pending' }, ttlS },
    );
    return item === undefined ? undefined : toGrant(grantId, item);
  }

  /** The live grant, revoked or not. */
  async grant(grantId: string): Promise<Grant | undefined> {
    const item = await this.cache.get<Record<string, unknown>>(grantKey(grantId));
    return item === undefined ? undefined : toGrant(grantId, item);
  }

  /** Kills every token of the grant (access tokens, the refresh family). No-op for an unknown grant. */
  async revokeGrant(grantId: string): Promise<void> {
    await this.cache.update(grantKey(grantId), { revoked: true, revokedAt: new Date(this.clock()).toISOString() });
  }

  /** A new refresh token of the grant's family, living until the family's absolute expiry. */
  async issueRefreshToken(grant: Pick<Grant, 'grantId' | 'clientId'>, familyExpiresAtS: number): Promise<string | undefined> {
    const next = this.newRefreshToken(grant, familyExpiresAtS);
    if (next === undefined) return undefined;
    await this.cache.put(next.key, next.fields, next.ttlS);
    return next.token;
  }

  private newRefreshToken(grant: Pick<Grant, 'grantId' | 'clientId'>, familyExpiresAtS: number) {
    const ttlS = familyExpiresAtS - this.nowS();
    if (ttlS <= 0) return undefined;
    const token = randomSecret();
    return { token, key: refreshKey(token), fields: { grantId: grant.grantId, clientId: grant.clientId, status: 'active' }, ttlS };
  }

  /**
   * Marks the refresh token used and stores its successor in one transaction (exactly one
   * concurrent caller wins; a failure leaves the old token usable and no orphan successor).
   * `current` is the record the caller read with `refreshToken(token)` and found to belong to
   * the calling client (or anyone could burn another client's family). The caller reads first
   * and rotates last, once everything else that could fail has succeeded: a token spent by a
   * failed request would make the client's retry look like reuse. A token that was already
   * rotated revokes its whole family (RFC 9700 section 4.14.2).
   */
  async rotateRefreshToken(token: string, current: RefreshTokenRecord, familyExpiresAtS: number): Promise<RefreshRotation> {
    if (current.status === 'active') {
      const next = this.newRefreshToken(current, familyExpiresAtS);
      if (next === undefined) return { outcome: 'expired' };
      const rotatedAt = new Date(this.clock()).toISOString();
      if (await this.cache.updateAndPut(refreshKey(token), { status: 'rotated', rotatedAt }, { status: 'active' }, next)) {
        return { outcome: 'rotated', successor: next.token };
      }
    }
    await this.revokeGrant(current.grantId);
    return { outcome: 'reused' };
  }

  async refreshToken(token: string): Promise<RefreshTokenRecord | undefined> {
    return toRefresh(await this.cache.get<Record<string, unknown>>(refreshKey(token)));
  }

  async revokeAccessToken(jti: string, expiresAtS: number): Promise<void> {
    const ttlS = expiresAtS - this.nowS();
    if (ttlS <= 0) return;
    await this.cache.put(revokedJtiKey(jti), { revokedAt: new Date(this.clock()).toISOString() }, ttlS);
  }

  async isAccessTokenRevoked(jti: string): Promise<boolean> {
    return (await this.cache.get(revokedJtiKey(jti))) !== undefined;
  }

  private nowS(): number {
    return Math.floor(this.clock() / 1000);
  }
}

/** A grant whose tokens are usable: redeemed and not revoked. */
export function isUsableGrant(grant: Grant | undefined): grant is Grant {
  return grant !== undefined && grant.status === 'active' && !grant.revoked;
}

function randomSecret(): string {
  return randomBytes(SECRET_BYTES).toString('base64url');
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** Distinct from the code's storage key, and not reversible to the code. */
export function grantIdForCode(code: string): string {
  return createHash('sha256').update('oidc-grant\0').update(code).digest('base64url').slice(0, 32);
}

function codeKey(code: string): string {
  return `oidc-code#${sha256(code)}`;
}

function grantKey(grantId: string): string {
  return `oidc-grant#${grantId}`;
}

function refreshKey(token: string): string {
  return `oidc-refresh#${sha256(token)}`;
}

function revokedJtiKey(jti: string): string {
  return `oidc-revoked-jti#${jti}`;
}

function facts(input: GrantFacts): GrantFacts {
  return {
    clientId: input.clientId,
    subject: input.subject,
    scopes: [...input.scopes],
    authTimeS: input.authTimeS,
    amr: [...input.amr],
    ...(input.sessionId !== undefined ? { sessionId: input.sessionId } : {}),
  };
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function strs(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function readFacts(item: Record<string, unknown>): GrantFacts | undefined {
  const clientId = str(item.clientId);
  const subject = str(item.subject);
  if (clientId === undefined || subject === undefined || typeof item.authTimeS !== 'number') return undefined;
  const sessionId = str(item.sessionId);
  return { clientId, subject, scopes: strs(item.scopes), authTimeS: item.authTimeS, amr: strs(item.amr), ...(sessionId !== undefined ? { sessionId } : {}) };
}

function toCode(item: Record<string, unknown>): AuthorizationCode | undefined {
  const base = readFacts(item);
  const grantId = str(item.grantId);
  const redirectUri = str(item.redirectUri);
  if (base === undefined || grantId === undefined || redirectUri === undefined) return undefined;
  const nonce = str(item.nonce);
  const codeChallenge = str(item.codeChallenge);
  const codeChallengeMethod = str(item.codeChallengeMethod);
  return {
    ...base,
    grantId,
    redirectUri,
    ...(nonce !== undefined ? { nonce } : {}),
    ...(codeChallenge !== undefined ? { codeChallenge } : {}),
    ...(codeChallengeMethod !== undefined ? { codeChallengeMethod } : {}),
  };
}

function toGrant(grantId: string, item: Record<string, unknown>): Grant | undefined {
  const base = readFacts(item);
  if (base === undefined) return undefined;
  return {
    ...base,
    grantId,
    status: item.status === 'active' ? 'active' : 'pending',
    revoked: item.revoked === true,
    ...(typeof item.familyExpiresAtS === 'number' ? { familyExpiresAtS: item.familyExpiresAtS } : {}),
  };
}

function toRefresh(item: Record<string, unknown> | undefined): RefreshTokenRecord | undefined {
  if (item === undefined) return undefined;
  const grantId = str(item.grantId);
  const clientId = str(item.clientId);
  if (grantId === undefined || clientId === undefined || typeof item.ttl !== 'number') return undefined;
  return { grantId, clientId, status: item.status === 'active' ? 'active' : 'rotated', ttl: item.ttl };
}
