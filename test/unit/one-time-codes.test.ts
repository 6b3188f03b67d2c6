/**
 * OneTimeCodes' rules over the in-memory TTL store (contract-tested against DynamoDB), with a
 * driven clock and simulated sources. The same rules across instances on DynamoDB Local are in
 * test/integration/otp-codes.test.ts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { loadConfigSections } from '../../lib/config.js';
import type { AttemptOrigin } from '../../lib/auth/attempt-scopes.js';
import { HmacKeyedHasher } from '../../lib/auth/keyed-hasher.js';
import { LoginThrottle } from '../../lib/auth/login-throttle.js';
import { OneTimeCodes } from '../../lib/auth/one-time-codes.js';
import { InMemoryTtlStore } from '../support/in-memory-ttl-store.js';

const { otp: SETTINGS, bruteForce: BUDGETS } = loadConfigSections(['accounts'], {});
const EMAIL = 'ada@example.com';
const OWNER: AttemptOrigin = { ip: '198.51.100.7' };
const OK = { ok: true };
const INVALID = { ok: false, reason: 'invalid' };
const EXPIRED = { ok: false, reason: 'expired' };

function setup() {
  let now = Date.UTC(2030, 0, 1);
  const clock = () => now;
  const store = new InMemoryTtlStore(clock);
  const throttleFor = (kind: 'password' | 'code') => new LoginThrottle({ cache: store, settings: BUDGETS, clock, kind });
  const codes = new OneTimeCodes({ cache: store, hasher: new HmacKeyedHasher(randomBytes(32)), settings: SETTINGS, clock, throttle: throttleFor('code') });
  const advance = (seconds: number) => {
    now += seconds * 1000;
  };
  const issue = async (purpose: 'register' | 'login' = 'register', email = EMAIL) => {
    const result = await codes.issue(purpose, email);
    assert.ok(result.ok, JSON.stringify(result));
    return result.code;
  };
  return { store, codes, advance, issue, throttleFor };
}

const wrong = (...codes: string[]) => {
  let guess = 0;
  while (codes.includes(String(guess).padStart(6, '0'))) guess++;
  return String(guess).padStart(6, '0');
};
let botnet = 0;
const bot = (): AttemptOrigin => ({ ip: `203.0.${(++botnet >> 8) & 255}.${botnet & 255}` });

describe('OneTimeCodes', () => {
  it('uses the documented defaults', () => {
    assert.deepEqual(SETTINGS, { ttlS: 300, resendAfterS: 60, maxPerHour: 5, maxLive: 3 });
  });

  it('a code whose mail could not be sent gives its resend gate back, so the retry mails a new code at once', async () => {
    const { codes } = setup();
    const outage = new Error('mail service down');
    await assert.rejects(codes.issueAndSend('login', EMAIL, async () => Promise.reject(outage)), (error) => error === outage);
    const mailed: string[] = [];
    assert.deepEqual(await codes.issueAndSend('login', EMAIL, async (code) => void mailed.push(code)), { ok: true, code: mailed[0] });
    assert.equal(mailed.length, 1);
    // A sent code keeps its gate as before.
    const again = await codes.issueAndSend('login', EMAIL, async (code) => void mailed.push(code));
    assert.equal(again.ok ? 'sent' : again.reason, 'resend_too_soon');
  });

  it('issues six digits, stores only a keyed hash, and accepts the code once', async () => {
    const { store, codes, issue } = setup();
    const code = await issue();
    assert.match(code, /^\d{6}$/);
    const item = await store.get(`otp#register#${EMAIL}`);
    assert.ok(item);
    assert.ok(!JSON.stringify(item).includes(code), 'the code is not stored');
    assert.deepEqual(await codes.verify('register', EMAIL, code, OWNER), OK);
    assert.deepEqual(await codes.verify('register', EMAIL, code, OWNER), EXPIRED, 'single use');
  });

  it('keeps purposes and addresses apart, and normalizes address and input', async () => {
    const { codes, issue } = setup();
    const code = await issue();
    assert.deepEqual(await codes.verify('login', EMAIL, code, OWNER), EXPIRED);
    assert.deepEqual(await codes.verify('register', `other-${EMAIL}`, code, OWNER), EXPIRED);
    assert.deepEqual(await codes.verify('register', ` ${EMAIL.toUpperCase()} `, `${code.slice(0, 3)}-${code.slice(3)}`, OWNER), OK);
  });

  it('accepts a code until its lifetime is over', async () => {
    const { codes, advance, issue } = setup();
    const late = await issue('register');
    const dead = await issue('login');
    advance(SETTINGS.ttlS - 1);
    assert.deepEqual(await codes.verify('register', EMAIL, late, OWNER), OK);
    advance(1);
    assert.deepEqual(await codes.verify('login', EMAIL, dead, OWNER), EXPIRED);
  });

  it("keeps the owner's code working while someone else requests codes for the address, up to 3 live codes", async () => {
    const { codes, advance, issue } = setup();
    const owners = await issue('login');
    advance(SETTINGS.resendAfterS);
    const attackers = [await issue('login')];
    advance(SETTINGS.resendAfterS);
    attackers.push(await issue('login'));
    assert.deepEqual(await codes.verify('login', EMAIL, owners, OWNER), OK, 'the third live code did not retire the first');

    advance(60 * 60); // past the hourly limit of codes per address
    const second = await issue('register');
    for (let i = 0; i < 3; i++) {
      advance(SETTINGS.resendAfterS);
      attackers.push(await issue('register'));
    }
    assert.deepEqual(await codes.verify('register', EMAIL, second, OWNER), INVALID, 'a fourth code retired the oldest');
    assert.deepEqual(await codes.verify('register', EMAIL, attackers.at(-3)!, OWNER), OK);
  });

  it('counts guesses across all live codes: one source gets 5, many sources 7 per account, even for the right code', async () => {
    const { codes, advance, issue } = setup();
    const live = [await issue('login')];
    for (let i = 0; i < 2; i++) {
      advance(SETTINGS.resendAfterS);
      live.push(await issue('login'));
    }
    const source: AttemptOrigin = { ip: '192.0.2.9' };
    for (let i = 0; i < BUDGETS.perAccountAndSource.max; i++) assert.deepEqual(await codes.verify('login', EMAIL, wrong(...live), source), INVALID);
    const refused = await codes.verify('login', EMAIL, live[2]!, source);
    assert.equal(!refused.ok && refused.reason, 'throttled');

    for (let i = BUDGETS.perAccountAndSource.max; i < BUDGETS.perAccount.max; i++) assert.deepEqual(await codes.verify('login', EMAIL, wrong(...live), bot()), INVALID);
    const spent = await codes.verify('login', EMAIL, live[0]!, bot());
    assert.equal(!spent.ok && spent.reason, 'throttled');
    assert.ok(!spent.ok && spent.reason === 'throttled' && spent.retryAfterS > 0);
    // Malformed input is counted like any wrong code.
    const other = 'bob@example.com';
    const bobs = await issue('login', other);
    for (const junk of ['', 'abcdef', '1234567', '12345', wrong(bobs)]) assert.deepEqual(await codes.verify('login', other, junk, source), INVALID);
    const afterJunk = await codes.verify('login', other, bobs, source);
    assert.equal(!afterJunk.ok && afterJunk.reason, 'throttled');
  });

  it('checks no more than the budget of 20 wrong guesses at once, and gives one of 20 right ones "ok"', async () => {
    const { codes, issue } = setup();
    const code = await issue();
    const fromMany = await Promise.all(Array.from({ length: 20 }, () => codes.verify('register', EMAIL, wrong(code), bot())));
    assert.equal(fromMany.filter((r) => !r.ok && r.reason === 'invalid').length, BUDGETS.perAccount.max);
    assert.equal(fromMany.filter((r) => !r.ok && r.reason === 'throttled').length, 20 - BUDGETS.perAccount.max);

    const { codes: fresh, issue: issueFresh } = setup();
    const right = await issueFresh();
    const results = await Promise.all(Array.from({ length: 20 }, () => fresh.verify('register', EMAIL, right, OWNER)));
    assert.equal(results.filter((r) => r.ok).length, 1, JSON.stringify(results));
  });

  it("lets an attacker's failures from many sources not spend a device's budget", async () => {
    const { codes, issue } = setup();
    const code = await issue('login');
    for (let i = 0; i < 30; i++) await codes.verify('login', EMAIL, wrong(code), bot());
    const device: AttemptOrigin = { ip: bot().ip, device: { account: EMAIL, deviceId: 'phone' } };
    assert.deepEqual(await codes.verify('login', EMAIL, code, device), OK);
  });

  it('is not blocked by a password slowdown: the kinds have separate budgets', async () => {
    const { codes, issue, throttleFor } = setup();
    const passwords = throttleFor('password');
    for (let i = 0; i < 30; i++) await passwords.begin(EMAIL, bot());
    assert.equal((await passwords.begin(EMAIL, OWNER)).allowed, false, 'password guessing is slowed');
    const code = await issue('login');
    assert.deepEqual(await codes.verify('login', EMAIL, code, OWNER), OK);
  });

  it('counts nothing when there is no live code to guess', async () => {
    const { codes, issue } = setup();
    for (let i = 0; i < 10; i++) assert.deepEqual(await codes.verify('login', EMAIL, '123456', OWNER), EXPIRED);
    const code = await issue('login');
    assert.deepEqual(await codes.verify('login', EMAIL, code, OWNER), OK);
  });

  it('throttles resends', async () => {
    const { codes, advance, issue } = setup();
    await issue();
    advance(45);
    assert.deepEqual(await codes.issue('register', EMAIL), { ok: false, reason: 'resend_too_soon', retryAfterS: 15 });
    advance(15);
    await issue();
  });

  it('sends at most 5 codes per address per hour, across purposes, without taking the resend slot', async () => {
    const { codes, advance, issue } = setup();
    for (let i = 0; i < 5; i++) {
      await issue(i % 2 ? 'login' : 'register');
      advance(61);
    }
    assert.deepEqual(await codes.issue('register', EMAIL), { ok: false, reason: 'hourly_limit', retryAfterS: 3600 - 5 * 61 });
    assert.deepEqual(await codes.issue('register', EMAIL), { ok: false, reason: 'hourly_limit', retryAfterS: 3600 - 5 * 61 });
    advance(3600 - 5 * 61);
    await issue();
  });

  it('refuses to issue for an invalid address', async () => {
    const { codes } = setup();
    await assert.rejects(codes.issue('register', 'nope'), TypeError);
    assert.deepEqual(await codes.verify('register', 'nope', '123456', OWNER), INVALID);
  });
});
