/**
 * The TOTP factor on DynamoDB Local, with a clock the tests move in 30-second steps: a code works
 * once (also under a race of instances), within one step either side and no further; recovery
 * codes are single use under a race of 20; a stored secret that was altered or moved to another
 * user does not verify; guesses count in the mailed codes' per-account budget.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AttemptOrigin } from '../../lib/auth/attempt-scopes.js';
import { KeyRingKeyedHasher } from '../../lib/auth/key-ring-keyed-hasher.js';
import { LoginThrottle } from '../../lib/auth/login-throttle.js';
import { RECOVERY_CODE_COUNT } from '../../lib/auth/recovery-codes.js';
import type { SecondFactorCheck } from '../../lib/auth/second-factors.js';
import { newTotpSecret, totpCodeAt, TOTP_PERIOD_S } from '../../lib/auth/totp.js';
import { TotpFactor } from '../../lib/auth/totp-factor.js';
import type { BruteForceSettings } from '../../lib/config.js';
import { TotpDirectory } from '../../lib/store/totp-directory.js';
import { TtlCache } from '../../lib/store/ttl-cache.js';
import { useInstanceStack } from '../support/instances.js';

const STEP_MS = TOTP_PERIOD_S * 1000;

describe('TOTP factor on DynamoDB Local', () => {
  const stack = useInstanceStack();
  // Real time as the start (DynamoDB Local's TTL sweeper reads the real clock), moved by the tests.
  const time = { now: Math.floor(Date.now() / STEP_MS) * STEP_MS + 1_000 };
  const clock = () => time.now;
  const origin: AttemptOrigin = { ip: '198.51.100.23' };
  /** Wide budgets for the races: they are about single use, not about counting. */
  const wide = (settings: BruteForceSettings): BruteForceSettings => ({
    ...settings,
    perAccountAndSource: { max: 1000, windowS: 60 },
    perSource: { max: 1000, windowS: 60 },
    perAccount: { max: 1000, windowS: 60 },
  });

  /** One instance: its own clients, key ring cache and objects; the tables and the clock are shared. */
  function instance(options: { settings?: BruteForceSettings } = {}) {
    const started = stack.start(stack.config, { clock });
    const { documentClient: client, config } = started;
    const store = new TotpDirectory({ client, tableName: config.tables.directory, clock });
    const cache = new TtlCache({ client, tableName: config.tables.cache, clock });
    const throttle = new LoginThrottle({ cache, settings: options.settings ?? wide(config.bruteForce), clock, kind: 'code' });
    const recoveryHasher = new KeyRingKeyedHasher(started.keyRing, `${config.appName}/recovery-codes`);
    const factor = new TotpFactor({ store, protector: started.protector, recoveryHasher, throttle, clock });
    return { factor, store, throttle, client, config, dynamo: started.dynamo };
  }

  async function enrolled(on = instance()) {
    const userId = randomUUID();
    const email = `totp-${randomBytes(4).toString('hex')}@example.com`;
    const secret = newTotpSecret();
    const activation = await on.factor.activate(userId, secret, totpCodeAt(secret, time.now));
    assert.ok(activation.ok);
    return { userId, email, secret, recoveryCodes: activation.recoveryCodes };
  }

  const verdict = (check: SecondFactorCheck) => (check.ok ? check.kind : check.reason);

  it('activates only with a code of the secret, and the confirming code cannot sign in afterwards', async () => {
    const { factor, store } = instance();
    const userId = randomUUID();
    const secret = newTotpSecret();
    assert.deepEqual(await factor.activate(userId, secret, totpCodeAt(newTotpSecret(), time.now)), { ok: false, reason: 'invalid' });
    assert.equal(await store.isActive(userId), false);
    const code = totpCodeAt(secret, time.now);
    const activation = await factor.activate(userId, secret, code);
    assert.ok(activation.ok);
    assert.equal(activation.recoveryCodes.length, RECOVERY_CODE_COUNT);
    assert.equal(new Set(activation.recoveryCodes).size, RECOVERY_CODE_COUNT);
    assert.equal(await store.isActive(userId), true);
    assert.equal(verdict(await factor.verify({ userId, email: 'a@example.com', code, origin })), 'invalid', 'the confirming step counts as used');
    assert.deepEqual(await factor.activate(userId, secret, totpCodeAt(secret, time.now + STEP_MS)), { ok: false, reason: 'already-active' });
  });

  it('stores the secret protected, never in plain', async () => {
    const on = instance();
    const { userId, secret } = await enrolled(on);
    const { Item } = await on.client.send(new GetCommand({ TableName: on.config.tables.directory, Key: { pk: `user#${userId}`, sk: 'totp' } }));
    assert.ok(Item);
    assert.doesNotMatch(JSON.stringify(Item), new RegExp(secret));
    const recovery = await on.client.send(new GetCommand({ TableName: on.config.tables.directory, Key: { pk: `user#${userId}`, sk: 'recovery-codes' } }));
    assert.equal((recovery.Item?.hashes as Set<string>).size, RECOVERY_CODE_COUNT);
  });

  it('accepts one step either side, not two, and each step once (a replay inside the window is refused)', async () => {
    const { factor } = instance();
    const user = await enrolled();
    const check = async (atMs: number) => verdict(await factor.verify({ userId: user.userId, email: user.email, code: totpCodeAt(user.secret, atMs), origin }));
    time.now += 4 * STEP_MS;
    assert.equal(await check(time.now - 2 * STEP_MS), 'invalid', 'two steps behind');
    assert.equal(await check(time.now + 2 * STEP_MS), 'invalid', 'two steps ahead');
    assert.equal(await check(time.now - STEP_MS), 'totp', 'one step behind');
    assert.equal(await check(time.now - STEP_MS), 'invalid', 'the same code again');
    assert.equal(await check(time.now), 'totp', 'the current step');
    assert.equal(await check(time.now), 'invalid', 'the current code again');
    assert.equal(await check(time.now - STEP_MS), 'invalid', 'an older step after a newer one');
    assert.equal(await check(time.now + STEP_MS), 'totp', 'one step ahead');
    time.now += STEP_MS;
    assert.equal(await check(time.now), 'invalid', 'the step used early does not work again on time');
  });

  it('of 20 instances racing with one TOTP code, exactly one accepts it', async () => {
    const user = await enrolled();
    time.now += STEP_MS;
    const code = totpCodeAt(user.secret, time.now);
    const instances = Array.from({ length: 20 }, () => instance());
    const results = await Promise.all(instances.map(({ factor }) => factor.verify({ userId: user.userId, email: user.email, code, origin })));
    assert.deepEqual(results.map(verdict).sort(), [...Array<string>(19).fill('invalid'), 'totp']);
  });

  it('takes a recovery code once, typed in any case and spacing, and counts what is left', async () => {
    const { factor } = instance();
    const user = await enrolled();
    const [first] = user.recoveryCodes;
    const typed = ` ${first!.toUpperCase().replace(/-/g, ' ')} `;
    assert.equal(verdict(await factor.verify({ userId: user.userId, email: user.email, code: typed, origin })), 'recovery-code');
    assert.equal(verdict(await factor.verify({ userId: user.userId, email: user.email, code: first!, origin })), 'invalid');
    assert.deepEqual(await factor.typed(user.userId), { totp: true, recoveryCodesLeft: RECOVERY_CODE_COUNT - 1 });
    const other = await enrolled();
    assert.equal(verdict(await factor.verify({ userId: user.userId, email: user.email, code: other.recoveryCodes[0]!, origin })), 'invalid', "another user's code");
  });

  it('of 20 instances racing with one recovery code, exactly one accepts it', async () => {
    const user = await enrolled();
    const code = user.recoveryCodes[3]!;
    const instances = Array.from({ length: 20 }, () => instance());
    const results = await Promise.all(instances.map(({ factor }) => factor.verify({ userId: user.userId, email: user.email, code, origin })));
    assert.deepEqual(results.map(verdict).sort(), [...Array<string>(19).fill('invalid'), 'recovery-code']);
    assert.equal((await instance().factor.typed(user.userId)).recoveryCodesLeft, RECOVERY_CODE_COUNT - 1);
  });

  it('new recovery codes replace every old one; none without TOTP', async () => {
    const { factor } = instance();
    const user = await enrolled();
    const fresh = await factor.regenerateRecoveryCodes(user.userId);
    assert.equal(fresh?.length, RECOVERY_CODE_COUNT);
    assert.equal(verdict(await factor.verify({ userId: user.userId, email: user.email, code: user.recoveryCodes[0]!, origin })), 'invalid');
    assert.equal(verdict(await factor.verify({ userId: user.userId, email: user.email, code: fresh![0]!, origin })), 'recovery-code');
    assert.equal(await factor.regenerateRecoveryCodes(randomUUID()), undefined);
  });

  it('refuses a stored secret that was altered or copied from another user', async () => {
    const on = instance();
    const alice = await enrolled(on);
    const bob = await enrolled(on);
    const table = on.config.tables.directory;
    const setSecret = (userId: string, protectedSecret: string) =>
      on.client.send(new UpdateCommand({ TableName: table, Key: { pk: `user#${userId}`, sk: 'totp' }, UpdateExpression: 'SET protectedSecret = :p', ExpressionAttributeValues: { ':p': protectedSecret } }));
    const bobItem = await on.store.find(bob.userId);
    time.now += STEP_MS;
    // Bob's protected secret under Alice's name: Alice's account now "has" Bob's secret.
    await setSecret(alice.userId, bobItem!.protectedSecret);
    assert.equal(verdict(await on.factor.verify({ userId: alice.userId, email: alice.email, code: totpCodeAt(bob.secret, time.now), origin })), 'invalid');
    const aliceItem = await on.store.find(alice.userId);
    const payload = aliceItem!.protectedSecret;
    const flipped = payload.slice(0, -3) + (payload.at(-3) === 'A' ? 'B' : 'A') + payload.slice(-2);
    await setSecret(bob.userId, flipped);
    assert.equal(verdict(await on.factor.verify({ userId: bob.userId, email: bob.email, code: totpCodeAt(bob.secret, time.now), origin })), 'invalid');
  });

  it('counts guesses in the mailed codes per-account budget and gives back a correct one', async () => {
    const on = instance({ settings: stack.config.bruteForce });
    const user = await enrolled(on);
    const budget = stack.config.bruteForce.perAccountAndSource.max;
    time.now += STEP_MS;
    // A correct code is given back: it never uses up the owner's budget.
    for (let i = 0; i < budget + 2; i++) {
      time.now += STEP_MS;
      assert.equal(verdict(await on.factor.verify({ userId: user.userId, email: user.email, code: totpCodeAt(user.secret, time.now), origin })), 'totp');
    }
    for (let i = 0; i < budget; i++) {
      assert.equal(verdict(await on.factor.verify({ userId: user.userId, email: user.email, code: '000000', origin })), 'invalid');
    }
    const refused = await on.factor.verify({ userId: user.userId, email: user.email, code: totpCodeAt(user.secret, time.now + STEP_MS), origin });
    assert.equal(verdict(refused), 'throttled');
    // The same counters as a mailed code to that address from that source.
    const mailedCode = new LoginThrottle({ cache: new TtlCache({ client: on.client, tableName: on.config.tables.cache, clock }), settings: on.config.bruteForce, clock, kind: 'code' });
    assert.equal((await mailedCode.begin(user.email, origin)).allowed, false);
  });

  it('disabling removes the secret and the recovery codes', async () => {
    const { factor, store } = instance();
    const user = await enrolled();
    assert.equal(await factor.disable(user.userId), true);
    assert.equal(await store.isActive(user.userId), false);
    assert.deepEqual(await factor.typed(user.userId), { totp: false, recoveryCodesLeft: 0 });
    time.now += STEP_MS;
    assert.equal(verdict(await factor.verify({ userId: user.userId, email: user.email, code: user.recoveryCodes[0]!, origin })), 'invalid');
    assert.equal(verdict(await factor.verify({ userId: user.userId, email: user.email, code: totpCodeAt(user.secret, time.now), origin })), 'invalid');
    assert.equal(await factor.disable(user.userId), false);
  });
});
