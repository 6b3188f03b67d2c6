/**
 * LoginThrottle's budgets over the in-memory TTL store (contract-tested against DynamoDB), with
 * a driven clock and simulated sources. The password sign-in on top of it, and the same rules on
 * DynamoDB Local, are in test/integration/login-throttle-password-login.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attemptsPerRollingDay, loadConfigSections, type SecretKind } from '../../lib/config.js';
import { LoginThrottle } from '../../lib/auth/login-throttle.js';
import type { AttemptOrigin, KnownDevice } from '../../lib/auth/attempt-scopes.js';
import { InMemoryTtlStore } from '../support/in-memory-ttl-store.js';

const SETTINGS = loadConfigSections(['accounts'], {}).bruteForce;
const EMAIL = 'ada@example.com';
const OWNER_IP = '198.51.100.7';
const DEVICE: KnownDevice = { account: EMAIL, deviceId: 'owner-laptop' };
const DAY_S = 24 * 60 * 60;

function setup(kind: SecretKind = 'password') {
  let now = Date.UTC(2030, 0, 1);
  const clock = () => now;
  const store = new InMemoryTtlStore(clock);
  const throttle = new LoginThrottle({ cache: store, settings: SETTINGS, clock, kind });
  const advance = (seconds: number) => {
    now += seconds * 1000;
  };
  /** One wrong guess; whether it was allowed to be checked. */
  const fail = async (origin: AttemptOrigin, email = EMAIL) => (await throttle.begin(email, origin)).allowed;
  /** One right guess: allowed, then given back. */
  const succeed = async (origin: AttemptOrigin, email = EMAIL) => {
    const started = await throttle.begin(email, origin);
    if (started.allowed) await throttle.giveBack(started.attempt);
    return started;
  };
  return { store, throttle, advance, fail, succeed, nowS: () => Math.floor(now / 1000) };
}

/** A fresh IPv4 source per call: the attacker's botnet. */
let botnet = 0;
const botIp = () => `203.0.${(++botnet >> 8) & 255}.${botnet & 255}`;

describe('LoginThrottle', () => {
  it('uses the documented budgets: per account at most 49 unknown-source guesses a day per kind, 98 across passwords and codes', () => {
    assert.deepEqual(SETTINGS.perAccount, { max: 7, windowS: 4 * 60 * 60 });
    assert.deepEqual(SETTINGS.perAccountAndSource, { max: 5, windowS: 15 * 60 });
    assert.deepEqual(SETTINGS.perSource, { max: 50, windowS: 15 * 60 });
    assert.deepEqual(SETTINGS.perDevice, { max: 10, windowS: DAY_S });
    assert.equal(attemptsPerRollingDay(SETTINGS.perAccount), 49);
    assert.ok(2 * attemptsPerRollingDay(SETTINGS.perAccount) <= 100);
  });

  it('lets no attacker with many sources keep the owner out of a browser holding the device cookie', async () => {
    const { fail, succeed } = setup();
    for (let i = 0; i < 200; i++) await fail({ ip: botIp() });
    assert.equal(await fail({ ip: botIp() }), false, 'the account budget for unknown sources is spent');
    const owner = await succeed({ ip: OWNER_IP, device: DEVICE });
    assert.equal(owner.allowed, true, JSON.stringify(owner));
    // Even from a source the attacker also used.
    assert.equal((await succeed({ ip: '203.0.0.1', device: DEVICE })).allowed, true);
  });

  it('slows rather than locks: an unknown source is told when the next guess is allowed, and it is', async () => {
    const { throttle, fail, advance } = setup();
    for (let i = 0; i < SETTINGS.perAccount.max; i++) assert.equal(await fail({ ip: botIp() }), true, `guess ${i + 1}`);
    advance(600);
    const refused = await throttle.begin(EMAIL, { ip: OWNER_IP });
    assert.deepEqual(refused, { allowed: false, retryAfterS: SETTINGS.perAccount.windowS - 600 });
    advance(SETTINGS.perAccount.windowS - 600);
    assert.equal((await throttle.begin(EMAIL, { ip: OWNER_IP })).allowed, true);
  });

  it('slows one failing source against an account without slowing the owner from another source', async () => {
    const { throttle, fail, succeed } = setup();
    const attacker = '192.0.2.66';
    for (let i = 0; i < SETTINGS.perAccountAndSource.max; i++) assert.equal(await fail({ ip: attacker }), true);
    const refused = await throttle.begin(EMAIL, { ip: attacker });
    assert.deepEqual(refused, { allowed: false, retryAfterS: SETTINGS.perAccountAndSource.windowS });
    assert.equal((await succeed({ ip: OWNER_IP })).allowed, true, 'a clean source is not slowed by failures elsewhere');
  });

  it('counts the IPv6 addresses of one /64 as one source', async () => {
    const { fail, succeed } = setup();
    for (let i = 1; i <= SETTINGS.perAccountAndSource.max; i++) assert.equal(await fail({ ip: `2001:db8:aa:1::${i.toString(16)}` }), true);
    assert.equal(await fail({ ip: '2001:db8:aa:1:ffff::99' }), false, 'a new address in the same /64');
    assert.equal((await succeed({ ip: '2001:db8:aa:2::1' })).allowed, true, 'the next /64 is another source');
  });

  it('caps a source across accounts (credential stuffing), and only that source', async () => {
    const { fail } = setup();
    const stuffer = '192.0.2.77';
    for (let i = 0; i < SETTINGS.perSource.max; i++) assert.equal(await fail({ ip: stuffer }, `victim${i}@example.com`), true);
    assert.equal(await fail({ ip: stuffer }, 'fresh@example.com'), false);
    assert.equal(await fail({ ip: '192.0.2.78' }, 'fresh@example.com'), true);
  });

  for (const kind of ['password', 'code'] as const) {
    it(`holds the ${kind} budget through two days: never more than 49 unknown-source guesses in any 24 hours`, async () => {
      const { fail, advance, nowS } = setup(kind);
      const allowed: number[] = [];
      // A guess a minute, each from a fresh source, for two days.
      for (let minute = 0; minute < 2 * 24 * 60; minute++) {
        if (await fail({ ip: botIp() })) allowed.push(nowS());
        advance(60);
      }
      const budget = attemptsPerRollingDay(SETTINGS.perAccount);
      let most = 0;
      for (const [i, start] of allowed.entries()) most = Math.max(most, allowed.slice(i).filter((t) => t < start + DAY_S).length);
      assert.ok(most <= budget, `${most} guesses in 24 hours`);
      assert.ok(allowed.length >= 2 * 6 * SETTINGS.perAccount.max, `the budget refills: ${allowed.length} in two days`);
    });
  }

  it('checks no more than the budget of 20 guesses at once, from one source or from twenty', async () => {
    const { throttle } = setup();
    const oneSource = await Promise.all(Array.from({ length: 20 }, () => throttle.begin(EMAIL, { ip: '192.0.2.10' })));
    assert.equal(oneSource.filter((s) => s.allowed).length, SETTINGS.perAccountAndSource.max);
    const manySources = await Promise.all(Array.from({ length: 20 }, () => throttle.begin(EMAIL, { ip: botIp() })));
    assert.equal(manySources.filter((s) => s.allowed).length, SETTINGS.perAccount.max - SETTINGS.perAccountAndSource.max);
    const device = await Promise.all(Array.from({ length: 20 }, () => throttle.begin(EMAIL, { ip: botIp(), device: DEVICE })));
    assert.equal(device.filter((s) => s.allowed).length, SETTINGS.perDevice.max);
  });

  it('gives back the place of a right guess: the owner signing in costs no budget', async () => {
    const { fail, succeed } = setup();
    for (let i = 0; i < 20; i++) assert.equal((await succeed({ ip: OWNER_IP })).allowed, true);
    for (let i = 0; i < SETTINGS.perAccountAndSource.max; i++) assert.equal(await fail({ ip: OWNER_IP }), true);
    assert.equal(await fail({ ip: OWNER_IP }), false);
  });

  it('keeps a device to its own small budget, and ignores a device cookie of another account', async () => {
    const { throttle, fail } = setup();
    for (let i = 0; i < SETTINGS.perDevice.max; i++) assert.equal(await fail({ ip: OWNER_IP, device: DEVICE }), true);
    assert.deepEqual(await throttle.begin(EMAIL, { ip: OWNER_IP, device: DEVICE }), { allowed: false, retryAfterS: SETTINGS.perDevice.windowS });
    assert.equal(await fail({ ip: OWNER_IP }), true, 'the device budget is apart from the others');
    const elsewhere: KnownDevice = { account: 'eve@example.com', deviceId: 'eve' };
    for (let i = 0; i < SETTINGS.perAccountAndSource.max - 1; i++) await fail({ ip: OWNER_IP, device: elsewhere });
    assert.equal(await fail({ ip: OWNER_IP, device: elsewhere }), false, 'counted as this source against this account');
  });

  it('keeps the kinds apart: a spent password budget leaves the code budget whole', async () => {
    const { store, fail } = setup('password');
    for (let i = 0; i < 50; i++) await fail({ ip: botIp() });
    const codes = new LoginThrottle({ cache: store, settings: SETTINGS, clock: () => Date.UTC(2030, 0, 1), kind: 'code' });
    assert.equal((await codes.begin(EMAIL, { ip: OWNER_IP })).allowed, true);
  });

  it('counts input that is no address against its source only, and spellings of one address as one account', async () => {
    const { fail } = setup();
    for (let i = 0; i < SETTINGS.perSource.max; i++) await fail({ ip: '192.0.2.5' }, 'not an address');
    assert.equal(await fail({ ip: '192.0.2.5' }, EMAIL), false, 'the source is spent');
    assert.equal(await fail({ ip: '192.0.2.6' }, 'not an address'), true, 'there is no account to spend');
    for (let i = 0; i < SETTINGS.perAccountAndSource.max; i++) await fail({ ip: '192.0.2.7' }, ` ${EMAIL.toUpperCase()}`);
    assert.equal(await fail({ ip: '192.0.2.7' }, EMAIL), false);
  });
});
