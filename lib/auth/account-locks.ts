/**
 * The operators' view of an account's lockout (`npm run users -- show | unlock`): the account's
 * budget of failed guesses across every source, one per kind of secret (lib/auth/login-throttle.ts).
 * That budget is what refuses an account from everywhere once full; the narrower budgets (one
 * source against the account, one device) only slow the source or device that spent them, and
 * they end with their window.
 */
import type { Clock } from '../clock.js';
import { SECRET_KINDS, type BruteForceSettings, type SecretKind } from '../config.js';
import type { TtlStore } from '../ttl-store.js';
import { accountScope } from './attempt-scopes.js';
import { normalizeEmail } from './email-address.js';
import { counterKey } from './login-throttle.js';

export interface AccountLock {
  kind: SecretKind;
  failures: number;
  max: number;
  /** The budget is spent: every attempt of this kind is refused until `untilS` (epoch seconds). */
  locked: boolean;
  untilS: number;
}

export class AccountLocks {
  constructor(private readonly deps: { cache: Pick<TtlStore, 'getMany' | 'delete'>; settings: BruteForceSettings; clock: Clock }) {}

  /** The budgets that hold failures now (one read for every kind). */
  async stateOf(email: string): Promise<AccountLock[]> {
    const keys = this.keysOf(email);
    const items = await this.deps.cache.getMany<{ count?: number }>(keys.map(({ key }) => key));
    return keys.flatMap(({ kind, max }, i) => {
      const item = items[i];
      const failures = typeof item?.count === 'number' ? item.count : 0;
      return item === undefined || failures <= 0 ? [] : [{ kind, failures, max, locked: failures >= max, untilS: item.ttl }];
    });
  }

  /** Clears the account's budgets of every kind: its owner can try again at once, from anywhere. */
  async unlock(email: string): Promise<void> {
    await Promise.all(this.keysOf(email).map(({ key }) => this.deps.cache.delete(key)));
  }

  private keysOf(email: string): { kind: SecretKind; key: string; max: number }[] {
    const account = normalizeEmail(email);
    if (account === undefined) return [];
    return SECRET_KINDS.map((kind) => {
      const scope = accountScope(kind, this.deps.settings, account);
      return { kind, key: counterKey(scope), max: scope.limit.max };
    });
  }
}
