import { randomBytes, randomInt } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { TransactionItem, TtlStore } from '../ttl-store.js';
import { normalizeEmail } from './email-address.js';
import type { AttemptOrigin } from './attempt-scopes.js';
import type { KeyedHasher } from './keyed-hasher.js';
import type { LoginThrottle } from './login-throttle.js';

/**
 * Six-digit codes mailed to prove control of an address. All state is in the TTL table, so the
 * code issued by one instance is checked by another:
 *
 *   otp#<purpose>#<email>         { codes: [{ codeId, codeHash, expiresAt }] }  the last `maxLive` codes issued
 *   otp-unused#<codeId>           { issuedAt }                                  present until the code is used
 *   otp-resend#<purpose>#<email>  { gateId }                                    exists while a resend is too soon
 *   otp-hourly#<email>            { count }                                     codes sent to the address in a fixed hour
 *
 * Anyone can ask for a code for any address, so a new code does not cancel the earlier ones:
 * the owner's code keeps working while someone else requests more, up to `maxLive` codes
 * (beyond that the oldest goes). Guesses are counted per account and source, across all live
 * codes and every purpose, by a LoginThrottle for codes (see attempt-scopes.ts), before any code
 * is compared; so more live codes never mean more attempts, and failing on purpose from
 * elsewhere does not spend the owner's. A correct code is consumed with a conditional delete of
 * its `otp-unused` item, in a transaction with whatever the caller's step writes, so of parallel
 * uses of one code exactly one succeeds, and a used code always took its step with it.
 */
/**
 * What a code is for. The purpose is part of the item key and of the hashed input, so a code
 * issued for one purpose never verifies for another (a sign-in code cannot reset a password).
 */
export type CodePurpose = 'register' | 'login' | 'reset' | 'email-change';

export type IssueResult =
  | { ok: true; code: string }
  | { ok: false; reason: 'resend_too_soon' | 'hourly_limit'; retryAfterS: number };

export type VerifyCodeResult =
  | { ok: true }
  | { ok: false; reason: 'invalid' | 'expired' }
  /** Too many guesses from here, or at this account: nothing was compared; the codes still work after the wait. */
  | { ok: false; reason: 'throttled'; retryAfterS: number };

/** A correct, unused code whose `alsoCommit` items failed their conditions: nothing was written. */
export type VerifyRefused = { ok: false; reason: 'refused' };

interface LiveCode extends Record<string, unknown> {
  codeId: string;
  codeHash: string;
  /** Epoch seconds. */
  expiresAt: number;
}

const INVALID: VerifyCodeResult = { ok: false, reason: 'invalid' };
const EXPIRED: VerifyCodeResult = { ok: false, reason: 'expired' };
const REFUSED: VerifyRefused = { ok: false, reason: 'refused' };

const HOUR_S = 60 * 60;
const CODE_SPACE = 1_000_000;
const CODE_FORMAT = /^\d{6}$/;

export class OneTimeCodes {
  private readonly cache: TtlStore;
  private readonly hasher: KeyedHasher;
  private readonly settings: Config['otp'];
  private readonly clock: Clock;
  /** The guessing budgets of mailed codes (kind 'code'). */
  private readonly throttle: LoginThrottle;

  constructor(options: { cache: TtlStore; hasher: KeyedHasher; settings: Config['otp']; clock: Clock; throttle: LoginThrottle }) {
    this.cache = options.cache;
    this.hasher = options.hasher;
    this.settings = options.settings;
    this.clock = options.clock;
    this.throttle = options.throttle;
  }

  /** How long a code lives, for the text of the mail. */
  get ttlS(): number {
    return this.settings.ttlS;
  }

  /**
   * Issues a fresh code; earlier ones for the same purpose and address keep working, up to
   * `maxLive` codes. The caller mails it; the code itself is never stored. Throws for an address
   * normalizeEmail rejects.
   */
  async issue(purpose: CodePurpose, email: string): Promise<IssueResult> {
    const taken = await this.take(purpose, email);
    return taken.ok ? { ok: true, code: taken.code } : taken;
  }

  /**
   * Issues a code and hands it to `send` (its mail). When issuing or sending fails the code
   * reached nobody, so the resend gate is given back and the person's retry mails a new code at
   * once, instead of waiting out a gate for a mail that never left. The hourly count stays spent: it bounds what an address can be sent, not what arrived.
   */
  async issueAndSend(purpose: CodePurpose, email: string, send: (code: string) => Promise<void>): Promise<IssueResult> {
    const taken = await this.take(purpose, email);
    if (!taken.ok) return taken;
    try {
      await send(taken.code);
    } catch (error) {
      await this.releaseGate(taken.resendKey, taken.gateId);
      throw error;
    }
    return { ok: true, code: taken.code };
  }

  private async take(
    purpose: CodePurpose,
    email: string,
  ): Promise<{ ok: true; code: string; resendKey: string; gateId: string } | Extract<IssueResult, { ok: false }>> {
    const address = requireEmail(email);
    const resendKey = `otp-resend#${purpose}#${address}`;
    const hourlyKey = `otp-hourly#${address}`;

    // The gate is taken first and atomically: of several requests at once, one proceeds.
    const gateId = randomId();
    // A failure from here on means no code went out: the gate goes back, so a retry is not told
    // to wait. That includes the gate's own write, which may have committed with its answer lost.
    try {
      // Our own gateId passes the condition: an SDK retry of a put that committed unseen is not
      // refused by the gate it set itself.
      if (!(await this.cache.put(resendKey, { gateId }, this.settings.resendAfterS, { ifAbsentOrMatching: { gateId } }))) {
        const gate = await this.cache.get(resendKey);
        return { ok: false, reason: 'resend_too_soon', retryAfterS: this.secondsUntil(gate?.ttl) };
      }
      const counted = await this.cache.increment(hourlyKey, 'count', { atMost: this.settings.maxPerHour, createTtlS: HOUR_S });
      if (!counted) {
        // No code was sent, so the resend gate we just took must not hide the real reason next time.
        await this.cache.consume(resendKey, { gateId });
        const window = await this.cache.get(hourlyKey);
        return { ok: false, reason: 'hourly_limit', retryAfterS: this.secondsUntil(window?.ttl) };
      }

      const code = String(randomInt(0, CODE_SPACE)).padStart(6, '0');
      const codeId = randomId();
      const entry: LiveCode = {
        codeId,
        codeHash: await this.hasher.hash(hashInput(purpose, address, codeId, code)),
        expiresAt: this.nowS() + this.settings.ttlS,
      };
      // The unused marker first: a code listed without it can never be used, never the reverse.
      await this.cache.put(unusedKey(codeId), { issuedAt: new Date(this.clock()).toISOString() }, this.settings.ttlS);
      // Issues for one purpose and address are one at a time (the resend gate), so keepLast holds.
      await this.cache.append(codesKey(purpose, address), 'codes', [entry], { ttlS: this.settings.ttlS, keepLast: this.settings.maxLive });
      return { ok: true, code, resendKey, gateId };
    } catch (error) {
      await this.releaseGate(resendKey, gateId);
      throw error;
    }
  }

  /** Best effort: the failure that made us give the gate back is the one that matters. */
  private async releaseGate(resendKey: string, gateId: string): Promise<void> {
    await this.cache.consume(resendKey, { gateId }).catch(() => undefined);
  }

  /**
   * Checks `code` against every live code for the purpose and address.
   * 'expired' means "no live code matches and can be used": none was issued, they have expired
   * or been retired, or this one was already used. We do not tell these apart (that would need to keep dead
   * codes around), and the remedy is the same for all of them: ask for a new code.
   * 'invalid' means live codes exist and this is none of them; 'throttled' that too many guesses
   * came from this origin or at this address, and nothing was compared.
   */
  async verify(purpose: CodePurpose, email: string, code: string, origin: AttemptOrigin): Promise<VerifyCodeResult>;
  /**
   * With `alsoCommit`, a correct code is used in one transaction with those items (e.g. the step
   * it unlocks), so the code is never spent without them nor they written without it. When one of
   * their conditions fails nothing is written, the code still works, and the answer is 'refused'.
   */
  async verify(
    purpose: CodePurpose,
    email: string,
    code: string,
    origin: AttemptOrigin,
    alsoCommit: readonly TransactionItem[],
  ): Promise<VerifyCodeResult | VerifyRefused>;
  async verify(
    purpose: CodePurpose,
    email: string,
    code: string,
    origin: AttemptOrigin,
    alsoCommit: readonly TransactionItem[] = [],
  ): Promise<VerifyCodeResult | VerifyRefused> {
    const address = normalizeEmail(email);
    if (!address) return INVALID;
    const nowS = this.nowS();
    const live = ((await this.cache.get<{ codes: LiveCode[] }>(codesKey(purpose, address)))?.codes ?? []).filter((entry) => entry.expiresAt > nowS);
    // Without a live code there is nothing to guess, so nothing is counted.
    if (live.length === 0) return EXPIRED;

    // Count the guess before comparing: each parallel guess costs its place.
    const started = await this.throttle.begin(address, origin);
    if (!started.allowed) return { ok: false, reason: 'throttled', retryAfterS: started.retryAfterS };
    let matched: LiveCode | undefined;
    try {
      matched = await this.matching(purpose, address, live, code.replace(/[\s-]/g, ''));
    } catch (error) {
      // A key-ring outage is nobody's wrong guess; best effort, since the cache may be down too.
      await this.throttle.giveBack(started.attempt).catch(() => undefined);
      throw error;
    }
    if (!matched) return INVALID;

    // Single use: of concurrent correct verifications exactly one deletes the marker.
    const used = await this.cache.transact([{ op: 'delete', key: unusedKey(matched.codeId) }, ...alsoCommit]);
    if (!used.committed && used.failedAt === 0) return EXPIRED;
    // A correct code is nobody's wrong guess, whether it was spent or the caller's condition
    // refused it; a failed give-back must not fail the sign-in the code completes.
    await this.throttle.giveBack(started.attempt).catch(() => undefined);
    return used.committed ? { ok: true } : REFUSED;
  }

  /** The live code `candidate` is, if any. Malformed input was counted like any wrong code. */
  private async matching(purpose: CodePurpose, address: string, live: readonly LiveCode[], candidate: string): Promise<LiveCode | undefined> {
    if (!CODE_FORMAT.test(candidate)) return undefined;
    const matches = await Promise.all(live.map((entry) => this.hasher.verify(hashInput(purpose, address, entry.codeId, candidate), entry.codeHash)));
    return live.find((_, i) => matches[i]);
  }

  private nowS(): number {
    return Math.floor(this.clock() / 1000);
  }

  private secondsUntil(ttl: number | undefined): number {
    const nowS = this.nowS();
    return Math.max(1, (ttl ?? nowS) - nowS);
  }
}

function codesKey(purpose: CodePurpose, address: string): string {
  return `otp#${purpose}#${address}`;
}

function unusedKey(codeId: string): string {
  return `otp-unused#${codeId}`;
}

/** Binds the hash to its purpose, address and issue: a hash copied to another item does not verify. */
function hashInput(purpose: CodePurpose, address: string, codeId: string, code: string): string {
  return `otp/v1\n${purpose}\n${address}\n${codeId}\n${code}`;
}

function requireEmail(email: string): string {
  const address = normalizeEmail(email);
  if (!address) throw new TypeError('one-time codes need a valid email address');
  return address;
}

function randomId(): string {
  return randomBytes(16).toString('base64url');
}
