/**
 * What each instance costs in DynamoDB and KMS calls: DynamoDB counted by an SDK middleware on
 * the instance's own client, KMS at the local KMS endpoint.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, beforeEach, describe, it } from 'node:test';
import type { Config } from '../../lib/config.js';
import { UnprotectError } from '../../lib/dataprotection/unprotect-error.js';
import { KeyWrapperUnavailableError } from '../../lib/kms/key-wrapper.js';
import { withFreshTables, type Instance } from '../support/dataprotection-worker.js';
import { useInstanceStack } from '../support/instances.js';

const T0 = Date.parse('2030-01-01T00:00:00Z');

const stack = useInstanceStack();
const time = { now: T0 };
const clock = () => time.now;

beforeEach(() => {
  stack.kms.setFault(null);
});

function start(config?: Config): Instance {
  return stack.start(config, { clock });
}

function forge(payload: string, keyId: string): string {
  const bytes = Buffer.from(payload, 'base64url');
  Buffer.from(keyId.replaceAll('-', ''), 'hex').copy(bytes, 4);
  return bytes.toString('base64url');
}

function kmsCalls(): number {
  return Object.values(stack.kms.calls()).reduce((sum, n) => sum + n, 0);
}

describe('calls per instance', () => {
  let payloadFromA: string;

  before(async () => {
    // The ring exists before the instances under test start.
    const a = start();
    payloadFromA = await a.protector.forPurpose('calls').protect(Buffer.from('from A'));
  });

  it('a cold instance: first protect = one Query + one KMS Decrypt; warm: none', async () => {
    const b = start();
    stack.kms.resetCalls();
    await b.protector.forPurpose('calls').protect(Buffer.from('first'));
    assert.deepEqual(b.dynamo.counts(), { Query: 1 });
    assert.deepEqual(stack.kms.calls(), { Decrypt: 1 });

    b.dynamo.reset();
    stack.kms.resetCalls();
    for (let i = 0; i < 20; i++) await b.protector.forPurpose('calls').protect(Buffer.from(`warm ${i}`));
    assert.equal(Buffer.from(await b.protector.forPurpose('calls').unprotect(payloadFromA)).toString(), 'from A');
    assert.equal(b.dynamo.total(), 0);
    assert.equal(kmsCalls(), 0);
  });

  it('a cold instance: first unprotect = one Query + one KMS Decrypt', async () => {
    const c = start();
    stack.kms.resetCalls();
    assert.equal(Buffer.from(await c.protector.forPurpose('calls').unprotect(payloadFromA)).toString(), 'from A');
    assert.deepEqual(c.dynamo.counts(), { Query: 1 });
    assert.deepEqual(stack.kms.calls(), { Decrypt: 1 });
  });

  it('concurrent first calls on one cold instance share one Query and one Decrypt', async () => {
    const d = start();
    stack.kms.resetCalls();
    const protector = d.protector.forPurpose('calls');
    const payloads = await Promise.all(Array.from({ length: 50 }, (_, i) => protector.protect(Buffer.from(`p${i}`))));
    await Promise.all([...payloads, payloadFromA].map((payload) => protector.unprotect(payload)));
    assert.deepEqual(d.dynamo.counts(), { Query: 1 });
    assert.deepEqual(stack.kms.calls(), { Decrypt: 1 });
  });

  it('the ring is re-read after the refresh interval, with no KMS call', async () => {
    const e = start();
    await e.protector.protect(Buffer.from('x'));
    e.dynamo.reset();
    stack.kms.resetCalls();
    time.now += stack.config.dataProtection.refreshIntervalS * 1000 - 1;
    await e.protector.protect(Buffer.from('x'));
    assert.equal(e.dynamo.total(), 0);
    time.now += 1;
    await e.protector.protect(Buffer.from('x'));
    await e.protector.protect(Buffer.from('x'));
    assert.deepEqual(e.dynamo.counts(), { Query: 1 });
    assert.equal(kmsCalls(), 0);
  });

  it('1,000 payloads with random unknown key ids cost at most a handful of reads', async () => {
    const f = start();
    const protector = f.protector.forPurpose('calls');
    const genuine = await protector.protect(Buffer.from('genuine'));
    f.dynamo.reset();
    stack.kms.resetCalls();

    const minIntervalMs = stack.config.dataProtection.unknownKeyRefreshMinIntervalS * 1000;
    let unknown = 0;
    for (let round = 0; round < 4; round++) {
      // 250 at once, then 250 more after the rate-limit window: each round may cost one read.
      time.now += minIntervalMs;
      const results = await Promise.allSettled(Array.from({ length: 250 }, () => protector.unprotect(forge(genuine, randomUUID()))));
      for (const result of results) {
        assert.equal(result.status, 'rejected');
        assert.ok(result.reason instanceof UnprotectError && result.reason.code === 'unknown_key');
        unknown++;
      }
    }
    assert.equal(unknown, 1000);
    assert.ok(f.dynamo.count('Query') <= 4, `Queries: ${f.dynamo.count('Query')}`);
    assert.ok(f.dynamo.count('Query') >= 1, 'an unknown key id does trigger a re-read once the window passed');
    assert.equal(kmsCalls(), 0);
  });

  it('1,000 unknown key ids inside one rate-limit window cost no read at all on a warm instance', async () => {
    const g = start();
    const protector = g.protector.forPurpose('calls');
    const genuine = await protector.protect(Buffer.from('genuine'));
    g.dynamo.reset();
    for (let i = 0; i < 1000; i++) {
      await assert.rejects(protector.unprotect(forge(genuine, randomUUID())), UnprotectError);
    }
    assert.equal(g.dynamo.total(), 0);
  });

  it('an unknown key id that another instance just created is found by one immediate re-read', async () => {
    const config = await withFreshTables(stack.config);
    const warm = start(config);
    await warm.protector.protect(Buffer.from('creates the first key'));
    const { record: first } = await warm.keyRing.currentKey();
    await warm.repository.revoke('dataprotection', first.keyId, new Date(time.now));
    // Another instance (cold, sees the revocation) creates the next key and protects with it.
    const other = start(config);
    const payload = await other.protector.protect(Buffer.from('new key'));
    warm.dynamo.reset();
    time.now += stack.config.dataProtection.unknownKeyRefreshMinIntervalS * 1000;
    assert.equal(Buffer.from(await warm.protector.unprotect(payload)).toString(), 'new key');
    assert.deepEqual(warm.dynamo.counts(), { Query: 1 });
  });

  it('a payload under an older key costs one more Decrypt, once', async () => {
    // A ring where key 1 expired (still unprotects) and key 2 is the default.
    const config2 = await withFreshTables(stack.config);
    const writer = start(config2);
    const older = await writer.protector.protect(Buffer.from('older'));
    time.now += stack.config.dataProtection.keyLifetimeS * 1000;
    await writer.protector.protect(Buffer.from('newer')); // creates key 2
    const cold = start(config2);
    stack.kms.resetCalls();
    await cold.protector.protect(Buffer.from('x'));
    assert.deepEqual(stack.kms.calls(), { Decrypt: 1 });
    assert.equal(Buffer.from(await cold.protector.unprotect(older)).toString(), 'older');
    assert.equal(Buffer.from(await cold.protector.unprotect(older)).toString(), 'older');
    assert.deepEqual(stack.kms.calls(), { Decrypt: 2 });
    assert.deepEqual(cold.dynamo.counts(), { Query: 1 });
  });
});

describe('KMS outage', () => {
  it('warm instances keep working; cold ones get KeyWrapperUnavailableError, then recover', async () => {
    const config = await withFreshTables(stack.config);
    const warm = start(config);
    const protector = warm.protector.forPurpose('outage');
    const before = await protector.protect(Buffer.from('before the outage'));

    stack.kms.setFault({ status: 500 });
    try {
      const during = await protector.protect(Buffer.from('during the outage'));
      assert.equal(Buffer.from(await protector.unprotect(before)).toString(), 'before the outage');
      assert.equal(Buffer.from(await protector.unprotect(during)).toString(), 'during the outage');
      // Even across a ring refresh: refreshing needs DynamoDB only.
      time.now += config.dataProtection.refreshIntervalS * 1000;
      await protector.protect(Buffer.from('after a refresh'));

      const cold = start(config);
      await assert.rejects(cold.protector.forPurpose('outage').protect(Buffer.from('x')), KeyWrapperUnavailableError);
      await assert.rejects(cold.protector.forPurpose('outage').unprotect(before), KeyWrapperUnavailableError);
      // A failed unwrap is not remembered: once KMS is back, the same instance works.
      stack.kms.setFault(null);
      assert.equal(Buffer.from(await cold.protector.forPurpose('outage').unprotect(during)).toString(), 'during the outage');
    } finally {
      stack.kms.setFault(null);
    }
  });

  it('a cold instance on an empty ring during an outage gets KeyWrapperUnavailableError and creates nothing', async () => {
    const config = await withFreshTables(stack.config);
    const cold = start(config);
    stack.kms.setFault({ operations: ['GenerateDataKey'], status: 503 });
    try {
      await assert.rejects(cold.protector.protect(Buffer.from('x')), KeyWrapperUnavailableError);
      assert.equal((await cold.repository.load('dataprotection', { consistent: true })).length, 0);
    } finally {
      stack.kms.setFault(null);
    }
    await cold.protector.protect(Buffer.from('x'));
    assert.equal((await cold.repository.load('dataprotection', { consistent: true })).length, 1);
  });
});
