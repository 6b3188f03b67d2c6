import { randomBytes, randomInt } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { TtlStore } from '../ttl-store.js';
import { normalizeEmail } from './email-address.js';
import type { KeyedHasher } from './keyed-hasher.js';

/**
 * Six-digit codes mailed to prove control of an address. All state is in the TTL table, so the
 * code issued by one instance is checked by another:
 *
 *   otp#<purpose>#<email>         { codeId, codeHash, attempts }   the live code (one per purpose and address)
 *   otp-resend#<purpose>#<email>  { gateId }                       exists while a resend is too soon
 *   otp-hourly#<email>            { count }                        codes sent to the address in a fixed hour
 *
 * Attempts are counted with a capped atomic ADD before the code is compared, and a correct code
 * is consumed with a delete conditioned on its code id, so neither parallel guessing nor parallel
 * use of one correct code gets around the rules.
 */
export type CodePurpose = 'register' | 'login';

export type IssueResult =
  | { ok: true; code: string }
  | { ok: false; reason: 'resend_too_soon' | 'hourly_limit'; retryAfterS: number };

export type VerifyCodeResult = 'ok' | 'invalid' | 'expired' | 'too_many_attempts';

interface CodeItem extends Record<string, unknown> {
  codeId: string;
  codeHash: string;
  attempts: number;
  issuedAt: string;
}

const HOUR_S = 60 * 60;
const CODE_SPACE = 1_000_000;
const CODE_FORMAT = /^\d{6}$/;

export class OneTimeCodes {
  private readonly cache: TtlStore;
  private readonly hasher: KeyedHasher;
  private readonly settings: Config['otp'];
  private readonly clock: Clock;

  constructor(options: { cache: TtlStore; hasher: KeyedHasher; settings: Config['otp']; clock: Clock }) {
    this.cache = options.cache;
    this.hasher = options.hasher;
    this.settings = options.settings;
    this.clock = options.clock;
  }

  /** How long a code lives, for the text of the mail. */
  get ttlS(): number {
    return this.settings.ttlS;
  }

  /**
   * Issues a fresh code, replacing any earlier one for the same purpose and address. The caller
   * mails it; the code itself is never stored. Throws for an address normalizeEmail rejects.
   */
  async issue(purpose: CodePurpose, email: string): Promise<IssueResult> {
    const address = requireEmail(email);
    const resendKey = `otp-resend#${purpose}#${address}`;
    const hourlyKey = `otp-hourly#${address}`;

    // The gate is taken first and atomically: of several requests at once, one proceeds.
    const gateId = randomId();
    if (!(await this.cache.put(resendKey, { gateId }, this.settings.resendAfterS, { ifAbsent: true }))) {
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
    const item: CodeItem = {
      codeId,
      codeHash: await this.hasher.hash(hashInput(purpose, address, codeId, code)),
      attempts: 0,
      issuedAt: new Date(this.clock()).toISOString(),
    };
    await this.cache.put(codeKey(purpose, address), item, this.settings.ttlS);
    return { ok: true, code };
  }

  /**
   * 'expired' means "there is no live code": it was never issued, has expired, was already used,
   * or was replaced by a newer one. We do not tell these apart (that would need to keep dead
   * codes around), and the remedy is the same for all of them: ask for a new code.
   * 'invalid' means a live code exists and this is not it; 'too_many_attempts' means the live
   * code has used up its attempts (even the right code is refused from then on).
   */
  async verify(purpose: CodePurpose, email: string, code: string): Promise<VerifyCodeResult> {
    const address = normalizeEmail(email);
    if (!address) return 'invalid';
    const key = codeKey(purpose, address);

    // Count the attempt before looking at the code: each parallel guess costs one attempt.
    const counted = await this.cache.increment<CodeItem>(key, 'attempts', { atMost: this.settings.maxAttempts });
    if (!counted) return (await this.cache.get(key)) ? 'too_many_attempts' : 'expired';

    const candidate = code.replace(/[\s-]/g, '');
    // The format check happens after counting, so malformed input costs an attempt like any wrong code.
    const matches =
      CODE_FORMAT.test(candidate) && (await this.hasher.verify(hashInput(purpose, address, counted.codeId, candidate), counted.codeHash));
    if (!matches) return 'invalid';

    // Single use: of concurrent correct verifications exactly one deletes the item. The code id
    // condition keeps us from deleting a newer code issued in the meantime.
    const consumed = await this.cache.consume(key, { codeId: counted.codeId });
    return consumed ? 'ok' : 'expired';
  }

  private secondsUntil(ttl: number | undefined): number {
    const nowS = Math.floor(this.clock() / 1000);
    return Math.max(1, (ttl ?? nowS) - nowS);
  }
}

function codeKey(purpose: CodePurpose, address: string): string {
  return `otp#${purpose}#${address}`;
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
