import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { HmacKeyedHasher } from '../../lib/auth/keyed-hasher.js';
import type { AttemptOrigin } from '../../lib/auth/attempt-scopes.js';
import { LoginThrottle } from '../../lib/auth/login-throttle.js';
import { OneTimeCodes, type VerifyCodeResult } from '../../lib/auth/one-time-codes.js';
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
  /** Another instance: its own clients and objects, nothing shared but the table and the clock. */
  const codesFor = () => {
    const cache = cacheFor();
    return new OneTimeCodes({ cache, hasher, settings, clock, throttle: new LoginThrottle({ cache, settings: stack.config.bruteForce, clock, kind: 'code' }) });
  };
  /** Each test's browser, a fresh source; and an attacker's fresh source per call. */
  let owner: AttemptOrigin;
  let bots = 0;
  const bot = (): AttemptOrigin => ({ ip: `203.0.${(++bots >> 8) & 255}.${bots & 255}` });
  const verdict = (result: VerifyCodeResult) => (result.ok ? 'ok' : result.reason);
  const verify = async (purpose: 'register' | 'login', address: string, code: string, from: AttemptOrigin = owner, on = codes) =>
    verdict(await on.verify(purpose, address, code, from));
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
    owner = { ip: `198.51.100.${n}` };
  });
  after(() => stack.close());

  it('uses the documented defaults', () => {
    assert.deepEqual(settings, { ttlS: 300, resendAfterS: 60, maxPerHour: 5, maxLive: 3 });
  });

  it('issues six digits, stores only a keyed hash, and accepts the code once', async () => {
    const code = await issue();
    assert.match(code, /^\d{6}$/);
    const raw = await stack.documentClient().send(new GetCommand({ TableName: stack.config.tables.cache, Key: { pk: `otp#register#${email}` } }));
    assert.ok(raw.Item);
    assert.ok(!JSON.stringify(raw.Item).includes(code), 'the code is not in the table');
    assert.equal(raw.Item.codes.length, 1);
    assert.equal(typeof raw.Item.codes[0].codeId, 'string');
    assert.equal(raw.Item.ttl, Math.floor(now / 1000) + 300);

    assert.equal(await verify('register', email, code), 'ok');
    assert.equal(await verify('register', email, code), 'expired', 'single use: the code is spent');
  });

  it('keeps purposes and addresses apart, and normalizes the address', async () => {
    const code = await issue('register', email);
    assert.equal(await verify('login', email, code), 'expired');
    assert.equal(await verify('register', `other-${email}`, code), 'expired');
    assert.equal(await verify('register', `  ${email.toUpperCase()} `, ` ${code.slice(0, 3)} ${code.slice(3)} `), 'ok');
  });

  it('treats a code past its 5 minutes as absent even though the items are still in the table', async () => {
    const code = await issue();
    now += 300_000;
    const raw = await stack.documentClient().send(new GetCommand({ TableName: stack.config.tables.cache, Key: { pk: `otp#register#${email}` } }));
    assert.ok(raw.Item, 'DynamoDB still holds the expired item');
    assert.equal(await verify('register', email, code), 'expired');
  });

  it('accepts a code just before it expires', async () => {
    const code = await issue();
    now += 299_000;
    assert.equal(await verify('register', email, code), 'ok');
  });

  it('gives exactly one of 20 concurrent verifications of the right code, from 20 instances, "ok"', async () => {
    const code = await issue();
    const results = await Promise.all(Array.from({ length: 20 }, () => verify('register', email, code, bot(), codesFor())));
    assert.equal(results.filter((r) => r === 'ok').length, 1, results.join(','));
    assert.ok(results.every((r) => r === 'ok' || r === 'expired' || r === 'throttled'), results.join(','));
  });

  it('checks at most the account budget of 20 concurrent wrong guesses from 20 sources on 20 instances', async () => {
    const code = await issue();
    const wrongGuess = wrong(code);
    const results = await Promise.all(Array.from({ length: 20 }, () => verify('register', email, wrongGuess, bot(), codesFor())));
    assert.equal(results.filter((r) => r === 'invalid').length, stack.config.bruteForce.perAccount.max, results.join(','));
    assert.equal(results.filter((r) => r === 'throttled').length, 20 - stack.config.bruteForce.perAccount.max);
    assert.equal(await verify('register', email, code, { ip: '192.0.2.1', device: { account: email, deviceId: 'owner' } }), 'ok', 'the owner’s browser is not kept out');
  });

  it('pauses one source after 5 wrong guesses across all live codes, even for the right code, but not the owner elsewhere', async () => {
    const first = await issue('login');
    now += 60_000;
    const second = await issue('login');
    const attacker = bot();
    for (let i = 0; i < 5; i++) assert.equal(await verify('login', email, wrong(wrong(first)), attacker), 'invalid', `attempt ${i + 1}`);
    const paused = await codes.verify('login', email, second, attacker);
    assert.deepEqual(paused, { ok: false, reason: 'throttled', retryAfterS: stack.config.bruteForce.perAccountAndSource.windowS });
    assert.equal(await verify('login', email, first), 'ok');
    assert.equal(await verify('login', email, second), 'ok');
  });

  it('counts malformed input as a guess', async () => {
    const code = await issue();
    for (const junk of ['', 'abcdef', '1234567', '12345']) assert.equal(await verify('register', email, junk), 'invalid');
    assert.equal(await verify('register', email, wrong(code)), 'invalid');
    assert.equal(await verify('register', email, code), 'throttled');
  });

  it("keeps the owner's code working while someone requests up to 2 more; a 4th retires the oldest", async () => {
    const owners = await issue('login');
    const attackers: string[] = [];
    for (let i = 0; i < 2; i++) {
      now += 60_000;
      attackers.push(await issue('login'));
    }
    assert.equal(await verify('login', email, owners), 'ok');
    now += 60_000;
    const fourth = await issue('login');
    // Now live: the two attackers' and the fourth; the owner's (spent anyway) was retired.
    assert.equal(await verify('login', email, attackers[0]!), 'ok');
    assert.equal(await verify('login', email, fourth), 'ok');
  });

  it('retires the oldest live code when a 4th is issued', async () => {
    const oldest = await issue();
    for (let i = 0; i < 3; i++) {
      now += 60_000;
      await issue();
    }
    const raw = await stack.documentClient().send(new GetCommand({ TableName: stack.config.tables.cache, Key: { pk: `otp#register#${email}` } }));
    assert.equal(raw.Item?.codes.length, 3);
    assert.equal(await verify('register', email, oldest), 'invalid', 'not among the live codes');
  });

  it('consumes only the code it checked when a newer code is issued meanwhile', async () => {
    const old = await issue();
    // A hasher that lets another instance issue a new code (a resend) between this verification
    // reading the live codes and consuming the one it matched: the window a slow request has.
    let newer = '';
    let resend: (() => Promise<void>) | undefined = async () => {
      now += 60_000;
      newer = await issue();
    };
    const cache = cacheFor();
    const racing = new OneTimeCodes({
      cache,
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
      throttle: new LoginThrottle({ cache, settings: stack.config.bruteForce, clock, kind: 'code' }),
    });
    assert.equal(await verify('register', email, old, owner, racing), 'ok');
    assert.notEqual(newer, '');
    assert.equal(await verify('register', email, newer), 'ok', 'the newer code is still there');
  });

  it('lets one of several simultaneous issue requests through', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => codesFor().issue('register', email)));
    assert.equal(results.filter((r) => r.ok).length, 1);
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
    assert.equal(await verify('register', 'nope', '123456'), 'invalid');
  });
});
