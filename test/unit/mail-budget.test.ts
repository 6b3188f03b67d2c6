/**
 * MailBudget over the in-memory TTL store (contract-tested against DynamoDB), with a driven
 * clock: the per-source budget (an IPv4 address, or an IPv6 /64), and the global sharded
 * counter that opens a circuit breaker for a cool-down. The same rules on DynamoDB Local and
 * through the page handlers are in test/integration/mail-budget-pages.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Config } from '../../lib/config.js';
import { loadConfigSections } from '../../lib/config.js';
import { DependencyUnavailableError } from '../../lib/errors.js';
import { MailBudget, type MailCircuitOpened, type MailReservation } from '../../lib/auth/mail-budget.js';
import { InMemoryTtlStore } from '../support/in-memory-ttl-store.js';

const SETTINGS: Config['mailBudget'] = { perSourcePerHour: 10, perSourcePerDay: 30, perMinute: 600, shards: 10, circuitCooldownS: 120 };
const IP = '198.51.100.7';
const HOUR_S = 3600;

function setup(settings: Partial<Config['mailBudget']> = {}) {
  let now = Date.UTC(2030, 0, 1);
  const clock = () => now;
  const store = new InMemoryTtlStore(clock);
  const opened: MailCircuitOpened[] = [];
  const budget = new MailBudget({ cache: store, settings: { ...SETTINGS, ...settings }, clock, onCircuitOpen: (event) => opened.push(event) });
  const advance = (seconds: number) => {
    now += seconds * 1000;
  };
  /** Reserves one mail; the reservation, or the refusal's retry time. */
  const reserve = async (ip = IP): Promise<MailReservation | number> => {
    const result = await budget.reserve(ip);
    return result.ok ? result.reservation : result.retryAfterS;
  };
  const allowed = async (count: number, ip = IP) => {
    for (let i = 0; i < count; i++) assert.equal(typeof (await reserve(ip)), 'object', `mail ${i + 1} from ${ip}`);
  };
  return { store, budget, advance, reserve, allowed, opened };
}

/** The refusal a breaker that is open throws: a mail outage, 503 with Retry-After. */
function circuitOpen(retryAfterSeconds: number) {
  return (error: unknown) => {
    assert.ok(error instanceof DependencyUnavailableError, String(error));
    assert.equal(error.dependency, 'mail');
    assert.equal(error.retryAfterSeconds, retryAfterSeconds);
    return true;
  };
}

describe('MailBudget: per source', () => {
  it('allows 10 mails per source per hour, then refuses until the hour is over', async () => {
    const { allowed, reserve, advance } = setup();
    await allowed(10);
    advance(600);
    assert.equal(await reserve(), HOUR_S - 600, 'retry when the hour that started with the first mail ends');
    await allowed(10, '198.51.100.8');
    advance(HOUR_S - 600);
    await allowed(10);
  });

  it('allows 30 per day, whatever the hours', async () => {
    const { allowed, reserve, advance } = setup();
    for (let hour = 0; hour < 3; hour++) {
      await allowed(10);
      advance(HOUR_S);
    }
    assert.equal(await reserve(), 24 * HOUR_S - 3 * HOUR_S);
    advance(21 * HOUR_S);
    await allowed(10);
  });

  it('counts an IPv6 /64 as one source, and an IPv4-mapped address as its IPv4 address', async () => {
    const { allowed, reserve } = setup();
    for (let i = 0; i < 10; i++) assert.equal(typeof (await reserve(`2001:db8:1:2::${(i + 1).toString(16)}`)), 'object');
    assert.equal(typeof (await reserve('2001:db8:1:2:ffff:ffff:ffff:ffff')), 'number', 'another address of the same /64');
    await allowed(10, '2001:db8:1:3::1');
    await allowed(10);
    assert.equal(typeof (await reserve('::ffff:198.51.100.7')), 'number');
  });

  it('refuses all but 10 of a burst of parallel requests from one source', async () => {
    const { budget } = setup();
    const results = await Promise.all(Array.from({ length: 25 }, () => budget.reserve(IP)));
    assert.equal(results.filter((r) => r.ok).length, 10);
  });

  it('gives a released reservation back (the mail was not sent after all)', async () => {
    const { allowed, reserve, budget } = setup();
    await allowed(9);
    const last = await reserve();
    assert.equal(typeof last, 'object');
    await budget.release(last as MailReservation);
    await allowed(1);
    assert.equal(typeof (await reserve()), 'number');
  });
});

describe('MailBudget: global circuit breaker', () => {
  const SMALL = { perMinute: 20, shards: 4, perSourcePerHour: 100, perSourcePerDay: 100 };
  const source = (i: number) => `203.0.113.${i}`;

  it('trips exactly at the per-minute cap, whatever shards the requests land on', async () => {
    const { reserve, store, opened } = setup(SMALL);
    for (let i = 0; i < 20; i++) assert.equal(typeof (await reserve(source(i))), 'object', `mail ${i + 1}`);
    const counts = await Promise.all([0, 1, 2, 3].map(async (shard) => (await store.get<{ count: number }>(`mail-global#${shard}`))?.count));
    assert.deepEqual(counts, [5, 5, 5, 5], 'each shard holds its share of the cap, no more');
    assert.equal(opened.length, 0);
    await assert.rejects(reserve(source(20)), circuitOpen(120));
    assert.equal(opened.length, 1);
  });

  it('spreads the count over the shards rather than one hot item', async () => {
    const { reserve, store } = setup({ ...SMALL, perMinute: 600, shards: 10 });
    for (let i = 0; i < 200; i++) await reserve(source(i % 250));
    const counts = await Promise.all(Array.from({ length: 10 }, async (_, shard) => (await store.get<{ count: number }>(`mail-global#${shard}`))?.count ?? 0));
    assert.equal(counts.reduce((a, b) => a + b), 200);
    assert.ok(Math.max(...counts) < 60, `no shard took most of the writes: ${counts.join(', ')}`);
  });

  it('starts every mail of one source at the same shard, so its DynamoDB calls do not depend on chance', async () => {
    const { reserve, store } = setup({ perMinute: 600, shards: 10 });
    for (let i = 0; i < 8; i++) await reserve(IP);
    const counts = await Promise.all(Array.from({ length: 10 }, async (_, shard) => (await store.get<{ count: number }>(`mail-global#${shard}`))?.count));
    assert.deepEqual(counts.filter((count) => count !== undefined), [8]);
  });

  it('refuses every source while open, reports the trip once, and charges no source for it', async () => {
    const { reserve, allowed, store, advance, opened } = setup(SMALL);
    for (let i = 0; i < 20; i++) await reserve(source(i));
    await assert.rejects(reserve(source(100)), circuitOpen(120));
    advance(30);
    await assert.rejects(reserve(source(101)), circuitOpen(90));
    await assert.rejects(reserve(IP), circuitOpen(90));
    assert.equal(opened.length, 1, 'one report per trip, not per refused mail');
    assert.deepEqual(opened[0], { openedAt: '2030-01-01T00:00:00.000Z', cooldownS: 120, perMinute: 20 });
    assert.equal((await store.get<{ count: number }>(`mail-source#hour#${IP}`))?.count, 0, 'the refused mail is not counted against the source');
    advance(90);
    await allowed(20, IP);
  });

  it('lets exactly the cap through a burst of parallel requests, and reports once', async () => {
    const { budget, opened } = setup(SMALL);
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => budget.reserve(source(i))));
    assert.equal(results.filter((r) => r.status === 'fulfilled' && r.value.ok).length, 20);
    assert.equal(results.filter((r) => r.status === 'rejected').length, 30);
    assert.equal(opened.length, 1);
  });

  it('leaves the global count alone for a source past its own budget', async () => {
    const { allowed, reserve, opened } = setup({ perMinute: 20, shards: 4 });
    await allowed(10);
    for (let i = 0; i < 50; i++) assert.equal(typeof (await reserve()), 'number');
    assert.equal(opened.length, 0, 'one source alone cannot trip the breaker');
    await allowed(10, source(1));
  });
});

describe('mail budget configuration', () => {
  const load = (env: Record<string, string>) => loadConfigSections(['mailBudget'], env).mailBudget;

  it('defaults to 10 per source per hour, 30 per day, 600 per minute over 10 shards, 120 s cool-down', () => {
    assert.deepEqual(load({}), SETTINGS);
  });

  it('reports every inconsistent setting at once', () => {
    assert.throws(
      () => load({ MAIL_MAX_PER_SOURCE_PER_HOUR: '20', MAIL_MAX_PER_SOURCE_PER_DAY: '10', MAIL_MAX_PER_MINUTE: '5', MAIL_COUNTER_SHARDS: '6', MAIL_CIRCUIT_COOLDOWN_S: '30' }),
      (error: Error) =>
        /MAIL_MAX_PER_SOURCE_PER_DAY must be at least/.test(error.message) &&
        /MAIL_COUNTER_SHARDS must be at most/.test(error.message) &&
        /MAIL_CIRCUIT_COOLDOWN_S must be at least 60/.test(error.message),
    );
  });
});
