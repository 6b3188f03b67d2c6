import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { HmacKeyedHasher } from '../../lib/auth/keyed-hasher.js';
import { MailBudget } from '../../lib/auth/mail-budget.js';
import { OneTimeCodes } from '../../lib/auth/one-time-codes.js';
import { OutboxMailer } from '../../lib/store/outbox-mailer.js';
import { PasswordHasher } from '../../lib/auth/password-hasher.js';
import type { AttemptOrigin } from '../../lib/auth/attempt-scopes.js';
import { LoginThrottle } from '../../lib/auth/login-throttle.js';
import { normalizeName, Registration, type VerifyStepResult } from '../../lib/auth/registration.js';
import { TtlCache } from '../../lib/store/ttl-cache.js';
import { UserDirectory } from '../../lib/store/user-directory.js';
import { TEST_PASSWORD_SETTINGS } from '../support/password-hashing.js';
import { startTestStack, type TestStack } from '../support/stack.js';

describe('Registration on DynamoDB Local', () => {
  let stack: TestStack;
  let now = Date.now();
  const clock = () => now;
  const keyedHasher = new HmacKeyedHasher(randomBytes(32));
  const passwordHasher = new PasswordHasher(TEST_PASSWORD_SETTINGS);
  let outbox: OutboxMailer;
  let users: UserDirectory;
  let registration: Registration;
  let issuedCodes: string[];
  let n = 0;
  let email: string;
  /** Each test's browser: its own source, so budgets spent in one test stay there. */
  let origin: AttemptOrigin;
  const password = 'a long enough passphrase';
  const verdict = (result: VerifyStepResult) => (result.ok ? 'ok' : result.reason);

  /** A separate "instance": its own clients and objects, nothing shared but the tables and the clock. */
  function instance(otp: Partial<TestStack['config']['otp']> = {}) {
    const cache = new TtlCache({ client: stack.documentClient(), tableName: stack.config.tables.cache, clock });
    const throttle = new LoginThrottle({ cache, settings: stack.config.bruteForce, clock, kind: 'code' });
    const codes = new OneTimeCodes({ cache, hasher: keyedHasher, settings: { ...stack.config.otp, ...otp }, clock, throttle });
    const issueAndSend = codes.issueAndSend.bind(codes);
    codes.issueAndSend = (purpose, address, send) =>
      issueAndSend(purpose, address, async (code) => {
        issuedCodes.push(code);
        await send(code);
      });
    const directory = new UserDirectory({ client: stack.documentClient(), tableName: stack.config.tables.directory, clock });
    const mailer = new OutboxMailer({ cache, clock, log: () => {} });
    return {
      directory,
      registration: new Registration({
        cache,
        codes,
        users: directory,
        mailer,
        // The test stack's budgets are generous: these tests are about the flow, not the budget.
        mailBudget: new MailBudget({ cache, settings: stack.config.mailBudget, clock, onCircuitOpen: () => {} }),
        hasher: passwordHasher,
        settings: stack.config.registration,
        clock,
        issuerName: 'Example ID',
      }),
    };
  }

  async function mailedCode(address = email): Promise<string> {
    const [message] = await outbox.latest(address, 1);
    assert.ok(message, `a mail was sent to ${address}`);
    const match = /\b(\d{6})\b/.exec(message.text);
    assert.ok(match?.[1], `the mail carries a code: ${message.text}`);
    return match[1];
  }

  async function started(address = email, on = registration): Promise<string> {
    const result = await on.start(address, origin.ip);
    assert.ok(result.ok, JSON.stringify(result));
    return result.flowId;
  }

  async function verified(address = email, on = registration): Promise<string> {
    const flowId = await started(address, on);
    assert.equal(verdict(await on.verifyCode(flowId, await mailedCode(address), origin)), 'ok');
    return flowId;
  }

  before(async () => {
    stack = await startTestStack();
    const cache = new TtlCache({ client: stack.documentClient(), tableName: stack.config.tables.cache, clock });
    outbox = new OutboxMailer({ cache, clock, log: () => {} });
    ({ directory: users, registration } = instance());
  });
  beforeEach(() => {
    email = `reg${++n}@example.com`;
    origin = { ip: `198.51.100.${n}` };
    issuedCodes = [];
  });
  after(() => stack.close());

  it('walks email -> code (read from the outbox) -> password and name -> account, and consumes the flow', async () => {
    const flowId = await started(`  Reg${n}@EXAMPLE.com `);
    assert.match(flowId, /^[A-Za-z0-9_-]{22}$/);
    assert.deepEqual(await registration.get(flowId), { email, step: 'code' });
    const [mail] = await outbox.latest(email, 1);
    assert.equal(mail?.to, email);
    assert.equal(mail?.subject, 'Your Example ID verification code');
    assert.match(mail?.text ?? '', /within 5 minutes/);

    assert.equal(verdict(await registration.verifyCode(flowId, await mailedCode(), origin)), 'ok');
    assert.deepEqual(await registration.get(flowId), { email, step: 'details' });

    const result = await registration.complete(flowId, { password, name: '  Ada Lovelace ' });
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.user.email, email);
    assert.equal(result.user.name, 'Ada Lovelace');
    assert.equal(result.user.emailVerified, true);
    assert.deepEqual(await users.findByEmail(email), result.user);
    assert.equal((await passwordHasher.verify(password, result.user.passwordHash ?? '')).ok, true);

    assert.equal(await registration.get(flowId), undefined, 'the flow is consumed');
    assert.deepEqual(await registration.complete(flowId, { password, name: 'Again' }), { ok: false, reason: 'unknown_flow' });
  });

  it('refuses an invalid address', async () => {
    assert.deepEqual(await registration.start('not-an-email', origin.ip), { ok: false, reason: 'invalid_email' });
  });

  it('answers an already-registered address exactly like a new one, but mails a notice instead of a code', async () => {
    await users.create({ email, name: 'Existing', emailVerified: true });
    const fresh = `fresh-${email}`;
    const forExisting = await registration.start(email.toUpperCase(), origin.ip);
    const forFresh = await registration.start(fresh, origin.ip);
    assert.ok(forExisting.ok && forFresh.ok);
    assert.deepEqual(Object.keys(forExisting).sort(), Object.keys(forFresh).sort());
    assert.equal(forExisting.flowId.length, forFresh.flowId.length);
    assert.deepEqual(await registration.get(forExisting.flowId), { email, step: 'code' });

    const [notice] = await outbox.latest(email, 1);
    assert.equal(notice?.subject, 'Your Example ID account');
    assert.match(notice?.text ?? '', /already have an account/);
    assert.match(notice?.text ?? '', /with a code sent to this address/);
    assert.doesNotMatch(notice?.text ?? '', /\d{6}/, 'no code in the notice');

    // Even the code that was issued (never mailed) does not verify the flow.
    assert.equal(issuedCodes.length, 2);
    const realCodeForExisting = issuedCodes[0]!;
    const resultWithRealCode = verdict(await registration.verifyCode(forExisting.flowId, realCodeForExisting, origin));
    assert.equal(resultWithRealCode, 'invalid');
    assert.deepEqual(await registration.complete(forExisting.flowId, { password, name: 'Mallory' }), { ok: false, reason: 'not_verified' });

    // Throttling and attempt limits answer the same as for a new address.
    const [againExisting, againFresh] = [await registration.start(email, origin.ip), await registration.start(fresh, origin.ip)];
    assert.ok(againExisting.ok && againFresh.ok);
    assert.deepEqual({ ...againExisting, flowId: '' }, { ...againFresh, flowId: '' });
    for (let i = 0; i < 4; i++) assert.equal(verdict(await registration.verifyCode(forExisting.flowId, '000000', origin)), 'invalid');
    assert.equal(verdict(await registration.verifyCode(forExisting.flowId, '000000', origin)), 'throttled');
    assert.equal((await users.findByEmail(email))?.name, 'Existing');
  });

  it('cannot skip the code step', async () => {
    const flowId = await started();
    assert.deepEqual(await registration.complete(flowId, { password, name: 'Eve' }), { ok: false, reason: 'not_verified' });
    const code = await mailedCode();
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    assert.equal(verdict(await registration.verifyCode(flowId, wrong, origin)), 'invalid');
    assert.deepEqual(await registration.complete(flowId, { password, name: 'Eve' }), { ok: false, reason: 'not_verified' });
    assert.equal(await users.findByEmail(email), undefined);
    assert.equal(verdict(await registration.verifyCode(flowId, code, origin)), 'ok', 'the right code still works after a wrong one');
  });

  it('pauses a source after 5 wrong codes, with the time to wait, and lets another source finish', async () => {
    const flowId = await started();
    const code = await mailedCode();
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    for (let i = 0; i < 5; i++) assert.equal(verdict(await registration.verifyCode(flowId, wrong, origin)), 'invalid');
    const paused = await registration.verifyCode(flowId, code, origin);
    assert.deepEqual(paused, { ok: false, reason: 'throttled', retryAfterS: stack.config.bruteForce.perAccountAndSource.windowS });
    assert.equal(verdict(await registration.verifyCode(flowId, code, { ip: '192.0.2.200' })), 'ok', 'the code still works');
  });

  it('refuses passwords the policy refuses (lib/auth/password-policy.ts), saying why, and keeps the flow for another try', async () => {
    const flowId = await verified();
    const refusals: Array<[string, string]> = [
      ['short but fine', 'too_short'],
      [`my ${email} pass`, 'personal'],
      ['Wilhelmina Q. Weakling', 'personal'],
      ['x'.repeat(257), 'too_long'],
      ['🙂'.repeat(14), 'too_short'],
    ];
    for (const [weak, problem] of refusals) {
      assert.deepEqual(await registration.complete(flowId, { password: weak, name: 'Wilhelmina Q. Weakling' }), { ok: false, reason: 'weak_password', problem }, weak.slice(0, 20));
    }
    assert.deepEqual(await registration.get(flowId), { email, step: 'details' });
    const result = await registration.complete(flowId, { password: '🙂🙃😀😁😂🤣😃😄😅😆😉😊😋😎😍', name: 'W' });
    assert.equal(result.ok, true);
  });

  it('refuses invalid names', async () => {
    const flowId = await verified();
    for (const name of ['', '   ', 'x'.repeat(101), 'a\u0007b', 'line\nbreak', 'evil\u202Etxt.exe']) {
      assert.deepEqual(await registration.complete(flowId, { password, name }), { ok: false, reason: 'invalid_name' }, JSON.stringify(name));
    }
    assert.ok((await registration.complete(flowId, { password, name: '🙂'.repeat(100) })).ok);
  });

  it('answers unknown_flow for unknown ids and for a flow past its 30 minutes (still in the table)', async () => {
    const unknown = randomBytes(16).toString('base64url');
    for (const id of [unknown, 'x', '', '../../etc']) {
      assert.equal(await registration.get(id), undefined);
      assert.equal(verdict(await registration.verifyCode(id, '123456', origin)), 'unknown_flow');
      assert.deepEqual(await registration.complete(id, { password, name: 'N' }), { ok: false, reason: 'unknown_flow' });
      assert.deepEqual(await registration.resend(id, origin.ip), { ok: false, reason: 'unknown_flow' });
    }

    const flowId = await verified();
    now += 30 * 60_000;
    const raw = await stack.documentClient().send(new GetCommand({ TableName: stack.config.tables.cache, Key: { pk: `registration#${flowId}` } }));
    assert.equal(raw.Item?.step, 'details', 'still physically present');
    assert.equal(await registration.get(flowId), undefined);
    assert.deepEqual(await registration.complete(flowId, { password, name: 'Late' }), { ok: false, reason: 'unknown_flow' });
    assert.equal(await users.findByEmail(email), undefined);
  });

  it('resends no sooner than 60 s, and the earlier code keeps working', async () => {
    const flowId = await started();
    const first = await mailedCode();
    now += 20_000;
    assert.deepEqual(await registration.resend(flowId, origin.ip), { ok: false, reason: 'resend_too_soon', retryAfterS: 40 });
    now += 40_000;
    assert.deepEqual(await registration.resend(flowId, origin.ip), { ok: true, flowId });
    const second = await mailedCode();
    assert.equal((await outbox.latest(email)).length, 2);
    assert.equal(verdict(await registration.verifyCode(flowId, first, origin)), 'ok', 'a resend does not cancel the code mailed before');
    assert.equal(verdict(await registration.verifyCode(flowId, second, origin)), 'ok');
    assert.deepEqual(await registration.resend(flowId, origin.ip), { ok: true, flowId }, 'nothing to resend once verified');
    assert.equal((await outbox.latest(email)).length, 2, 'and no mail');
  });

  it('restarted within the resend gate: a new flow, no new mail, and the code mailed a moment ago completes it', async () => {
    const firstFlow = await started();
    const code = await mailedCode();
    now += 20_000;
    const restarted = await registration.start(email, origin.ip);
    assert.deepEqual({ ...restarted, flowId: '' }, { ok: true, flowId: '', resendAfterS: 40 });
    assert.ok(restarted.ok && restarted.flowId !== firstFlow);
    assert.equal((await outbox.latest(email)).length, 1, 'no second mail');
    assert.equal(verdict(await registration.verifyCode(restarted.flowId, code, origin)), 'ok');
  });

  it('refuses a 6th start for one address within an hour', async () => {
    for (let i = 0; i < 5; i++) {
      await started();
      now += 61_000;
    }
    const sixth = await registration.start(email, origin.ip);
    assert.equal(!sixth.ok && sixth.reason, 'hourly_limit');
    assert.ok(!sixth.ok && sixth.retryAfterS !== undefined && sixth.retryAfterS > 0 && sixth.retryAfterS <= 3600);
  });

  it('answers ok to a second submit of the code once the flow is verified', async () => {
    const flowId = await started();
    const code = await mailedCode();
    assert.equal(verdict(await registration.verifyCode(flowId, code, origin)), 'ok');
    assert.equal(verdict(await instance().registration.verifyCode(flowId, code, origin)), 'ok');
  });

  it('verifies a flow once when tabs submit the right code at the same time', async () => {
    const flowId = await started();
    const code = await mailedCode();
    const results = await Promise.all(Array.from({ length: 5 }, () => instance().registration.verifyCode(flowId, code, origin).then(verdict)));
    // The losers answer 'ok' when they see the winner's step change, 'expired' when they look first.
    assert.ok(results.includes('ok'), results.join(','));
    assert.ok(results.every((r) => r === 'ok' || r === 'expired'), results.join(','));
    assert.deepEqual(await registration.get(flowId), { email, step: 'details' });
  });

  it('creates exactly one account when 10 tabs complete one flow at once; the others hear email_taken', async () => {
    const flowId = await verified();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => instance().registration.complete(flowId, { password, name: `tab${i}` })));
    assert.equal(results.filter((r) => r.ok).length, 1, JSON.stringify(results));
    for (const r of results.filter((r) => !r.ok)) assert.deepEqual(r, { ok: false, reason: 'email_taken' });
    assert.equal(await registration.get(flowId), undefined);
  });

  it('creates exactly one account when 10 separate verified flows for one address complete at once', async () => {
    const instances = Array.from({ length: 10 }, () => instance({ maxPerHour: 20 }));
    const flows: string[] = [];
    for (const [i, { registration: on }] of instances.entries()) {
      // Each flow is verified with the code it mailed, before the next flow starts.
      flows.push(await verified(i % 2 ? email : email.toUpperCase(), on));
      now += 61_000;
    }
    const results = await Promise.all(instances.map(({ registration: on }, i) => on.complete(flows[i]!, { password, name: `flow${i}` })));
    const created = results.filter((r) => r.ok);
    assert.equal(created.length, 1, JSON.stringify(results));
    for (const r of results.filter((r) => !r.ok)) assert.deepEqual(r, { ok: false, reason: 'email_taken' });
    assert.equal((await users.findByEmail(email))?.id, created[0]?.ok ? created[0].user.id : 'none');
  });

  it('refuses a second account for the same address in another spelling', async () => {
    const first = await verified();
    assert.ok((await registration.complete(first, { password, name: 'One' })).ok);
    now += 61_000;
    // The second start sees the account and mails a notice: the flow can never be verified.
    const second = await started(email.toUpperCase());
    const [notice] = await outbox.latest(email, 1);
    assert.match(notice?.text ?? '', /already have an account/);
    assert.equal(verdict(await registration.verifyCode(second, issuedCodes.at(-1)!, origin)), 'invalid');
  });
});

describe('registration input rules', () => {
  it('normalizeName trims, composes and bounds', () => {
    assert.equal(normalizeName('  Zoe\u0308  '), 'Zoë');
    assert.equal(normalizeName('x'.repeat(100)), 'x'.repeat(100));
    assert.equal(normalizeName('x'.repeat(101)), undefined);
    assert.equal(normalizeName('tab\there'), undefined);
    assert.equal(normalizeName('\u0085'), undefined);
  });
});
