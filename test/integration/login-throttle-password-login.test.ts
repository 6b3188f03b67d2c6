import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { LoginThrottle } from '../../lib/auth/login-throttle.js';
import { PasswordHasher } from '../../lib/auth/password-hasher.js';
import { PasswordLogin } from '../../lib/auth/password-login.js';
import { TtlCache } from '../../lib/store/ttl-cache.js';
import { UserDirectory } from '../../lib/store/user-directory.js';
import { countCommands } from '../support/count-commands.js';
import { TEST_PASSWORD_SETTINGS } from '../support/password-hashing.js';
import { startTestStack, type TestStack } from '../support/stack.js';

describe('LoginThrottle and PasswordLogin on DynamoDB Local', () => {
  let stack: TestStack;
  let now = Date.now();
  const clock = () => now;
  let cache: TtlCache;
  let users: UserDirectory;
  let throttle: LoginThrottle;
  let login: PasswordLogin;
  const hasher = new PasswordHasher(TEST_PASSWORD_SETTINGS);
  let n = 0;
  let email: string;
  let ip: string;

  before(async () => {
    stack = await startTestStack();
    cache = new TtlCache({ client: stack.documentClient(), tableName: stack.config.tables.cache, clock });
    users = new UserDirectory({ client: stack.documentClient(), tableName: stack.config.tables.directory, clock });
    throttle = new LoginThrottle({ cache, settings: stack.config.bruteForce, clock });
    login = new PasswordLogin({ users, hasher, throttle });
  });
  beforeEach(() => {
    n++;
    email = `login${n}@example.com`;
    ip = `198.51.100.${n}`;
  });
  after(() => stack.close());

  async function register(address = email, password = 'correct horse battery', withHasher = hasher) {
    return users.create({ email: address, name: 'U', passwordHash: await withHasher.hash(password), emailVerified: true });
  }

  it('uses the documented defaults', () => {
    assert.deepEqual(stack.config.bruteForce, { maxFailuresPerAccount: 5, maxFailuresPerIp: 50, windowS: 900, lockoutS: 900 });
  });

  it('signs in with the right password, whatever the spelling of the address', async () => {
    const user = await register();
    const result = await login.login(`  ${email.toUpperCase()}`, 'correct horse battery', ip);
    assert.deepEqual(result, { ok: true, user });
  });

  it('refuses a wrong password and an unknown address with the same answer', async () => {
    await register();
    assert.deepEqual(await login.login(email, 'wrong password', ip), { ok: false, reason: 'invalid' });
    assert.deepEqual(await login.login(`nobody-${email}`, 'correct horse battery', ip), { ok: false, reason: 'invalid' });
    assert.deepEqual(await login.login('not an address', 'x', ip), { ok: false, reason: 'invalid' });
    assert.deepEqual(await login.login(email, 'x'.repeat(5000), ip), { ok: false, reason: 'invalid' });
  });

  /** A hasher that counts verifications: how many guesses were really checked. */
  function countingHasher(): { hasher: PasswordHasher; verifies: () => number } {
    let verifies = 0;
    const counting = new PasswordHasher(TEST_PASSWORD_SETTINGS);
    const verify = counting.verify.bind(counting);
    counting.verify = async (pw, encoded) => {
      verifies++;
      return verify(pw, encoded);
    };
    return { hasher: counting, verifies: () => verifies };
  }

  it('spends a hash verification on an unknown address', async () => {
    const { hasher: counting, verifies } = countingHasher();
    const probe = new PasswordLogin({ users, hasher: counting, throttle });
    assert.equal((await probe.login(`ghost-${email}`, 'whatever123', ip)).ok, false);
    assert.equal(verifies(), 1);
  });

  it('reads the directory as often for an unknown address as for a known one', async () => {
    // Two reads (address item, then user item) for an account and one for no account would tell
    // them apart by timing; the answer and the scrypt work are already the same.
    const client = stack.documentClient();
    const counter = countCommands(client);
    const counted = new PasswordLogin({ users: new UserDirectory({ client, tableName: stack.config.tables.directory, clock }), hasher, throttle });
    await register();
    assert.equal((await counted.login(email, 'wrong password', ip)).ok, false);
    const known = counter.counts();
    counter.reset();
    assert.equal((await counted.login(`ghost-${email}`, 'wrong password', ip)).ok, false);
    assert.deepEqual(counter.counts(), known);
  });

  it('checks no more guesses than the limit, however many arrive at once', async () => {
    // Counting only after the hash check would let every request of a burst pass the lock check
    // before the first failure is recorded: 20 parallel guesses instead of 5.
    await register();
    const { hasher: counting, verifies } = countingHasher();
    const probe = new PasswordLogin({ users, hasher: counting, throttle });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => probe.login(email, `guess ${i}`, ip)));
    assert.equal(verifies(), stack.config.bruteForce.maxFailuresPerAccount);
    assert.equal(results.filter((r) => !r.ok && r.reason === 'invalid').length, stack.config.bruteForce.maxFailuresPerAccount);
    assert.ok(results.every((r) => !r.ok));
    assert.equal((await throttle.check(email, '192.0.2.98')).locked, true);
  });

  it('does not count a sign-in that succeeds against the source IP', async () => {
    const user = await register();
    const office = '192.0.2.77';
    for (let i = 0; i < stack.config.bruteForce.maxFailuresPerIp + 5; i++) {
      assert.equal((await login.login(user.email, 'correct horse battery', office)).ok, true, `sign-in ${i + 1}`);
    }
  });

  it('locks the account after 5 failures, with retryAfterS, even for the right password, then unlocks', async () => {
    await register();
    for (let i = 0; i < 5; i++) {
      assert.deepEqual(await login.login(email, `wrong-${i}`, `203.0.113.${i}`), { ok: false, reason: 'invalid' }, `failure ${i + 1}`);
    }
    now += 10_000;
    assert.deepEqual(await login.login(email, 'correct horse battery', '192.0.2.200'), { ok: false, reason: 'locked', retryAfterS: 890 });
    assert.deepEqual(await throttle.check(email.toUpperCase(), '192.0.2.201'), { locked: true, retryAfterS: 890 });
    now += 890_000;
    assert.equal((await login.login(email, 'correct horse battery', ip)).ok, true);
  });

  it('locks unknown addresses the same way (no enumeration through the lock)', async () => {
    const ghost = `ghost-${email}`;
    for (let i = 0; i < 5; i++) await login.login(ghost, 'guess', `203.0.113.${i}`);
    const result = await login.login(ghost, 'guess', ip);
    assert.equal(!result.ok && result.reason, 'locked');
  });

  it('counts failures in a window: failures spread beyond it do not lock', async () => {
    await register();
    for (let i = 0; i < 4; i++) await login.login(email, 'wrong', ip);
    now += 900_000;
    for (let i = 0; i < 4; i++) await login.login(email, 'wrong', ip);
    assert.equal((await login.login(email, 'correct horse battery', ip)).ok, true);
  });

  it('resets the account counter on success', async () => {
    await register();
    for (let i = 0; i < 4; i++) await login.login(email, 'wrong', ip);
    assert.equal((await login.login(email, 'correct horse battery', ip)).ok, true);
    for (let i = 0; i < 4; i++) await login.login(email, 'wrong', ip);
    assert.equal((await login.login(email, 'correct horse battery', ip)).ok, true);
  });

  it('locks a source IP after 50 failures across many accounts, and only that IP', async () => {
    const user = await register();
    const attacker = '192.0.2.66';
    for (let i = 0; i < 50; i++) await login.login(`victim${i}-${email}`, 'guess', attacker);
    const fromAttacker = await login.login(user.email, 'correct horse battery', attacker);
    assert.deepEqual(fromAttacker, { ok: false, reason: 'locked', retryAfterS: 900 });
    assert.equal((await login.login(user.email, 'correct horse battery', ip)).ok, true, 'other IPs are unaffected');
    now += 900_000;
    assert.equal((await login.login(user.email, 'correct horse battery', attacker)).ok, true);
  });

  it('counts concurrent failures without losing any', async () => {
    await Promise.all(Array.from({ length: 5 }, () => login.login(email, 'wrong', ip)));
    const decision = await throttle.check(email, '192.0.2.99');
    assert.equal(decision.locked, true);
  });

  const dearer = new PasswordHasher({ argon2id: { ...TEST_PASSWORD_SETTINGS.argon2id, iterations: TEST_PASSWORD_SETTINGS.argon2id.iterations + 1 } });

  it('upgrades the stored hash when the cost parameter changed', async () => {
    const user = await register(email, 'correct horse battery', hasher);
    assert.match(user.passwordHash ?? '', /^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    const stronger = new PasswordLogin({ users, hasher: dearer, throttle });
    const result = await stronger.login(email, 'correct horse battery', ip);
    assert.ok(result.ok);
    const stored = (await users.findById(user.id))?.passwordHash ?? '';
    assert.match(stored, /^\$argon2id\$v=19\$m=1024,t=2,p=1\$/);
    assert.equal(result.user.passwordHash, stored);
    assert.deepEqual(await dearer.verify('correct horse battery', stored), { ok: true, needsRehash: false });
    // A login with unchanged parameters leaves the hash alone.
    assert.ok((await stronger.login(email, 'correct horse battery', ip)).ok);
    assert.equal((await users.findById(user.id))?.passwordHash, stored);
  });

  it('does not let an account without a password sign in', async () => {
    await users.create({ email, name: 'No password', emailVerified: true });
    assert.deepEqual(await login.login(email, '', ip), { ok: false, reason: 'invalid' });
  });
});
