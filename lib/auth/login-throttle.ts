import type { Clock } from '../clock.js';
import type { BruteForceSettings, SecretKind } from '../config.js';
import type { TtlStore } from '../ttl-store.js';
import { attemptScopes, secondsUntilEnd, type AttemptOrigin, type AttemptScope } from './attempt-scopes.js';

/**
 * Counts guesses at one kind of secret (passwords, mailed codes) in the budgets attemptScopes
 * names, shared by every instance through the TTL table:
 *
 *   attempts#<kind>#<scope>   { count }   attempts in a fixed window, started by its first attempt
 *
 * Every attempt takes its place in each of its counters before the secret is checked (an atomic
 * ADD capped at the budget), so of a burst of parallel guesses no more than the budget are ever
 * checked. The counters are taken one after the other, narrowest first, and a refusal stops
 * there: a flood refused by its own source's budget never holds places in the account's budget
 * that someone else's attempt needs, not even for a moment. A full counter refuses at once
 * with the time its window ends (a wider budget may refuse the retry in turn): nothing is locked,
 * nobody waits inside the function, and no failure is ever recorded after the fact. A wrong
 * guess keeps its place; a success, or an attempt a failing dependency left undecided, gives its
 * place back, so signing in never costs the owner budget.
 */
export interface LoginAttempt {
  readonly scopes: readonly AttemptScope[];
}

export type AttemptStart = { allowed: true; attempt: LoginAttempt } | { allowed: false; retryAfterS: number };

export class LoginThrottle {
  private readonly cache: TtlStore;
  private readonly settings: BruteForceSettings;
  private readonly clock: Clock;
  private readonly kind: SecretKind;

  constructor(options: { cache: TtlStore; settings: BruteForceSettings; clock: Clock; kind: SecretKind }) {
    this.cache = options.cache;
    this.settings = options.settings;
    this.clock = options.clock;
    this.kind = options.kind;
  }

  /** Reserves a place for one guess in every budget it counts in, or refuses with the time to wait. */
  async begin(email: string, origin: AttemptOrigin): Promise<AttemptStart> {
    const reserved: AttemptScope[] = [];
    for (const scope of attemptScopes(this.kind, this.settings, email, origin)) {
      const counted = await this.cache.increment(counterKey(scope), 'count', { atMost: scope.limit.max, createTtlS: scope.limit.windowS });
      if (counted) {
        reserved.push(scope);
        continue;
      }
      const [window] = await Promise.all([this.cache.get(counterKey(scope)), this.giveBack({ scopes: reserved })]);
      return { allowed: false, retryAfterS: secondsUntilEnd(Math.floor(this.clock() / 1000), window?.ttl) };
    }
    return { allowed: true, attempt: { scopes: reserved } };
  }

  /** The guess was right, or was never decided: its places go back. A wrong guess is not given back. */
  async giveBack(attempt: LoginAttempt): Promise<void> {
    // Without createTtlS a counter whose window has ended stays gone.
    await Promise.all(attempt.scopes.map((scope) => this.cache.increment(counterKey(scope), 'count', { by: -1 })));
  }
}

export function counterKey(scope: AttemptScope): string {
  return `attempts#${scope.key}`;
}
