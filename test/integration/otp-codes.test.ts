import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { HmacKeyedHasher } from '../../lib/auth/keyed-hasher.js';
import { OneTimeCodes } from '../../lib/auth/one-time-codes.js';
import { TtlCache } from '../../lib/store/ttl-cache.js';
import { startTestStack, type TestStack } from '../support/stack.js';

describe('HmacKeyedHasher', () => {
  const hasher = new HmacKeyedHasher(randomBytes(32));

  it('verifies its own hashes and nothing else', async () => {
    const hash = await hasher.hash('123456');
    assert.equal(await hasher.hash('123456'), hash, 'deterministic');
    assert.equal(await hasher.verify('123456', hash), true);
    assert.equal(await hasher.verify('123457', hash), false);
    assert.equal(await hasher.verify('123456', hash.slice(0, -2)), false, 'a truncated hash does not verify');
    assert.equal(await hasher.verify('123456', ''), false);
  });

  it('depends on the key', async () => {
    const other = new HmacKeyedHasher(randomBytes(32));
    assert.equal(await other.verify('123456', await hasher.hash('123456')), false);
  });

  it('insists on a 32-byte key', () => {
    assert.throws(() => new HmacKeyedHasher(randomBytes(16)), RangeError);
  });
});

describe('OneTimeCodes on DynamoDB Local', () => {
  let stack: TestStack;
  // Real time as the start, so DynamoDB Local's own TTL sweeper never deletes what the tests
  // expect to find physically present.
  let now = Date.now();
  const clock = () => now;
  const hasher = new HmacKeyedHasher(randomBytes(32));
  let codes: OneTimeCodes;
  let settings: TestStack['config']['otp'];
  let n = 0;
  let email: string;

  const cacheFor = () => new TtlCache({ client: stack.documentClient(), tableName: stack.config.tables.cache, clock });
  const codesFor = () => new OneTimeCodes({ cache: cacheFor(), hasher, settings, clock });
  async function issue(purpose: 'register' | 'login' = 'register', address = email): Promise<string> {
    const result = await codes.issue(purpose, address);
    assert.ok(result.ok, JSON.stringify(result));
    return result.code;
  }
  const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

  before(async () => {
    stack = await startTestStack();
    settings = stack.config.otp;
    codes = codesFor();
  });
  beforeEach(() => {
    email = `user${++n}@example.com`;
  });
  after(() => stack.close());

  it('uses the documented defaults', () => {
    assert.deepEqual(settings, { ttlS: 300, maxAttempts: 5, resendAfterS: 60, maxPerHour: 5 });
  });

  it('issues six digits, stores only a keyed hash, and accepts the code once', async () => {
    const code = await issue();
    assert.match(code, /^\d{6}$/);
    const raw = await stack.documentClient().send(new GetCommand({ TableName: stack.config.tables.cache, Key: { pk: `otp#register#${email}` } }));
    assert.ok(raw.Item);
    assert.ok(!JSON.stringify(raw.Item).includes(code), 'the code is not in the table');
    assert.equal(typeof raw.Item.codeId, 'string');
    assert.equal(raw.Item.ttl, Math.floor(now / 1000) + 300);

    assert.equal(await codes.verify('register', email, code), 'ok');
    assert.equal(await codes.verify('register', email, code), 'expired', 'single use: no live code remains');
  });

  it('keeps purposes and addresses apart, and normalizes the address', async () => {
    const code = await issue('register', email);
    assert.equal(await codes.verify('login', email, code), 'expired');
    assert.equal(await codes.verify('register', `other-${email}`, code), 'expired');
    assert.equal(await codes.verify('register', `  ${email.toUpperCase()} `, ` ${code.slice(0, 3)} ${code.slice(3)} `), 'ok');
  });

  it('treats a code past its 5 minutes as absent even though the item is still in the table', async () => {
    const code = await issue();
    now += 300_000;
    const raw = await stack.documentClient().send(new GetCommand({ TableName: stack.config.tables.cache, Key: { pk: `otp#register#${email}` } }));
    assert.ok(raw.Item, 'DynamoDB still holds the expired item');
    assert.equal(await codes.verify('register', email, code), 'expired');
  });

  it('accepts a code just before it expires', async () => {
    const code = await issue();
    now += 299_000;
    assert.equal(await codes.verify('register', email, code), 'ok');
  });

  it('gives exactly one of 20 concurrent verifications of the right code "ok"', async () => {
    const code = await issue();
    const results = await Promise.all(Array.from({ length: 20 }, () => codesFor().verify('register', email, code)));
    assert.equal(results.filter((r) => r === 'ok').length, 1, results.join(','));
    assert.ok(results.every((r) => r === 'ok' || r === 'expired' || r === 'too_many_attempts' || r === 'invalid'));
  });

  it('refuses the right code after 5 wrong attempts', async () => {
    const code = await issue();
    for (let i = 0; i < 5; i++) assert.equal(await codes.verify('register', email, wrong(code)), 'invalid', `attempt ${i + 1}`);
    assert.equal(await codes.verify('register', email, code), 'too_many_attempts');
  });

  it('accepts the right code on the 5th attempt', async () => {
    const code = await issue();
    for (let i = 0; i < 4; i++) assert.equal(await codes.verify('register', email, wrong(code)), 'invalid');
    assert.equal(await codes.verify('register', email, code), 'ok');
  });

  it('counts parallel guesses: of 12 concurrent wrong guesses only 5 are checked', async () => {
    const code = await issue();
    const results = await Promise.all(Array.from({ length: 12 }, () => codesFor().verify('register', email, wrong(code))));
    assert.equal(results.filter((r) => r === 'invalid').length, 5, results.join(','));
    assert.equal(results.filter((r) => r === 'too_many_attempts').length, 7);
    assert.equal(await codes.verify('register', email, code), 'too_many_attempts');
  });

  it('counts malformed input as an attempt', async () => {
    const code = await issue();
    for (const junk of ['', 'abcdef', '1234567', '12345']) assert.equal(await codes.verify('register', email, junk), 'invalid');
    assert.equal(await codes.verify('register', email, wrong(code)), 'invalid');
    assert.equal(await codes.verify('register', email, code), 'too_many_attempts');
  });

  it('throttles resends: refused before 60 s with retryAfterS, allowed at 60 s, and the new code replaces the old', async () => {
    const first = await issue();
    now += 45_000;
    assert.deepEqual(await codes.issue('register', email), { ok: false, reason: 'resend_too_soon', retryAfterS: 15 });
    now += 14_000;
    assert.deepEqual(await codes.issue('register', email), { ok: false, reason: 'resend_too_soon', retryAfterS: 1 });
    now += 1_000;
    const second = await issue();
    if (second !== first) assert.equal(await codes.verify('register', email, first), 'invalid', 'the old code no longer works');
    assert.equal(await codes.verify('register', email, second), 'ok');
  });

  it('does not let a verification of the old code consume a newer code issued while it was checking', async () => {
    const old = await issue();
    // A hasher that lets another instance issue a new code (a resend) between this verification
    // counting its attempt and consuming the code it counted on: the window a slow request has.
    let newer = '';
    let resend: (() => Promise<void>) | undefined = async () => {
      now += 60_000;
      newer = await issue();
    };
    const racing = new OneTimeCodes({
      cache: cacheFor(),
      hasher: {
        hash: (input) => hasher.hash(input),
        async verify(input, hash) {
          const matches = await hasher.verify(input, hash);
          const pending = resend;
          resend = undefined;
          await pending?.();
          return matches;
        },
      },
      settings,
      clock,
    });
    assert.equal(await racing.verify('register', email, old), 'expired', 'the code it checked was replaced before it could be used');
    assert.notEqual(newer, '');
    assert.equal(await codes.verify('register', email, newer), 'ok', 'the newer code is still there');
  });

  it('lets one of several simultaneous issue requests through', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => codesFor().issue('register', email)));
    assert.equal(results.filter((r) => r.ok).length, 1);
  });

  it('gives a fresh code fresh attempts', async () => {
    const code = await issue();
    for (let i = 0; i < 5; i++) await codes.verify('register', email, wrong(code));
    assert.equal(await codes.verify('register', email, code), 'too_many_attempts');
    now += 60_000;
    const fresh = await issue();
    assert.equal(await codes.verify('register', email, fresh), 'ok');
  });

  it('sends at most 5 codes per address per hour, across purposes', async () => {
    const start = now;
    for (let i = 0; i < 5; i++) {
      await issue(i % 2 ? 'login' : 'register');
      now += 61_000;
    }
    const refused = await codes.issue('register', email);
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.reason, 'hourly_limit');
    const expectedRetry = Math.floor(start / 1000) + 3600 - Math.floor(now / 1000);
    assert.equal(!refused.ok && refused.retryAfterS, expectedRetry);
    // The refusal took no resend slot: asking again right away still names the hourly limit.
    assert.equal((await codes.issue('login', email)).ok, false);
    const again = await codes.issue('register', email);
    assert.equal(!again.ok && again.reason, 'hourly_limit');

    now = start + 3_600_000;
    await issue();
  });

  it('refuses to issue for an invalid address', async () => {
    await assert.rejects(codes.issue('register', 'nope'), TypeError);
    assert.equal(await codes.verify('register', 'nope', '123456'), 'invalid');
  });
});
