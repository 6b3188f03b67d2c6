import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { AttemptOrigin } from '../../lib/auth/attempt-scopes.js';
import { LoginThrottle } from '../../lib/auth/login-throttle.js';
import { PasswordHasher } from '../../lib/auth/password-hasher.js';
import { PasswordLogin } from '../../lib/auth/password-login.js';
import { PasskeyDirectory } from '../../lib/store/passkey-directory.js';
import { TotpDirectory } from '../../lib/store/totp-directory.js';
import { TtlCache } from '../../lib/store/ttl-cache.js';
import { UserDirectory } from '../../lib/store/user-directory.js';
import { countCommands } from '../support/count-commands.js';
import { scryptEraHash, TEST_PASSWORD_SETTINGS } from '../support/password-hashing.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/** What a user without second factors signs in with. */
const NONE = { totp: false, passkeys: 0 };

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
  /** The owner's origin: a clean source. */
  let owner: AttemptOrigin;
  /** A fresh source per call: the attacker's botnet. */
  let bots = 0;
  const bot = (): AttemptOrigin => ({ ip: `203.0.${(++bots >> 8) & 255}.${bots & 255}` });

  before(async () => {
    stack = await startTestStack();
    cache = new TtlCache({ client: stack.documentClient(), tableName: stack.config.tables.cache, clock });
    users = new UserDirectory({ client: stack.documentClient(), tableName: stack.config.tables.directory, clock });
    throttle = new LoginThrottle({ cache, settings: stack.config.bruteForce, clock, kind: 'password' });
    login = new PasswordLogin({ users, hasher, throttle });
  });
  beforeEach(() => {
    n++;
    email = `login${n}@example.com`;
    ip = `198.51.100.${n}`;
    owner = { ip };
  });
  after(() => stack.close());

  async function register(address = email, password = 'correct horse battery', withHasher = hasher) {
    return users.create({ email: address, name: 'U', passwordHash: await withHasher.hash(password), emailVerified: true });
  }

  it('uses the documented budgets', () => {
    const { perAccount, perAccountAndSource, perSource, perDevice } = stack.config.bruteForce;
    assert.deepEqual(
      { perAccount, perAccountAndSource, perSource, perDevice },
      {
        perAccount: { max: 7, windowS: 4 * 3600 },
        perAccountAndSource: { max: 5, windowS: 900 },
        perSource: { max: 50, windowS: 900 },
        perDevice: { max: 10, windowS: 86_400 },
      },
    );
  });

  it('signs in with the right password, whatever the spelling of the address', async () => {
    const user = await register();
    const result = await login.login(`  ${email.toUpperCase()}`, 'correct horse battery', owner);
    assert.deepEqual(result, { ok: true, user, secondFactors: NONE });
  });

  it('reads the account and its second factors in two requests: the address item, then one Query of the user', async () => {
    const user = await register();
    const directory = { client: stack.documentClient(), tableName: stack.config.tables.directory, clock };
    await new TotpDirectory(directory).activate({ userId: user.id, protectedSecret: 'protected', lastUsedStep: 0, enabledAt: new Date(now).toISOString() }, ['h1', 'h2']);
    const passkeys = new PasskeyDirectory(directory);
    for (const id of ['first', 'second']) {
      await passkeys.add({ id: `${id}-${n}`, userId: user.id, publicKey: new Uint8Array(8), counter: 0, transports: [], backupEligible: false, backedUp: false, aaguid: '00000000-0000-0000-0000-000000000000', name: id, createdAt: new Date(now).toISOString() });
    }
    const counter = countCommands(directory.client);
    const counted = new PasswordLogin({ users: new UserDirectory(directory), hasher, throttle });
    assert.deepEqual(await counted.login(email, 'correct horse battery', owner), { ok: true, user, secondFactors: { totp: true, passkeys: 2 } });
    assert.deepEqual(counter.counts(), { GetItem: 1, Query: 1 });
    assert.equal((await users.findForSignIn(`ghost-${email}`)), undefined);
  });

  it('refuses a wrong password and an unknown address with the same answer', async () => {
    await register();
    assert.deepEqual(await login.login(email, 'wrong password', owner), { ok: false, reason: 'invalid' });
    assert.deepEqual(await login.login(`nobody-${email}`, 'correct horse battery', owner), { ok: false, reason: 'invalid' });
    assert.deepEqual(await login.login('not an address', 'x', owner), { ok: false, reason: 'invalid' });
    assert.deepEqual(await login.login(email, 'x'.repeat(5000), owner), { ok: false, reason: 'invalid' });
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
    assert.equal((await probe.login(`ghost-${email}`, 'whatever123', owner)).ok, false);
    assert.equal(verifies(), 1);
  });

  it('reads the directory as often for an unknown address as for a known one', async () => {
    // Two reads (address item, then user item) for an account and one for no account would tell
    // them apart by timing; the answer and the scrypt work are already the same.
    const client = stack.documentClient();
    const counter = countCommands(client);
    const counted = new PasswordLogin({ users: new UserDirectory({ client, tableName: stack.config.tables.directory, clock }), hasher, throttle });
    await register();
    assert.equal((await counted.login(email, 'wrong password', owner)).ok, false);
    const known = counter.counts();
    counter.reset();
    assert.equal((await counted.login(`ghost-${email}`, 'wrong password', owner)).ok, false);
    assert.deepEqual(counter.counts(), known);
  });

  it('makes 3 TTL-table writes before a sign-in is checked and 3 after it succeeds (1 and 1 with a device cookie), whether or not its windows exist yet', async () => {
    const user = await register();
    const client = stack.documentClient();
    const counter = countCommands(client);
    const counted = new PasswordLogin({
      users,
      hasher,
      throttle: new LoginThrottle({ cache: new TtlCache({ client, tableName: stack.config.tables.cache, clock }), settings: stack.config.bruteForce, clock, kind: 'password' }),
    });
    const device: AttemptOrigin = { ip, device: { account: user.email, deviceId: 'd' } };
    // The first attempt of a window creates its counters in the same updates.
    for (const round of ['first of the window', 'later']) {
      counter.reset();
      assert.equal((await counted.login(email, 'correct horse battery', owner)).ok, true);
      assert.deepEqual(counter.counts(), { UpdateItem: 6 }, round);
      counter.reset();
      assert.equal((await counted.login(email, 'correct horse battery', device)).ok, true);
      assert.deepEqual(counter.counts(), { UpdateItem: 2 }, round);
    }
  });

  it('checks no more guesses than the budget, however many arrive at once, from one source or many', async () => {
    // Counting only after the hash check would let every request of a burst pass the check
    // before the first failure is recorded: 20 parallel guesses instead of 5.
    await register();
    const { hasher: counting, verifies } = countingHasher();
    const probe = new PasswordLogin({ users, hasher: counting, throttle });
    const { perAccount, perAccountAndSource } = stack.config.bruteForce;
    const fromOne = await Promise.all(Array.from({ length: 20 }, (_, i) => probe.login(email, `guess ${i}`, owner)));
    assert.equal(verifies(), perAccountAndSource.max);
    assert.equal(fromOne.filter((r) => !r.ok && r.reason === 'throttled').length, 20 - perAccountAndSource.max);
    const fromMany = await Promise.all(Array.from({ length: 20 }, (_, i) => probe.login(email, `guess ${i}`, bot())));
    assert.equal(verifies(), perAccount.max, 'the account budget caps every unknown source together');
    assert.ok([...fromOne, ...fromMany].every((r) => !r.ok));
  });

  it('does not let an attacker with many sources keep the owner out of a browser holding the device cookie', async () => {
    const user = await register();
    for (let i = 0; i < 60; i++) await login.login(email, `guess ${i}`, bot());
    const unknown = await login.login(email, 'correct horse battery', owner);
    assert.equal(!unknown.ok && unknown.reason, 'throttled', 'unknown sources are slowed');
    assert.ok(!unknown.ok && unknown.reason === 'throttled' && unknown.retryAfterS <= stack.config.bruteForce.perAccount.windowS);
    const device = { account: user.email, deviceId: 'owner-laptop' };
    assert.deepEqual(await login.login(email, 'correct horse battery', { ...bot(), device }), { ok: true, user, secondFactors: NONE });
  });

  it('slows one failing source without slowing the owner from a clean one, and then lets it try again', async () => {
    const user = await register();
    const attacker = bot();
    for (let i = 0; i < 5; i++) assert.deepEqual(await login.login(email, `wrong-${i}`, attacker), { ok: false, reason: 'invalid' }, `failure ${i + 1}`);
    now += 10_000;
    assert.deepEqual(await login.login(email, 'correct horse battery', attacker), { ok: false, reason: 'throttled', retryAfterS: 890 });
    assert.deepEqual(await login.login(email, 'correct horse battery', owner), { ok: true, user, secondFactors: NONE });
    now += 890_000;
    assert.equal((await login.login(email, 'correct horse battery', attacker)).ok, true);
  });

  it('counts the IPv6 addresses of one /64 as one source', async () => {
    await register();
    for (let i = 1; i <= 5; i++) await login.login(email, 'wrong', { ip: `2001:db8:${n}:1::${i}` });
    const sameNetwork = await login.login(email, 'correct horse battery', { ip: `2001:db8:${n}:1:abcd::1` });
    assert.equal(!sameNetwork.ok && sameNetwork.reason, 'throttled');
    assert.equal((await login.login(email, 'correct horse battery', { ip: `2001:db8:${n}:2::1` })).ok, true);
  });

  it('throttles unknown addresses the same way (no enumeration through the refusal)', async () => {
    await register();
    const ghost = `ghost-${email}`;
    const answers = [];
    for (const address of [email, ghost]) {
      const from = bot();
      for (let i = 0; i < 5; i++) await login.login(address, 'guess', from);
      answers.push(await login.login(address, 'guess', from));
    }
    assert.deepEqual(answers[0], answers[1]);
    assert.equal(!answers[0]!.ok && answers[0]!.reason, 'throttled');
  });

  it('does not count a sign-in that succeeds', async () => {
    const user = await register();
    for (let i = 0; i < stack.config.bruteForce.perSource.max + 5; i++) {
      assert.equal((await login.login(user.email, 'correct horse battery', owner)).ok, true, `sign-in ${i + 1}`);
    }
  });

  it('caps a source across many accounts, and only that source', async () => {
    const user = await register();
    const stuffer = bot();
    for (let i = 0; i < 50; i++) await login.login(`victim${i}-${email}`, 'guess', stuffer);
    const fromStuffer = await login.login(user.email, 'correct horse battery', stuffer);
    assert.deepEqual(fromStuffer, { ok: false, reason: 'throttled', retryAfterS: 900 });
    assert.equal((await login.login(user.email, 'correct horse battery', owner)).ok, true, 'other sources are unaffected');
    now += 900_000;
    assert.equal((await login.login(user.email, 'correct horse battery', stuffer)).ok, true);
  });

  const dearer = new PasswordHasher({ argon2id: { ...TEST_PASSWORD_SETTINGS.argon2id, iterations: TEST_PASSWORD_SETTINGS.argon2id.iterations + 1 } });

  it('upgrades the stored hash when the cost parameter changed', async () => {
    const user = await register(email, 'correct horse battery', hasher);
    assert.match(user.passwordHash ?? '', /^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    const stronger = new PasswordLogin({ users, hasher: dearer, throttle });
    const result = await stronger.login(email, 'correct horse battery', owner);
    assert.ok(result.ok);
    const stored = (await users.findById(user.id))?.passwordHash ?? '';
    assert.match(stored, /^\$argon2id\$v=19\$m=1024,t=2,p=1\$/);
    assert.equal(result.user.passwordHash, stored);
    assert.deepEqual(await dearer.verify('correct horse battery', stored), { ok: true, needsRehash: false });
    // A login with unchanged parameters leaves the hash alone.
    assert.ok((await stronger.login(email, 'correct horse battery', owner)).ok);
    assert.equal((await users.findById(user.id))?.passwordHash, stored);
  });

  it('moves a scrypt-era hash to argon2id at the next successful sign-in, not after a wrong password', async () => {
    const legacy = scryptEraHash('correct horse battery');
    const user = await users.create({ email, name: 'U', passwordHash: legacy, emailVerified: true });
    assert.deepEqual(await login.login(email, 'wrong password', owner), { ok: false, reason: 'invalid' });
    assert.equal((await users.findById(user.id))?.passwordHash, legacy);
    const result = await login.login(email, 'correct horse battery', owner);
    assert.ok(result.ok);
    const stored = (await users.findById(user.id))?.passwordHash ?? '';
    assert.match(stored, /^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    assert.equal(result.user.passwordHash, stored);
    assert.deepEqual(await hasher.verify('correct horse battery', stored), { ok: true, needsRehash: false });
  });

  it('does not let an account without a password sign in', async () => {
    await users.create({ email, name: 'No password', emailVerified: true });
    assert.deepEqual(await login.login(email, '', owner), { ok: false, reason: 'invalid' });
  });
});
