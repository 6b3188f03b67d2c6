/**
 * The mail budget where mail is sent: registration (start, resend) and code sign-in (start)
 * over in-memory stores with a recording mailer. Past a source's budget nothing is mailed,
 * nothing is issued, and the answer is the same whether or not the address has an account.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { loadConfigSections, type Config } from '../../lib/config.js';
import { CodeSignIn } from '../../lib/auth/code-sign-in.js';
import { HmacKeyedHasher } from '../../lib/auth/keyed-hasher.js';
import { LoginThrottle } from '../../lib/auth/login-throttle.js';
import { MailBudget } from '../../lib/auth/mail-budget.js';
import type { MailMessage } from '../../lib/auth/mailer.js';
import { OneTimeCodes } from '../../lib/auth/one-time-codes.js';
import { PasswordHasher } from '../../lib/auth/password-hasher.js';
import { Registration } from '../../lib/auth/registration.js';
import { DependencyUnavailableError } from '../../lib/errors.js';
import { InMemoryTtlStore } from '../support/in-memory-ttl-store.js';
import { InMemoryUserStore } from '../support/in-memory-user-store.js';
import { TEST_PASSWORD_SETTINGS } from '../support/password-hashing.js';

const { otp: OTP, bruteForce: GUESS_BUDGETS } = loadConfigSections(['accounts'], {});
const BUDGET: Config['mailBudget'] = { perSourcePerHour: 10, perSourcePerDay: 30, perMinute: 600, shards: 10, circuitCooldownS: 120 };
const ATTACKER = '198.51.100.7';
const OTHER = '203.0.113.9';
const EXISTING = 'ada@example.com';

async function setup(budget: Partial<Config['mailBudget']> = {}) {
  let now = Date.UTC(2030, 0, 1);
  const clock = () => now;
  const cache = new InMemoryTtlStore(clock);
  const users = new InMemoryUserStore(clock);
  await users.create({ email: EXISTING, name: 'Ada', passwordHash: 'x', emailVerified: true });
  const throttle = new LoginThrottle({ cache, settings: GUESS_BUDGETS, clock, kind: 'code' });
  const codes = new OneTimeCodes({ cache, hasher: new HmacKeyedHasher(randomBytes(32)), settings: OTP, clock, throttle });
  const sent: MailMessage[] = [];
  const mailer = { send: async (message: MailMessage) => void sent.push(message) };
  const mailBudget = new MailBudget({ cache, settings: { ...BUDGET, ...budget }, clock, onCircuitOpen: () => {} });
  const registration = new Registration({ cache, codes, users, mailer, mailBudget, hasher: new PasswordHasher(TEST_PASSWORD_SETTINGS), settings: { ttlS: 1800 }, clock });
  const codeSignIn = new CodeSignIn({ codes, users, mailer, mailBudget });
  const advance = (seconds: number) => {
    now += seconds * 1000;
  };
  return { cache, registration, codeSignIn, sent, advance };
}

const address = (i: number) => `new-${i}@example.com`;

describe('mail budget in registration and code sign-in', () => {
  it('mails 10 new addresses from one source, then refuses the next 5 without mailing or issuing anything', async () => {
    const { registration, sent, cache } = await setup();
    for (let i = 0; i < 10; i++) assert.equal((await registration.start(address(i), ATTACKER)).ok, true);
    assert.equal(sent.length, 10);
    for (let i = 10; i < 15; i++) {
      assert.deepEqual(await registration.start(address(i), ATTACKER), { ok: false, reason: 'source_limit', retryAfterS: 3600 });
      assert.equal(await cache.get(`otp-hourly#${address(i)}`), undefined, 'the address keeps its own throttles');
    }
    assert.equal(sent.length, 10, 'no mail past the budget');
    assert.equal((await registration.start(address(15), OTHER)).ok, true, 'another source still can');
    assert.equal(sent.length, 11);
  });

  it('answers the same past the budget whether or not the address has an account', async () => {
    const { registration, codeSignIn, sent } = await setup({ perSourcePerHour: 1 });
    assert.equal((await registration.start(address(0), ATTACKER)).ok, true);
    const [forExisting, forNew] = [await registration.start(EXISTING, ATTACKER), await registration.start(address(1), ATTACKER)];
    assert.deepEqual(forExisting, forNew);
    const [codeForExisting, codeForNew] = [await codeSignIn.start(EXISTING, ATTACKER), await codeSignIn.start(address(1), ATTACKER)];
    assert.deepEqual({ ...codeForExisting, email: '' }, { ...codeForNew, email: '' });
    assert.deepEqual(codeForNew, { ok: false, reason: 'source_limit', email: address(1), retryAfterS: 3600 });
    assert.equal(sent.length, 1);
  });

  it('shares one budget between registration, resends and code sign-in', async () => {
    const { registration, codeSignIn, sent, advance } = await setup({ perSourcePerHour: 3 });
    const started = await registration.start(address(0), ATTACKER);
    assert.ok(started.ok);
    advance(OTP.resendAfterS);
    assert.deepEqual(await registration.resend(started.flowId, ATTACKER), { ok: true, flowId: started.flowId });
    assert.equal((await codeSignIn.start(EXISTING, ATTACKER)).ok, true);
    assert.equal(sent.length, 3);
    advance(OTP.resendAfterS);
    assert.deepEqual(await registration.resend(started.flowId, ATTACKER), { ok: false, reason: 'source_limit', retryAfterS: 3600 - 2 * OTP.resendAfterS });
    assert.equal((await codeSignIn.start(address(1), ATTACKER)).ok, false);
    assert.equal(sent.length, 3);
  });

  it('does not charge the source for a mail the address throttles held back', async () => {
    const { registration, codeSignIn, sent } = await setup({ perSourcePerHour: 2 });
    assert.equal((await registration.start(address(0), ATTACKER)).ok, true);
    for (let i = 0; i < 5; i++) {
      const again = await registration.start(address(0), ATTACKER);
      assert.ok(again.ok && again.resendAfterS !== undefined, 'the resend gate answers, no mail');
    }
    assert.equal(sent.length, 1);
    assert.equal((await codeSignIn.start(EXISTING, ATTACKER)).ok, true, 'the held-back mails left the budget whole');
    assert.equal(sent.length, 2);
    assert.deepEqual(await registration.start(address(1), ATTACKER), { ok: false, reason: 'source_limit', retryAfterS: 3600 });
  });

  it('refuses with a mail outage (503) while the global breaker is open, for every source', async () => {
    const { registration, codeSignIn, sent } = await setup({ perMinute: 3, shards: 3 });
    for (let i = 0; i < 3; i++) assert.equal((await registration.start(address(i), `192.0.2.${i}`)).ok, true);
    const outage = (error: unknown) => error instanceof DependencyUnavailableError && error.dependency === 'mail' && error.retryAfterSeconds === 120;
    await assert.rejects(registration.start(address(3), OTHER), outage);
    await assert.rejects(codeSignIn.start(EXISTING, ATTACKER), outage);
    assert.equal(sent.length, 3);
  });
});
