import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import type { KeyRingRepository } from '../../lib/keyring/key-ring-repository.js';
import type { KeyWrapper } from '../../lib/kms/key-wrapper.js';
import { SigningKeyPublisher } from '../../lib/signing/signing-jwks.js';
import { SIGNING_RING } from '../../lib/signing/signing-key-policy.js';
import { runKeysCli, UsageError } from '../../scripts/keys.js';
import { useInstanceStack } from '../support/instances.js';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const stack = useInstanceStack();

async function cli(wrap: (repository: KeyRingRepository) => KeyRingRepository = (repository) => repository) {
  const { config, time, start } = await stack.isolatedRing(T0);
  const instance = start();
  const lines: string[] = [];
  const run = async (...argv: string[]) => {
    lines.length = 0;
    await runKeysCli(argv, {
      config,
      repository: wrap(instance.repository),
      keyWrapper: () => instance.keyWrapper,
      now: () => new Date(time.now),
      print: (line) => lines.push(line),
    });
    return [...lines];
  };
  return { run, time, instance, config };
}

describe('scripts/keys.ts', () => {
  it('rotate creates the first key of each ring and the signing successor; list shows them; revoke revokes one', async () => {
    const { run } = await cli();
    assert.deepEqual(await run('list'), ['ring  keyId  created  activates  expires  revoked  status', '(no keys)']);
    const rotated = await run('rotate');
    assert.equal(rotated.length, 3);
    assert.match(rotated[0]!, /^dataprotection: created-immediate successor [0-9a-f-]{36} activates 2030-01-01T00:00:00.000Z$/);
    assert.match(rotated[1]!, /^signing: created-immediate/);
    assert.match(rotated[2]!, /^signing-rs256: created-immediate/, 'the RS256 ring rotates beside the ES256 one');
    const again = await run('rotate');
    assert.equal(again[0], 'dataprotection: none');
    assert.match(again[1]!, /^signing: none successor [0-9a-f-]{36} activates 2030-01-31T00:00:00.000Z$/, 'the successor already waiting');
    assert.match(again[2]!, /^signing-rs256: none successor [0-9a-f-]{36} activates 2030-01-31T00:00:00.000Z$/);

    const listed = await run('list');
    assert.equal(listed.length, 6);
    assert.match(listed[4]!, /^signing-rs256\s+[0-9a-f-]{36}\s+.*\s+default$/);
    assert.match(listed[5]!, /^signing-rs256\s+[0-9a-f-]{36}\s+.*\s+pending$/);
    assert.match(listed[0]!, /^ring\s+keyId\s+created\s+activates\s+expires\s+revoked\s+status$/);
    assert.match(listed[1]!, /^dataprotection\s+[0-9a-f-]{36}\s+2030-01-01T00:00:00Z\s+2030-01-01T00:00:00Z\s+2030-04-01T00:00:00Z\s+-\s+default$/);
    assert.match(listed[2]!, /^signing\s+[0-9a-f-]{36}\s+.*\s+default$/);
    assert.match(listed[3]!, /^signing\s+[0-9a-f-]{36}\s+2030-01-01T00:00:00Z\s+2030-01-31T00:00:00Z\s+.*\s+pending$/, 'the published successor');

    const signingKeyId = /^signing\s+([0-9a-f-]{36})/.exec(listed[2]!)![1]!;
    const revoked = await run('revoke', signingKeyId, '--ring', 'signing');
    assert.equal(revoked[0], `signing: key ${signingKeyId} is revoked`);
    assert.equal(revoked.length, 2, 'and the promoted successor gets its own successor');
    assert.match((await run('list'))[2]!, /2030-01-01T00:00:00Z\s+revoked$/);

    const rsaKeyId = /^signing-rs256\s+([0-9a-f-]{36})/.exec(listed[4]!)![1]!;
    const revokedRsa = await run('revoke', rsaKeyId, '--ring', 'signing-rs256');
    assert.equal(revokedRsa[0], `signing-rs256: key ${rsaKeyId} is revoked`);
    assert.ok((await run('list')).some((line) => new RegExp(`^signing-rs256\\s+${rsaKeyId}\\s.*revoked$`).test(line)));
  });

  it('revoke --created-before revokes every older key of the ring, after creating its replacement', async () => {
    const { run, time } = await cli();
    await run('rotate');
    time.now += 60_000;
    const printed = await run('revoke', '--created-before', '2030-01-01T00:00:30Z');
    assert.deepEqual(printed[0], 'dataprotection: every key created before 2030-01-01T00:00:30.000Z is revoked');
    assert.match(printed[1] ?? '', /^dataprotection: created [0-9a-f-]{36} activates 2030-01-01T00:01:00.000Z$/);
    const listed = await run('list');
    assert.match(listed[1]!, /^dataprotection.*revoked$/);
    assert.match(listed[2]!, /^dataprotection\s+[0-9a-f-]{36}\s+2030-01-01T00:01:00Z.*default$/, 'the replacement');
    assert.match(listed[3]!, /^signing.*default$/, 'other rings untouched');
  });

  it('revoking the signing key in use leaves its published successor to sign, and creates the next one at once', async () => {
    const { run, time, instance, config } = await cli();
    await run('rotate');
    const jwks = async () => (await new SigningKeyPublisher({ config, repository: instance.repository, clock: () => time.now }).publishedKeys()).map((key) => key.kid);
    const [successor, current] = await jwks();
    assert.ok(successor && current, 'rotate publishes the signing key and its successor');
    time.now += (config.signing.propagationS + 60) * 1000;

    const printed = await run('revoke', current, '--ring', 'signing');
    assert.equal(printed[0], `signing: key ${current} is revoked`);
    assert.match(printed[1] ?? '', /^signing: created [0-9a-f-]{36} activates \S+$/, printed.join('\n'));
    const next = /created ([0-9a-f-]{36})/.exec(printed[1]!)![1]!;
    const rsaKids = (await new SigningKeyPublisher({ config, repository: instance.repository, clock: () => time.now }).publishedKeys()).filter((key) => key.alg === 'RS256').map((key) => key.kid);
    assert.equal(rsaKids.length, 2, 'the RS256 ring is untouched');
    assert.deepEqual((await jwks()).filter((kid) => !rsaKids.includes(kid)).sort(), [successor, next].sort(), 'the successor and a new next key, nothing revoked');
    assert.equal((await instance.signing.currentSigningKey()).kid, successor, 'the successor signs at once: it was published long enough');
  });

  it('revoking every signing key creates the replacement first, so JWKS is never empty', async () => {
    const published: string[][] = [];
    let repository: KeyRingRepository | undefined;
    let clockNow = () => T0;
    // Whatever the CLI does, JWKS answered right after each revocation must publish a key.
    const { run, time, config } = await cli((inner) => {
      repository = inner;
      const check = async () => published.push((await new SigningKeyPublisher({ config, repository: inner, clock: clockNow }).publishedKeys()).map((key) => key.kid));
      return {
        load: (ring, options) => inner.load(ring, options),
        create: (ring, record, leaseId) => inner.create(ring, record, leaseId),
        revoke: async (ring, keyId, at) => {
          const revoked = await inner.revoke(ring, keyId, at);
          if (ring === SIGNING_RING) await check();
          return revoked;
        },
        revokeCreatedBefore: async (ring, createdBefore, at) => {
          await inner.revokeCreatedBefore(ring, createdBefore, at);
          if (ring === SIGNING_RING) await check();
        },
      };
    });
    clockNow = () => time.now;
    await run('rotate');
    time.now += 3600_000;
    const printed = await run('revoke', '--created-before', new Date(time.now).toISOString(), '--ring', 'signing');
    assert.ok(printed.some((line) => /^signing: created [0-9a-f-]{36}/.test(line)), printed.join('\n'));
    assert.equal(published.length, 1);
    assert.ok(published[0]!.length > 0, 'JWKS still publishes a key right after the revocation');
    const keys = await repository!.load(SIGNING_RING, { consistent: true });
    assert.ok(keys.some((key) => key.revokedAt === undefined && published[0]!.includes(key.keyId)), 'the published key is a replacement, not a revoked key');
  });

  it('revoke goes through without KMS access, and says that no replacement was made', async () => {
    const { time, instance, config } = await stack.isolatedRing(T0).then(async (ring) => ({ ...ring, instance: ring.start() }));
    const deps = (keyWrapper: () => KeyWrapper) => ({ config, repository: instance.repository, keyWrapper, now: () => new Date(time.now), print: () => {} });
    await runKeysCli(['rotate'], deps(() => instance.keyWrapper));
    time.now += 60_000;
    const noKms = deps(() => {
      throw new Error('KMS_KEY_ID is required');
    });
    await assert.rejects(runKeysCli(['revoke', '--created-before', new Date(time.now).toISOString(), '--ring', 'signing'], noKms), /revoked, but no replacement could be created/);
    const keys = await instance.repository.load(SIGNING_RING, { consistent: true });
    assert.ok(keys.length > 0 && keys.every((key) => key.revokedAt !== undefined), 'every signing key is revoked all the same');
  });

  it('rejects bad input with a usage error', async () => {
    const { run } = await cli();
    await assert.rejects(run(), UsageError);
    await assert.rejects(run('explode'), UsageError);
    await assert.rejects(run('revoke'), UsageError);
    await assert.rejects(run('revoke', 'a', 'b'), UsageError);
    await assert.rejects(run('revoke', '00000000-0000-4000-8000-000000000000'), /has no key/);
    await assert.rejects(run('revoke', '--created-before', 'yesterday'), UsageError);
    await assert.rejects(run('list', '--ring', 'nope'), UsageError);
    await assert.rejects(run('list', '--unknown-flag'), UsageError);
  });

  it('revoke --created-before refuses dates new Date() would misread, and dates in the future', async () => {
    const { run } = await cli();
    await run('rotate');
    // new Date() reads these as 2030-03-02, a day in June, and local midnight.
    for (const bad of ['2030-02-30', '2029-11-01 x', '2029-11-01T00:00:00', '2029-11-01T25:00:00Z', '01/02/2029']) {
      await assert.rejects(run('revoke', '--created-before', bad), UsageError, bad);
    }
    await assert.rejects(run('revoke', '--created-before', '2030-01-02'), (error: unknown) => error instanceof UsageError && /in the future/.test(error.message));
    const listed = await run('list');
    assert.ok(listed.slice(1).every((line) => !line.endsWith('revoked')), 'nothing revoked');
    assert.deepEqual(await run('revoke', '--created-before', '2030-01-01T01:00:00+02:00'), ['dataprotection: every key created before 2029-12-31T23:00:00.000Z is revoked']);
    assert.deepEqual(await run('revoke', '--created-before', '2029-12-31'), ['dataprotection: every key created before 2029-12-31T00:00:00.000Z is revoked']);
  });

  it('runs as a program with configuration from the environment: the keys table, and KMS only to wrap keys', async () => {
    const { config, run } = await cli();
    await run('rotate');
    // What a web function needs and this CLI does not: none of it has to be set (or faked).
    const keysOnly: NodeJS.ProcessEnv = { ...process.env, ...stack.env, KEYS_TABLE: config.tables.keys, NODE_NO_WARNINGS: '1' };
    for (const name of ['ISSUER', 'CACHE_TABLE', 'DIRECTORY_TABLE', 'KMS_KEY_ID']) delete keysOnly[name];
    const keys = (...argv: string[]) => promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/keys.ts', ...argv], { env: keysOnly });
    const lines = (await keys('list')).stdout.trim().split('\n');
    assert.equal(lines.length, 6);
    assert.match(lines[1]!, /^dataprotection\s+[0-9a-f-]{36}/);
    await assert.rejects(keys('rotate'), (error: { stderr: string }) => /KMS_KEY_ID is required/.test(error.stderr));
  });
});
