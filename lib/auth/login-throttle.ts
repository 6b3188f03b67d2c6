import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { TtlStore } from '../ttl-store.js';
import { normalizeEmail } from './email-address.js';

/**
 * Brute-force protection for password sign-in, shared by every instance through the TTL table:
 *
 *   login-failures#account#<email> / login-failures#ip#<ip>   { count }  failures in a fixed window
 *   login-lock#account#<email>     / login-lock#ip#<ip>       { lockedAt } present while locked
 *
 * Every attempt takes its place in both counters before the password is checked (an atomic ADD
 * capped at the maximum), so a burst of parallel guesses cannot all pass the lock check before
 * the first failure is recorded: at most the maximum are ever checked per window. A failure
 * keeps its count; the attempt that fills a counter writes a lock item for `lockoutS` and the
 * counter restarts. A success gives the IP its count back (an office behind one NAT signing in
 * is not an attack) and clears the account's.
 *
 * Accounts are keyed by normalized address whether or not they exist,
 * so a lock (or its absence) reveals nothing about registration. The per-account lock lets an
 * attacker lock a victim out for `lockoutS`; that is the accepted price of stopping online
 * guessing, and the per-IP limit is much higher than the per-account one (NAT, offices).
 */
export type ThrottleDecision = { locked: false } | { locked: true; retryAfterS: number };

/** An attempt that has been counted; settle it with `failed`, `succeeded` or `abandoned`. */
export interface LoginAttempt {
  readonly scopes: readonly CountedScope[];
}

export type AttemptStart = { locked: false; attempt: LoginAttempt } | { locked: true; retryAfterS: number };

interface Scope {
  name: string;
  max: number;
  kind: 'account' | 'ip';
}

interface CountedScope extends Scope {
  /** The counter's value with this attempt in it. */
  count: number;
}

export class LoginThrottle {
  private readonly cache: TtlStore;
  private readonly settings: Config['bruteForce'];
  private readonly clock: Clock;

  constructor(options: { cache: TtlStore; settings: Config['bruteForce']; clock: Clock }) {
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

  /** Refuses while locked; otherwise counts the attempt in every scope, refusing when a counter is full. */
  async begin(email: string, ip: string): Promise<AttemptStart> {
    const decision = await this.check(email, ip);
    if (decision.locked) return decision;
    const scopes = this.scopes(email, ip);
    const counters = await Promise.all(
      scopes.map((scope) => this.cache.increment<{ count: number }>(failuresKey(scope.name), 'count', { atMost: scope.max, createTtlS: this.settings.windowS })),
    );
    const counted = scopes.flatMap((scope, i) => {
      const counter = counters[i];
      return counter ? [{ ...scope, count: counter.count }] : [];
    });
    if (counted.length === scopes.length) return { locked: false, attempt: { scopes: counted } };
    // A full counter: the attempts that filled it are still being checked, and the last of them
    // locks if it fails. Nothing is checked meanwhile; the other counters get their count back.
    await this.abandoned({ scopes: counted });
    return { locked: true, retryAfterS: this.settings.lockoutS };
  }

  /** A wrong password: the counts stay, and a counter this attempt filled becomes a lock. */
  async failed(attempt: LoginAttempt): Promise<void> {
    await Promise.all(attempt.scopes.filter((scope) => scope.count >= scope.max).map((scope) => this.lock(scope.name)));
  }

  /** Clears the account's failures and gives the IP back this attempt's count; the IP's earlier failures stay. */
  async succeeded(attempt: LoginAttempt): Promise<void> {
    await Promise.all(
      attempt.scopes.map((scope) => (scope.kind === 'account' ? this.cache.delete(failuresKey(scope.name)) : this.uncount(scope.name))),
    );
  }

  /** The attempt was never decided (a dependency failed): it must not count as a failure. */
  async abandoned(attempt: LoginAttempt): Promise<void> {
    await Promise.all(attempt.scopes.map((scope) => this.uncount(scope.name)));
  }

  private async uncount(scope: string): Promise<void> {
    // Without createTtlS a counter that is gone (window over, lock written) stays gone.
    await this.cache.increment(failuresKey(scope), 'count', { by: -1 });
  }

  private async lock(scope: string): Promise<void> {
    // ifAbsent: failures that slip in while locked (races) do not extend the lock.
    await this.cache.put(lockKey(scope), { lockedAt: new Date(this.clock()).toISOString() }, this.settings.lockoutS, { ifAbsent: true });
    await this.cache.delete(failuresKey(scope));
  }

  private scopes(email: string, ip: string): Scope[] {
    const scopes: Scope[] = [];
    const account = normalizeEmail(email);
    // Input that is not an address cannot name an account; it still counts against the IP.
    if (account) scopes.push({ name: accountScope(account), max: this.settings.maxFailuresPerAccount, kind: 'account' });
    const source = ip.trim().toLowerCase();
    if (source) scopes.push({ name: `ip#${source}`, max: this.settings.maxFailuresPerIp, kind: 'ip' });
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
