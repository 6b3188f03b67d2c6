/**
 * OneTimeCodes' rules over the in-memory TTL store (contract-tested against DynamoDB), with a
 * driven clock. The same rules across instances on DynamoDB Local are in
 * test/integration/otp-codes.test.ts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Config } from '../../lib/config.js';
import { HmacKeyedHasher } from '../../lib/auth/keyed-hasher.js';
import { OneTimeCodes } from '../../lib/auth/one-time-codes.js';
import { InMemoryTtlStore } from '../support/in-memory-ttl-store.js';

const SETTINGS: Config['otp'] = { ttlS: 300, maxAttempts: 5, resendAfterS: 60, maxPerHour: 5 };
const EMAIL = 'ada@example.com';

function setup() {
  let now = Date.UTC(2030, 0, 1);
  const clock = () => now;
  const store = new InMemoryTtlStore(clock);
  const codes = new OneTimeCodes({ cache: store, hasher: new HmacKeyedHasher(randomBytes(32)), settings: SETTINGS, clock });
  const advance = (seconds: number) => {
    now += seconds * 1000;
  };
  const issue = async (purpose: 'register' | 'login' = 'register', email = EMAIL) => {
    const result = await codes.issue(purpose, email);
    assert.ok(result.ok, JSON.stringify(result));
    return result.code;
  };
  return { store, codes, advance, issue };
}

const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('OneTimeCodes', () => {
  it('issues six digits, stores only a keyed hash, and accepts the code once', async () => {
    const { store, codes, issue } = setup();
    const code = await issue();
    assert.match(code, /^\d{6}$/);
    const item = await store.get(`otp#register#${EMAIL}`);
    assert.ok(item);
    assert.ok(!JSON.stringify(item).includes(code), 'the code is not stored');
    assert.equal(await codes.verify('register', EMAIL, code), 'ok');
    assert.equal(await codes.verify('register', EMAIL, code), 'expired', 'single use');
  });

  it('keeps purposes and addresses apart, and normalizes address and input', async () => {
    const { codes, issue } = setup();
    const code = await issue();
    assert.equal(await codes.verify('login', EMAIL, code), 'expired');
    assert.equal(await codes.verify('register', `other-${EMAIL}`, code), 'expired');
    assert.equal(await codes.verify('register', ` ${EMAIL.toUpperCase()} `, `${code.slice(0, 3)}-${code.slice(3)}`), 'ok');
  });

  it('accepts a code until its lifetime is over', async () => {
    const { codes, advance, issue } = setup();
    const late = await issue('register');
    const dead = await issue('login');
    advance(SETTINGS.ttlS - 1);
    assert.equal(await codes.verify('register', EMAIL, late), 'ok');
    advance(1);
    assert.equal(await codes.verify('login', EMAIL, dead), 'expired');
  });

  it('counts malformed input as an attempt, and refuses even the right code after 5', async () => {
    const { codes, issue } = setup();
    const code = await issue();
    for (const guess of ['', 'abcdef', '1234567', '12345', wrong(code)]) assert.equal(await codes.verify('register', EMAIL, guess), 'invalid');
    assert.equal(await codes.verify('register', EMAIL, code), 'too_many_attempts');
  });

  it('accepts the right code on the 5th attempt', async () => {
    const { codes, issue } = setup();
    const code = await issue();
    for (let i = 0; i < 4; i++) assert.equal(await codes.verify('register', EMAIL, wrong(code)), 'invalid');
    assert.equal(await codes.verify('register', EMAIL, code), 'ok');
  });

  it('counts parallel guesses: of 12 concurrent wrong guesses only 5 are checked', async () => {
    const { codes, issue } = setup();
    const code = await issue();
    const results = await Promise.all(Array.from({ length: 12 }, () => codes.verify('register', EMAIL, wrong(code))));
    assert.equal(results.filter((r) => r === 'invalid').length, 5);
    assert.equal(results.filter((r) => r === 'too_many_attempts').length, 7);
    assert.equal(await codes.verify('register', EMAIL, code), 'too_many_attempts');
  });

  it('gives exactly one of 20 concurrent verifications of the right code "ok"', async () => {
    const { codes, issue } = setup();
    const code = await issue();
    const results = await Promise.all(Array.from({ length: 20 }, () => codes.verify('register', EMAIL, code)));
    assert.equal(results.filter((r) => r === 'ok').length, 1, results.join(','));
  });

  it('throttles resends, and the new code replaces the old with fresh attempts', async () => {
    const { codes, advance, issue } = setup();
    const first = await issue();
    for (let i = 0; i < 5; i++) await codes.verify('register', EMAIL, wrong(first));
    advance(45);
    assert.deepEqual(await codes.issue('register', EMAIL), { ok: false, reason: 'resend_too_soon', retryAfterS: 15 });
    advance(15);
    const second = await issue();
    if (second !== first) assert.equal(await codes.verify('register', EMAIL, first), 'invalid', 'the old code no longer works');
    assert.equal(await codes.verify('register', EMAIL, second), 'ok');
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
    assert.equal(await codes.verify('register', 'nope', '123456'), 'invalid');
  });
});
