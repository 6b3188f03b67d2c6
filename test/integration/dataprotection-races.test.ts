/**
 * Many cold instances starting together on an empty ring: exactly one key, used by all.
 * ASP.NET's documented failure mode is each instance making its own key.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { DATA_PROTECTION_RING } from '../../lib/dataprotection/master-key.js';
import { SIGNING_RING } from '../../lib/signing/signing-key-policy.js';
import { withFreshTables } from '../support/dataprotection-worker.js';
import { useInstanceStack } from '../support/instances.js';

const stack = useInstanceStack();

describe('in-process instances', () => {
  it('20 cold instances on an empty table create exactly one key and read each other', async () => {
    const config = await withFreshTables(stack.config);
    const group = Array.from({ length: 20 }, () => stack.start(config));
    stack.kms.resetCalls();

    const payloads = await Promise.all(group.map((instance, i) => instance.protector.forPurpose('race').protect(Buffer.from(`from ${i}`))));

    const keys = await group[0]!.repository.load(DATA_PROTECTION_RING, { consistent: true });
    assert.equal(keys.length, 1, 'exactly one data-protection key');
    const keyId = keys[0]!.keyId;
    for (const instance of group) assert.equal((await instance.keyRing.currentKey()).record.keyId, keyId);
    for (const instance of group) {
      const protector = instance.protector.forPurpose('race');
      const plaintexts = await Promise.all(payloads.map(async (payload) => Buffer.from(await protector.unprotect(payload)).toString()));
      assert.deepEqual(plaintexts, payloads.map((_, i) => `from ${i}`));
    }
    // Every instance tried to win (one GenerateDataKey each at most); losers unwrapped the winner's key.
    const calls = stack.kms.calls();
    assert.ok((calls['GenerateDataKey'] ?? 0) <= 20);
    assert.ok((calls['Decrypt'] ?? 0) <= 19);
  });

  it('20 cold instances create exactly one signing key and all sign with it', async () => {
    const config = await withFreshTables(stack.config);
    const group = Array.from({ length: 20 }, () => stack.start(config));
    const kids = await Promise.all(group.map(async (instance) => (await instance.signing.currentSigningKey()).kid));
    const keys = await group[0]!.repository.load(SIGNING_RING, { consistent: true });
    assert.equal(keys.length, 1);
    assert.deepEqual(new Set(kids), new Set([keys[0]!.keyId]));
  });

  it('an instance whose clock runs behind uses the key another instance just created', async () => {
    const config = await withFreshTables(stack.config);
    const t = Date.parse('2030-01-01T00:00:00Z');
    const ahead = stack.start(config, { clock: () => t });
    const behind = stack.start(config, { clock: () => t - 2000 });
    const payload = await ahead.protector.protect(Buffer.from('x'));
    const other = await behind.protector.protect(Buffer.from('y'));
    assert.equal((await ahead.repository.load(DATA_PROTECTION_RING, { consistent: true })).length, 1);
    assert.equal(Buffer.from(await behind.protector.unprotect(payload)).toString(), 'x');
    assert.equal(Buffer.from(await ahead.protector.unprotect(other)).toString(), 'y');
  });

  it('after everything is revoked, 20 warm instances replace it with exactly one key', async () => {
    const config = await withFreshTables(stack.config);
    const time = { now: Date.parse('2030-01-01T00:00:00Z') };
    const group = Array.from({ length: 20 }, () => stack.start(config, { clock: () => time.now }));
    await Promise.all(group.map((instance) => instance.protector.protect(Buffer.from('x'))));
    time.now += 1000;
    await group[0]!.repository.revokeCreatedBefore(DATA_PROTECTION_RING, new Date(time.now), new Date(time.now));
    time.now += config.dataProtection.refreshIntervalS * 1000;
    const payloads = await Promise.all(group.map((instance) => instance.protector.protect(Buffer.from('y'))));
    const usable = (await group[0]!.repository.load(DATA_PROTECTION_RING, { consistent: true })).filter((key) => !key.revokedAt);
    assert.equal(usable.length, 1);
    for (const payload of payloads) assert.equal(Buffer.from(await group[19]!.protector.unprotect(payload)).toString(), 'y');
  });
});

describe('separate OS processes', () => {
  const workerPath = fileURLToPath(new URL('../support/dataprotection-worker.ts', import.meta.url));

  interface Worker {
    child: ChildProcessWithoutNullStreams;
    next(): Promise<Record<string, unknown>>;
    send(message: unknown): void;
  }

  function spawnWorker(env: Record<string, string>): Worker {
    const child = spawn(process.execPath, ['--import', 'tsx', workerPath], {
      env: { ...process.env, ...env, NODE_NO_WARNINGS: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    return {
      child,
      async next() {
        const line = await lines.next();
        if (line.done) throw new Error(`worker exited: ${stderr}`);
        return JSON.parse(line.value) as Record<string, unknown>;
      },
      send(message) {
        child.stdin.write(`${JSON.stringify(message)}\n`);
      },
    };
  }

  it('two processes sharing only DynamoDB Local and local KMS create one key and read each other', async () => {
    const config = await withFreshTables(stack.config);
    const env = { ...stack.env, KEYS_TABLE: config.tables.keys, CACHE_TABLE: config.tables.cache, DIRECTORY_TABLE: config.tables.directory };
    const workers = [spawnWorker(env), spawnWorker(env)];
    try {
      for (const worker of workers) assert.deepEqual(await worker.next(), { ready: true });
      // Both cold, both released at once on an empty ring.
      workers.forEach((worker, i) => worker.send({ protect: `from process ${i}` }));
      const payloads = await Promise.all(workers.map(async (worker) => (await worker.next())['payload'] as string));
      for (const payload of payloads) assert.equal(typeof payload, 'string');

      workers.forEach((worker) => worker.send({ unprotect: payloads }));
      for (const worker of workers) assert.deepEqual(await worker.next(), { plaintexts: ['from process 0', 'from process 1'] });

      const repository = stack.start(config);
      assert.equal((await repository.repository.load(DATA_PROTECTION_RING, { consistent: true })).length, 1);
    } finally {
      for (const worker of workers) {
        worker.child.stdin.end();
        if (worker.child.exitCode === null) await new Promise((resolve) => worker.child.once('exit', resolve));
      }
    }
  });
});
