import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { DependencyUnavailableError } from '../errors.js';
import { sourceKey } from '../http/source-address.js';
import type { TtlStore } from '../ttl-store.js';

/**
 * How much mail may go out, checked and reserved before each mail (one-time codes and notices)
 * with capped atomic adds in the TTL table, so every instance counts against the same budget:
 *
 *   mail-source#hour#<source>   { count }   mails for a source in a fixed hour
 *   mail-source#day#<source>    { count }   ... and in a fixed day
 *   mail-global#<shard>         { count }   mails from everyone in a fixed minute, one of N shards
 *   mail-circuit#open           { openedAt } present while the breaker is open (the cool-down)
 *
 * The per-address throttles (OneTimeCodes) stop mail bombing one address; this stops one source
 * (an IPv4 address or an IPv6 /64, `sourceKey`) from mailing many addresses: past its budget it
 * gets a refusal saying when to retry (429). The budget does not depend on the address, so it
 * reveals nothing about who has an account.
 *
 * The global cap is a circuit breaker that protects the SES sending reputation and cost, not a
 * kill switch one attacker can pull: a mail counts globally only after its source's budget took
 * it, so each source adds at most its own budget (by default 10 an hour), tripping the breaker
 * (600 a minute) takes at least 60 sources spending their whole hour in the same minute, and
 * holding it open takes thousands. A flood of that size would hurt the SES reputation and bill
 * anyway; a short pause (503, an outage rather than the user's fault) is the cheaper failure.
 *
 * The global counter is sharded so that no single item takes every send's write (DynamoDB allows
 * about 1,000 writes per second per partition): each mail adds one to a shard, capped at that
 * shard's share of the cap. The shard is picked by a hash of the source, not at random: sources
 * spread evenly over the shards, and a request's DynamoDB calls (a shard not yet live this minute
 * costs a put) depend on its source, never on chance or on the address. A full shard does not trip the breaker by itself: the mail walks
 * on to the next shards, so the breaker trips when the minute's total reaches the cap rather than
 * when the fullest shard fills (unevenly spread mails fill one shard well before the total).
 * The walk costs extra writes only once shards are full, that is, just before a trip.
 */
export type MailBudgetSettings = Config['mailBudget'];

/** One mail's place in the counters; `release` gives it back when no mail was sent after all. */
export interface MailReservation {
  readonly counters: readonly string[];
}

export type MailReservationResult =
  | { ok: true; reservation: MailReservation }
  /** The source has used its budget: no mail, try again after `retryAfterS`. */
  | { ok: false; reason: 'source_limit'; retryAfterS: number };

/** What the breaker reports when it opens (lib/runtime logs it and counts `MailCircuitOpen` for an alarm). */
export interface MailCircuitOpened {
  openedAt: string;
  cooldownS: number;
  perMinute: number;
}

const MINUTE_S = 60;
const HOUR_S = 60 * MINUTE_S;
const DAY_S = 24 * HOUR_S;
const CIRCUIT_KEY = 'mail-circuit#open';

export class MailBudget {
  private readonly cache: TtlStore;
  private readonly settings: MailBudgetSettings;
  private readonly clock: Clock;
  private readonly onCircuitOpen: (opened: MailCircuitOpened) => void;

  constructor(options: {
    cache: TtlStore;
    settings: MailBudgetSettings;
    clock: Clock;
    /** Called once per trip, by the instance whose write opened the breaker. */
    onCircuitOpen: (opened: MailCircuitOpened) => void;
  }) {
    this.cache = options.cache;
    this.settings = options.settings;
    this.clock = options.clock;
    this.onCircuitOpen = options.onCircuitOpen;
  }

  /**
   * Takes one mail from the budget of the source `ip` belongs to, and from the global minute.
   * Throws DependencyUnavailableError('mail') while the breaker is open (503 + Retry-After).
   */
  async reserve(ip: string): Promise<MailReservationResult> {
    const source = sourceKey(ip);
    const windows = [
      { key: `mail-source#hour#${source}`, max: this.settings.perSourcePerHour, lengthS: HOUR_S },
      { key: `mail-source#day#${source}`, max: this.settings.perSourcePerDay, lengthS: DAY_S },
    ];
    const counted = await Promise.all(
      windows.map((window) => this.cache.increment(window.key, 'count', { atMost: window.max, createTtlS: window.lengthS })),
    );
    const held = windows.filter((_, i) => counted[i] !== undefined).map((window) => window.key);
    if (held.length < windows.length) {
      await this.uncount(held);
      const full = await Promise.all(windows.filter((_, i) => counted[i] === undefined).map((window) => this.cache.get(window.key)));
      return { ok: false, reason: 'source_limit', retryAfterS: Math.max(...full.map((item) => this.secondsUntil(item?.ttl))) };
    }

    // Only mail within its source's budget gets this far: see the class comment.
    const open = await this.cache.get(CIRCUIT_KEY);
    if (open) {
      await this.uncount(held);
      throw circuitOpen(this.secondsUntil(open.ttl));
    }
    const shard = await this.takeShard(source);
    if (shard === undefined) {
      // Not the source's fault: its count is given back.
      await this.uncount(held);
      await this.trip();
      throw circuitOpen(this.settings.circuitCooldownS);
    }
    return { ok: true, reservation: { counters: [...held, shard] } };
  }

  /** The reserved mail was not sent (a per-address throttle held it back): its counts go back. */
  async release(reservation: MailReservation): Promise<void> {
    await this.uncount(reservation.counters);
  }

  private async takeShard(source: string): Promise<string | undefined> {
    const { shards, perMinute } = this.settings;
    const first = createHash('sha256').update(source).digest().readUInt32BE(0) % shards;
    for (let step = 0; step < shards; step++) {
      const shard = (first + step) % shards;
      // The shards' caps add up to exactly perMinute.
      const cap = Math.floor(perMinute / shards) + (shard < perMinute % shards ? 1 : 0);
      const key = `mail-global#${shard}`;
      if (await this.cache.increment(key, 'count', { atMost: cap, createTtlS: MINUTE_S })) return key;
    }
    return undefined;
  }

  private async trip(): Promise<void> {
    const openedAt = new Date(this.clock()).toISOString();
    // ifAbsent: of the instances that find the minute full at once, one opens and reports.
    if (await this.cache.put(CIRCUIT_KEY, { openedAt }, this.settings.circuitCooldownS, { ifAbsent: true })) {
      this.onCircuitOpen({ openedAt, cooldownS: this.settings.circuitCooldownS, perMinute: this.settings.perMinute });
    }
  }

  private async uncount(keys: readonly string[]): Promise<void> {
    // Without createTtlS a window that has ended stays ended.
    await Promise.all(keys.map((key) => this.cache.increment(key, 'count', { by: -1 })));
  }

  private secondsUntil(ttl: number | undefined): number {
    const nowS = Math.floor(this.clock() / 1000);
    return Math.max(1, (ttl ?? nowS) - nowS);
  }
}

function circuitOpen(retryAfterSeconds: number): DependencyUnavailableError {
  return new DependencyUnavailableError('mail', { retryAfterSeconds });
}
