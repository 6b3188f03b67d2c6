import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { TtlCache } from '../store/ttl-cache.js';
import { normalizeEmail } from './email-address.js';

/**
 * Brute-force protection for password sign-in, shared by every instance through the TTL table:
 *
 *   login-failures#account#<email> / login-failures#ip#<ip>   { count }  failures in a fixed window
 *   login-lock#account#<email>     / login-lock#ip#<ip>       { lockedAt } present while locked
 *
 * When a counter reaches its maximum within `windowS`, a lock item is written for `lockoutS`
 * and the counter restarts. Accounts are keyed by normalized address whether or not they exist,
 * so a lock (or its absence) reveals nothing about registration. The per-account lock lets an
 * attacker lock a victim out for `lockoutS`; that is the accepted price of stopping online
 * guessing, and the per-IP limit is much higher than the per-account one (NAT, offices).
 */
export type ThrottleDecision = { locked: false } | { locked: true; retryAfterS: number };

export class LoginThrottle {
  private readonly cache: TtlCache;
  private readonly settings: Config['bruteForce'];
  private readonly clock: Clock;

  constructor(options: { cache: TtlCache; settings: Config['bruteForce']; clock: Clock }) {
    this.cache = options.cache;
    this.settings = options.settings;
    this.clock = options.clock;
  }

  async check(email: string, ip: string): Promise<ThrottleDecision> {
    const scopes = this.scopes(email, ip);
    const locks = await Promise.all(scopes.map((scope) => this.cache.get(lockKey(scope.name))));
    const nowS = Math.floor(this.clock() / 1000);
    const remaining = locks.flatMap((lock) => (lock ? [lock.ttl - nowS] : []));
    if (remaining.length === 0) return { locked: false };
    return { locked: true, retryAfterS: Math.max(1, ...remaining) };
  }

  async recordFailure(email: string, ip: string): Promise<void> {
    await Promise.all(this.scopes(email, ip).map((scope) => this.countFailure(scope.name, scope.max)));
  }

  /** Clears the account's failures. The IP's stay: one good password must not reset an attacker's budget. */
  async recordSuccess(email: string): Promise<void> {
    const account = normalizeEmail(email);
    if (account) await this.cache.delete(failuresKey(accountScope(account)));
  }

  private async countFailure(scope: string, max: number): Promise<void> {
    const counter = await this.cache.increment<{ count: number }>(failuresKey(scope), 'count', { createTtlS: this.settings.windowS });
    if (!counter || counter.count < max) return;
    // ifAbsent: failures that slip in while locked (races) do not extend the lock.
    await this.cache.put(lockKey(scope), { lockedAt: new Date(this.clock()).toISOString() }, this.settings.lockoutS, { ifAbsent: true });
    await this.cache.delete(failuresKey(scope));
  }

  private scopes(email: string, ip: string): Array<{ name: string; max: number }> {
    const scopes: Array<{ name: string; max: number }> = [];
    const account = normalizeEmail(email);
    // Input that is not an address cannot name an account; it still counts against the IP.
    if (account) scopes.push({ name: accountScope(account), max: this.settings.maxFailuresPerAccount });
    const source = ip.trim().toLowerCase();
    if (source) scopes.push({ name: `ip#${source}`, max: this.settings.maxFailuresPerIp });
    return scopes;
  }
}

function accountScope(account: string): string {
  return `account#${account}`;
}

function failuresKey(scope: string): string {
  return `login-failures#${scope}`;
}

function lockKey(scope: string): string {
  return `login-lock#${scope}`;
}
