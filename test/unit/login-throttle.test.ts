/**
 * LoginThrottle's counting and locking over the in-memory TTL store (contract-tested against
 * DynamoDB), with a driven clock. The password sign-in on top of it, and the same rules on
 * DynamoDB Local, are in test/integration/login-throttle-password-login.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Config } from '../../lib/config.js';
import { LoginThrottle, type LoginAttempt } from '../../lib/auth/login-throttle.js';
import { InMemoryTtlStore } from '../support/in-memory-ttl-store.js';

const SETTINGS: Config['bruteForce'] = { maxFailuresPerAccount: 5, maxFailuresPerIp: 50, windowS: 900, lockoutS: 900 };
const EMAIL = 'ada@example.com';
const IP = '198.51.100.7';

function setup() {
  let now = Date.UTC(2030, 0, 1);
  const clock = () => now;
  const throttle = new LoginThrottle({ cache: new InMemoryTtlStore(clock), settings: SETTINGS, clock });
  const advance = (seconds: number) => {
    now += seconds * 1000;
  };
  /** One attempt that turns out wrong; returns whether it was allowed to be checked. */
  const fail = async (email = EMAIL, ip = IP) => {
    const started = await throttle.begin(email, ip);
    if (started.locked) return false;
    await throttle.failed(started.attempt);
    return true;
  };
  const succeed = async (email = EMAIL, ip = IP) => {
    const started = await throttle.begin(email, ip);
    assert.equal(started.locked, false);
    await throttle.succeeded((started as { attempt: LoginAttempt }).attempt);
  };
  return { throttle, advance, fail, succeed };
}

describe('LoginThrottle', () => {
  it('locks an account after 5 failures from anywhere, for lockoutS, whatever the spelling', async () => {
    const { throttle, advance, fail } = setup();
    for (let i = 0; i < 5; i++) assert.equal(await fail(EMAIL, `203.0.113.${i}`), true, `attempt ${i + 1}`);
    advance(10);
    assert.deepEqual(await throttle.check(' ADA@example.com', '192.0.2.1'), { locked: true, retryAfterS: 890 });
    assert.deepEqual(await throttle.begin(EMAIL, '192.0.2.2'), { locked: true, retryAfterS: 890 });
    advance(890);
    assert.deepEqual(await throttle.check(EMAIL, '192.0.2.1'), { locked: false });
  });

  it('checks no more than the limit of a burst of parallel attempts', async () => {
    const { throttle } = setup();
    const started = await Promise.all(Array.from({ length: 20 }, () => throttle.begin(EMAIL, IP)));
    const allowed = started.filter((s) => !s.locked);
    assert.equal(allowed.length, SETTINGS.maxFailuresPerAccount);
    await Promise.all(allowed.map((s) => throttle.failed((s as { attempt: LoginAttempt }).attempt)));
    assert.equal((await throttle.check(EMAIL, '192.0.2.1')).locked, true);
  });

  it('clears the account count on success, so failures around it do not add up', async () => {
    const { throttle, fail, succeed } = setup();
    for (let i = 0; i < 4; i++) await fail();
    await succeed();
    for (let i = 0; i < 4; i++) await fail();
    assert.deepEqual(await throttle.check(EMAIL, IP), { locked: false });
  });

  it('does not count successes against the source IP', async () => {
    const { throttle, succeed } = setup();
    for (let i = 0; i < SETTINGS.maxFailuresPerIp + 5; i++) await succeed(`user${i}@example.com`, IP);
    assert.deepEqual(await throttle.check('someone@example.com', IP), { locked: false });
  });

  it('does not count abandoned attempts (a dependency failed before the password was checked)', async () => {
    const { throttle, fail } = setup();
    for (let i = 0; i < 10; i++) {
      const started = await throttle.begin(EMAIL, IP);
      assert.equal(started.locked, false);
      await throttle.abandoned((started as { attempt: LoginAttempt }).attempt);
    }
    for (let i = 0; i < 4; i++) await fail();
    assert.deepEqual(await throttle.check(EMAIL, IP), { locked: false });
  });

  it('counts failures in a fixed window: failures spread beyond it do not lock', async () => {
    const { throttle, advance, fail } = setup();
    for (let i = 0; i < 4; i++) await fail();
    advance(SETTINGS.windowS);
    for (let i = 0; i < 4; i++) await fail();
    assert.deepEqual(await throttle.check(EMAIL, IP), { locked: false });
  });

  it('locks a source IP after 50 failures across accounts, and only that IP', async () => {
    const { throttle, fail } = setup();
    for (let i = 0; i < SETTINGS.maxFailuresPerIp; i++) assert.equal(await fail(`victim${i}@example.com`, IP), true);
    assert.deepEqual(await throttle.check('fresh@example.com', IP), { locked: true, retryAfterS: SETTINGS.lockoutS });
    assert.deepEqual(await throttle.check('fresh@example.com', '192.0.2.1'), { locked: false });
  });

  it('counts input that is no address against the IP only', async () => {
    const { throttle, fail } = setup();
    for (let i = 0; i < SETTINGS.maxFailuresPerIp; i++) await fail('not an address', IP);
    assert.equal((await throttle.check('not an address', '192.0.2.1')).locked, false, 'no account to lock');
    assert.equal((await throttle.check('someone@example.com', IP)).locked, true);
  });
});
