/**
 * Everything the token endpoint remembers, in the shared TTL table, so that any instance can
 * redeem what another issued:
 *
 *   oidc-code#<sha256(code)>        the authorization request the code answers      lives authorizationCodeTtlS
 *   oidc-grant#<grantId>            what the user granted the client; its tokens'   lives as long as its longest token
 *                                   liveness (revoked = every token from it dies)
 *   oidc-revoked-jti#<jti>          one revoked access token                        until that token expires
 *
 * The refresh-token family lives on its grant item: a refresh token is `<grantId>.<secret>`, and
 * the grant holds the SHA-256 of the family's one live token, the short hashes of at least the
 * last REMEMBERED_SPENT tokens it replaced, and the facts every token is made of. So a refresh is
 * one conditional UpdateItem (live token = the presented one, the client's, grant active and not
 * revoked) that answers the facts for the new tokens, or the grant as it was when the condition
 * fails: one request, one write unit, no read first, no transaction. (Before, each refresh token was an item
 * of its own, `oidc-refresh#<sha256(token)>`, rotated in a three-item transaction: six write
 * units per refresh, the largest line of the cost model. Families issued that way keep working,
 * through the legacy functions at the end of the class, until they expire, at most
 * REFRESH_TOKEN_TTL_S after this release; then that code goes.)
 *
 * A grant carries its user as `owner` (lib/ttl-store.ts OWNER_FIELD), so a user's grants can be
 * listed ("apps with access") and revoked all at once (sign-out everywhere, a disabled or deleted
 * account) without a write of its own: the token endpoint's calls stay what they were. The list is
 * eventually consistent: a grant whose code was issued a moment ago may be missed by a revocation
 * (its code exchange and every refresh still read the user, which refuses a disabled or deleted one).
 *
 * Codes and refresh tokens are 256-bit random values; only their SHA-256 is stored, so the
 * table alone redeems nothing.
 *
 * Single use is enforced by DynamoDB, and every exchange writes once, last, once everything that
 * can fail without side effects (client authentication, PKCE, the user, signing) has succeeded:
 * a code exchange moves its grant from pending to active (storing the first refresh token's hash
 * on it), a refresh replaces the live token's hash while the grant is usable. Each is one
 * conditional UpdateItem of the grant item, so a fault leaves everything or nothing, and of any
 * number of concurrent redemptions on any number of instances exactly one wins. The code item is
 * not deleted: it expires within AUTHORIZATION_CODE_TTL_S, and a replay in the meantime finds its
 * grant active already and revokes it. The grant id of a code is derived from the code itself,
 * which lets a later replay find (and revoke) the grant after the code item is gone. The grant
 * exists from the moment the code is issued, so a replay that races the first redemption still
 * finds it.
 *
 * Retries. Every write stores a random `lastWrite` id; when its condition fails, DynamoDB answers
 * the grant as it found it, and finding its own id there means an earlier attempt of the same
 * call (an SDK retry after a lost response) committed: a success, not a replay. A client that retries a
 * refresh after losing the response presents a token that is already rotated: within
 * `refreshReuseGraceS` of that rotation, and as long as the successor has not been used, it gets
 * the same successor again (with fresh access and ID tokens) instead of "reuse detected"; two
 * tabs refreshing with one token at once end up with the same successor the same way. The
 * successor's secret is HMAC(seed, token) with a random seed stored on the grant: re-derivable
 * from the presented token, while the table alone still redeems nothing. Outside the window, or
 * once the successor has been used, a spent token is reuse and revokes the family (RFC 9700
 * section 4.14.2). A token the family no longer remembers is only refused: it could not be
 * told from a guess at a grant id, and guessing must not let a stranger end someone's sign-in. A
 * replayed authorization code is always refused (RFC 6749 section 4.1.2 says MUST deny) and
 * revokes its grant; the client of a lost code response signs in again.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { RequestedClaimNames } from './claims-request.js';
import { OWNER_FIELD, type TransactionItem, type TtlStore } from '../ttl-store.js';

const SECRET_BYTES = 32;
const PENDING_GRANT_GRACE_S = 30;
/** Spent tokens of a family recognised as reuse (beyond the live one): at least this many, fewer than twice as many (TtlStore.tryUpdate's prepend). */
const REMEMBERED_SPENT = 8;
/** `<grantId>.<secret>`: a refresh token whose family lives on its grant item. */
const FAMILY_TOKEN = /^([A-Za-z0-9_-]{32})\.[A-Za-z0-9_-]{43}$/;

export interface GrantFacts {
  clientId: string;
  subject: string;
  scopes: string[];
  authTimeS: number;
  amr: string[];
  sessionId?: string;
  /** What the authorization request's `claims` parameter asked for, per place (claims-request.ts). */
  requestedClaims?: RequestedClaimNames;
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

/** The grant's facts and id: what every token issued from it is made of. */
export interface GrantFactsWithId extends GrantFacts {
  grantId: string;
}

export interface RefreshTokenRecord extends GrantFactsWithId {
  status: 'active' | 'rotated';
  /** Expiry, epoch seconds: the family's absolute end. */
  ttl: number;
  /** When it was rotated (epoch ms), and the seed its successor is derived from (legacy items). */
  rotatedAtMs?: number;
  successorSeed?: string;
  /** The family's recently spent tokens as its grant holds them (families on the grant item). */
  spent?: readonly string[];
}

/** The refresh-token family's state on its grant item. */
interface FamilyState {
  liveHash?: string;
  /** Short hashes of spent tokens, newest first. */
  spent: string[];
  rotatedAtMs?: number;
  successorSeed?: string;
}

export type RefreshRotation =
  /**
   * `successor` is the family's live token: stored now with the old one spent, or re-sent within
   * the grace window; `grant` holds the facts the new tokens are made of.
   */
  | { outcome: 'rotated'; successor: string; grant: GrantFactsWithId }
  /** Not a token of this client's that the store knows (never issued, forgotten, another client's): nothing was written. */
  | { outcome: 'invalid' }
  /** The family's absolute lifetime is over: nothing was spent or stored. */
  | { outcome: 'expired' }
  /** The grant has been revoked or is gone: nothing was spent or stored. */
  | { outcome: 'revoked' }
  /** A rotated token came back outside the grace window or after its successor was used: the family has been revoked. */
  | { outcome: 'reused' };

export type CodeRedemption =
  | { outcome: 'redeemed'; refreshToken?: string }
  /** The code was redeemed concurrently (its grant has now been revoked), or the grant was revoked: nothing was written. */
  | { outcome: 'invalid' };

export class GrantStore {
  private readonly cache: TtlStore;
  private readonly clock: Clock;
  private readonly refreshReuseGraceMs: number;

  constructor(options: { cache: TtlStore; clock: Clock; refreshReuseGraceS: number }) {
    this.cache = options.cache;
    this.clock = options.clock;
    this.refreshReuseGraceMs = options.refreshReuseGraceS * 1000;
  }

  /** A new code and its pending grant; the caller puts the code in the redirect. */
  async issueCode(input: Omit<AuthorizationCode, 'grantId'>, ttlS: number): Promise<string> {
    const code = randomSecret();
    const grantId = grantIdForCode(code);
    const grant: Omit<Grant, 'grantId'> = { ...facts(input), status: 'pending', revoked: false };
    // The grant first: once the code exists, a replay must be able to find it. It outlives the
    // code a little, so a code redeemed in its last second still finds its grant to activate.
    await this.cache.put(grantKey(grantId), { ...grant, [OWNER_FIELD]: input.subject }, ttlS + PENDING_GRANT_GRACE_S);
    await this.cache.put(codeKey(code), { ...input, grantId }, ttlS);
    return code;
  }

  /**
   * The live code's authorization request, without spending it (redeemCode spends it). A code
   * that is gone was used already, or never issued: whatever was issued from it is revoked
   * (RFC 6749 section 4.1.2 for a replay).
   */
  async findCode(code: string): Promise<AuthorizationCode | undefined> {
    const item = await this.cache.get<Record<string, unknown>>(codeKey(code));
    if (item === undefined) {
      await this.revokeGrant(grantIdForCode(code));
      return undefined;
    }
    return toCode(item);
  }

  /**
   * Spends the code by activating its grant for `grantTtlS` and, with `familyExpiresAtS`, starts
   * the family with its first refresh token: one conditional UpdateItem (pending, not revoked).
   * A grant found active already was redeemed by another request: a replay, which revokes it; a
   * revoked grant is never activated, so a code refused earlier cannot be redeemed either.
   */
  async redeemCode(issued: AuthorizationCode, options: { grantTtlS: number; familyExpiresAtS?: number }): Promise<CodeRedemption> {
    const first = options.familyExpiresAtS === undefined ? undefined : familyToken(issued.grantId, randomSecret());
    const lastWrite = randomWriteId();
    const fields = {
      status: 'active',
      lastWrite,
      ...(first !== undefined ? { familyExpiresAtS: options.familyExpiresAtS, liveRefreshHash: sha256(first), spentRefreshHashes: [] } : {}),
    };
    const redeemed = { outcome: 'redeemed', ...(first !== undefined ? { refreshToken: first } : {}) } as const;
    const write = await this.cache.tryUpdate(grantKey(issued.grantId), fields, { where: { status: 'pending', revoked: false }, ttlS: options.grantTtlS });
    if (write.updated || write.item?.lastWrite === lastWrite) return redeemed;
    if (write.item?.status === 'active') await this.revokeGrant(issued.grantId);
    return { outcome: 'invalid' };
  }

  /** The live grant, revoked or not. */
  async grant(grantId: string): Promise<Grant | undefined> {
    const item = await this.cache.get<Record<string, unknown>>(grantKey(grantId));
    return item === undefined ? undefined : toGrant(grantId, item);
  }

  /**
   * The user's refresh-token families that can still refresh, longest-lived first: what "apps
   * with access" shows. One Query on the owner index.
   */
  async familiesOf(subject: string): Promise<Grant[]> {
    const nowS = this.nowS();
    return (await this.grantsOf(subject))
      .filter((grant) => isUsableGrant(grant) && grant.familyExpiresAtS !== undefined && grant.familyExpiresAtS > nowS)
      .sort((a, b) => (b.familyExpiresAtS ?? 0) - (a.familyExpiresAtS ?? 0));
  }

  /**
   * Revokes every grant of the user that is not revoked yet, pending ones too (a code issued a
   * moment ago can then not be redeemed); returns how many.
   */
  async revokeAllFor(subject: string): Promise<number> {
    return this.revokeEach((await this.grantsOf(subject)).filter((grant) => !grant.revoked));
  }

  /** `revokeAllFor`, for one client only: "remove access" on /account. */
  async revokeClientFor(subject: string, clientId: string): Promise<number> {
    return this.revokeEach((await this.grantsOf(subject)).filter((grant) => !grant.revoked && grant.clientId === clientId));
  }

  private async grantsOf(subject: string): Promise<Grant[]> {
    const owned = await this.cache.owned<Record<string, unknown>>(subject);
    return owned.flatMap(({ key, item }) => {
      const grant = key.startsWith(GRANT_PREFIX) ? toGrant(key.slice(GRANT_PREFIX.length), item) : undefined;
      // The owner field is the user's, but only a grant whose facts say so is theirs.
      return grant !== undefined && grant.subject === subject ? [grant] : [];
    });
  }

  private async revokeEach(grants: readonly Grant[]): Promise<number> {
    await Promise.all(grants.map((grant) => this.revokeGrant(grant.grantId)));
    return grants.length;
  }

  /** Kills every token of the grant (access tokens, the refresh family). No-op for an unknown grant. */
  async revokeGrant(grantId: string): Promise<void> {
    await this.cache.update(grantKey(grantId), { revoked: true, revokedAt: new Date(this.clock()).toISOString() });
  }

  /**
   * Spends `clientId`'s refresh token and makes its successor the family's live token: one
   * conditional UpdateItem of the grant (live token = this one, the client's, grant active and
   * not revoked) that answers the grant's facts for the new tokens, so a refresh reads nothing
   * first (a legacy token's item: a read and a transaction). A refused write answers the grant
   * as it was, which tells why without another read: a token rotated already gets its successor
   * again within the grace window (see the top of this file), else revokes its family; another
   * client's, an unknown or a forgotten token is refused with nothing written. Call it last,
   * once everything that can fail without side effects has succeeded: a token spent by a failed
   * request would make the client's retry look like reuse.
   */
  async rotateRefreshToken(token: string, clientId: string): Promise<RefreshRotation> {
    const match = FAMILY_TOKEN.exec(token);
    if (match === null) return this.rotateLegacyRefreshToken(token, clientId);
    const grantId = match[1]!;
    const hash = sha256(token);
    const seed = randomSecret();
    const successor = familyToken(grantId, successorOf(token, seed));
    const lastWrite = randomWriteId();
    const write = await this.cache.tryUpdate<Record<string, unknown>>(
      grantKey(grantId),
      { liveRefreshHash: sha256(successor), refreshRotatedAtMs: this.clock(), successorSeed: seed, lastWrite },
      {
        where: { liveRefreshHash: hash, clientId, status: 'active', revoked: false },
        prepend: { field: 'spentRefreshHashes', value: shortHash(hash), keep: REMEMBERED_SPENT },
      },
    );
    const { item } = write;
    // A refused write that finds our own write id: an earlier attempt of this call (an SDK retry) committed.
    if (item !== undefined && (write.updated || item.lastWrite === lastWrite)) return this.rotatedFamily(grantId, item, successor);
    return this.refusedRotation(token, grantId, clientId, item);
  }

  /** `successor` is live on the grant: the rotation, unless the family's lifetime is over (the write then changed nothing usable). */
  private rotatedFamily(grantId: string, item: Record<string, unknown>, successor: string): RefreshRotation {
    const grant = toGrant(grantId, item);
    if (grant?.familyExpiresAtS === undefined) return { outcome: 'revoked' };
    if (grant.familyExpiresAtS <= this.nowS()) return { outcome: 'expired' };
    return { outcome: 'rotated', successor, grant: factsWithId(grant) };
  }

  /** Why the rotation was refused, from the grant as the refused write found it. */
  private async refusedRotation(token: string, grantId: string, clientId: string, item: Record<string, unknown> | undefined): Promise<RefreshRotation> {
    if (item === undefined || item.clientId !== clientId) return { outcome: 'invalid' };
    const family = readFamily(item);
    const hash = sha256(token);
    // The live token itself: the grant is what refused (revoked, or not active).
    if (family.liveHash === hash) return { outcome: 'revoked' };
    if (!family.spent.includes(shortHash(hash))) return { outcome: 'invalid' };
    return this.resendFamilySuccessor(token, grantId, item);
  }

  /**
   * A spent token came back. The one spent last gets its successor again while the grace window
   * lasts and nobody has used the successor; otherwise it is reuse and the family is revoked.
   */
  private async resendFamilySuccessor(token: string, grantId: string, item: Record<string, unknown>): Promise<RefreshRotation> {
    if (item.status !== 'active' || item.revoked === true) return { outcome: 'revoked' };
    const family = readFamily(item);
    const spentLast = family.spent[0] === shortHash(sha256(token));
    if (spentLast && family.rotatedAtMs !== undefined && family.successorSeed !== undefined && this.clock() - family.rotatedAtMs < this.refreshReuseGraceMs) {
      const successor = familyToken(grantId, successorOf(token, family.successorSeed));
      if (family.liveHash === sha256(successor)) return this.rotatedFamily(grantId, item, successor);
    }
    await this.revokeGrant(grantId);
    return { outcome: 'reused' };
  }

  /**
   * The refresh token's family as its grant item holds it: active when it is the live token,
   * rotated when it is one of the recently spent ones, undefined when unknown, expired or gone.
   */
  async refreshToken(token: string): Promise<RefreshTokenRecord | undefined> {
    const match = FAMILY_TOKEN.exec(token);
    if (match === null) return this.legacyRefreshToken(token);
    const grantId = match[1]!;
    const item = await this.cache.get<Record<string, unknown>>(grantKey(grantId));
    const grant = item === undefined ? undefined : toGrant(grantId, item);
    if (item === undefined || grant?.familyExpiresAtS === undefined) return undefined;
    const family = readFamily(item);
    const hash = sha256(token);
    const status = family.liveHash === hash ? 'active' : family.spent.includes(shortHash(hash)) ? 'rotated' : undefined;
    if (status === undefined) return undefined;
    return { ...facts(grant), grantId, status, ttl: grant.familyExpiresAtS, spent: family.spent };
  }

  /** A legacy refresh token (an item of its own): reads it, then spends it and stores its successor in one transaction. */
  private async rotateLegacyRefreshToken(token: string, clientId: string): Promise<RefreshRotation> {
    const current = await this.legacyRefreshToken(token);
    if (current === undefined || current.clientId !== clientId) return { outcome: 'invalid' };
    let rotated = current;
    if (current.status === 'active') {
      const seed = randomSecret();
      const next = this.newRefreshToken(current, current.ttl, successorOf(token, seed));
      if (next === undefined) return { outcome: 'expired' };
      const outcome = await this.cache.transact([
        { op: 'update', key: refreshKey(token), fields: { status: 'rotated', rotatedAtMs: this.clock(), successorSeed: seed }, where: { status: 'active' } },
        next.put,
        usableGrantCheck(current.grantId),
      ]);
      if (outcome.committed) return { outcome: 'rotated', successor: next.token, grant: factsWithId(current) };
      if (outcome.failedAt === 2) return { outcome: 'revoked' };
      // Rotated meanwhile by a concurrent request with the same token (a retry, another tab).
      const reread = await this.refreshToken(token);
      if (reread === undefined) return { outcome: 'expired' };
      rotated = reread;
    }
    return this.resendSuccessor(token, rotated);
  }

  /** The successor of a rotated legacy token, while the grace window lasts and nobody has used it. */
  private async resendSuccessor(token: string, rotated: RefreshTokenRecord): Promise<RefreshRotation> {
    const { rotatedAtMs, successorSeed } = rotated;
    if (rotatedAtMs !== undefined && successorSeed !== undefined && this.clock() - rotatedAtMs < this.refreshReuseGraceMs) {
      const successor = successorOf(token, successorSeed);
      const outcome = await this.cache.transact([{ op: 'check', key: refreshKey(successor), where: { status: 'active' } }, usableGrantCheck(rotated.grantId)]);
      if (outcome.committed) return { outcome: 'rotated', successor, grant: factsWithId(rotated) };
      if (outcome.failedAt === 1) return { outcome: 'revoked' };
    }
    await this.revokeGrant(rotated.grantId);
    return { outcome: 'reused' };
  }

  private async legacyRefreshToken(token: string): Promise<RefreshTokenRecord | undefined> {
    const item = await this.cache.get<Record<string, unknown>>(refreshKey(token));
    if (item === undefined || readFacts(item) !== undefined || typeof item.grantId !== 'string') return toRefresh(item);
    // Stored before tokens carried their grant's facts (families a deployed stage issued
    // earlier): the grant has them, at one more read until the family rotates once.
    const grant = await this.grant(item.grantId);
    return grant === undefined ? undefined : toRefresh({ ...facts(grant), ...item });
  }

  /** A legacy refresh token item of the grant's family, living until the family's absolute expiry. */
  private newRefreshToken(grant: GrantFactsWithId, familyExpiresAtS: number, token: string) {
    const ttlS = familyExpiresAtS - this.nowS();
    if (ttlS <= 0) return undefined;
    const put: TransactionItem = { op: 'put', key: refreshKey(token), fields: { ...facts(grant), grantId: grant.grantId, status: 'active' }, ttlS };
    return { token, put };
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

/** Tells one write of the grant item from every other (see "Retries" at the top of this file). */
function randomWriteId(): string {
  return randomBytes(16).toString('base64url');
}

function familyToken(grantId: string, secret: string): string {
  return `${grantId}.${secret}`;
}

/** 128 bits of a token's SHA-256: enough to recognise a spent token, and short on the grant item. */
function shortHash(hash: string): string {
  return hash.slice(0, 22);
}

function readFamily(item: Record<string, unknown>): FamilyState {
  const liveHash = str(item.liveRefreshHash);
  const successorSeed = str(item.successorSeed);
  return {
    spent: strs(item.spentRefreshHashes),
    ...(liveHash !== undefined ? { liveHash } : {}),
    ...(typeof item.refreshRotatedAtMs === 'number' ? { rotatedAtMs: item.refreshRotatedAtMs } : {}),
    ...(successorSeed !== undefined ? { successorSeed } : {}),
  };
}

/** Only someone holding `token` can derive it from the stored seed; see the top of this file. */
function successorOf(token: string, seed: string): string {
  return createHmac('sha256', seed).update(token).digest('base64url');
}

/** The grant is redeemed, not revoked and not expired. */
function usableGrantCheck(grantId: string): TransactionItem {
  return { op: 'check', key: grantKey(grantId), where: { status: 'active', revoked: false } };
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

const GRANT_PREFIX = 'oidc-grant#';

function grantKey(grantId: string): string {
  return `${GRANT_PREFIX}${grantId}`;
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
    ...(input.requestedClaims !== undefined ? { requestedClaims: { idToken: [...input.requestedClaims.idToken], userinfo: [...input.requestedClaims.userinfo] } } : {}),
  };
}

function factsWithId(record: GrantFactsWithId): GrantFactsWithId {
  return { ...facts(record), grantId: record.grantId };
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
  const requestedClaims = readRequestedClaims(item.requestedClaims);
  return {
    clientId,
    subject,
    scopes: strs(item.scopes),
    authTimeS: item.authTimeS,
    amr: strs(item.amr),
    ...(sessionId !== undefined ? { sessionId } : {}),
    ...(requestedClaims !== undefined ? { requestedClaims } : {}),
  };
}

function readRequestedClaims(value: unknown): RequestedClaimNames | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const names = value as Record<string, unknown>;
  return { idToken: strs(names.idToken), userinfo: strs(names.userinfo) };
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
  const base = readFacts(item);
  const grantId = str(item.grantId);
  if (base === undefined || grantId === undefined || typeof item.ttl !== 'number') return undefined;
  const successorSeed = str(item.successorSeed);
  return {
    ...base,
    grantId,
    status: item.status === 'active' ? 'active' : 'rotated',
    ttl: item.ttl,
    ...(typeof item.rotatedAtMs === 'number' ? { rotatedAtMs: item.rotatedAtMs } : {}),
    ...(successorSeed !== undefined ? { successorSeed } : {}),
  };
}
