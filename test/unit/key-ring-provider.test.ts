/**
 * Provider and cache behaviour that needs injected failures (DynamoDB down, KMS refusing a
 * key): an in-memory repository and an in-process key wrapper. The same code runs against
 * DynamoDB Local and the local KMS in test/integration/dataprotection-*.test.ts.
 */
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { KeyRingCache } from '../../lib/keyring/key-ring-cache.js';
import { KeyRingProvider, NoUsableKeyError } from '../../lib/keyring/key-ring-provider.js';
import { masterKeyKind } from '../../lib/dataprotection/master-key.js';
import { createProtector } from '../../lib/dataprotection/protector.js';
import { KeyUnwrapError } from '../../lib/kms/key-unwrap-error.js';
import { KeyWrapperUnavailableError, type KeyWrapper, type WrapContext } from '../../lib/kms/key-wrapper.js';
import { InMemoryKeyRingRepository } from '../support/in-memory-key-ring-repository.js';
import type { KeyRingRepository } from '../../lib/keyring/key-ring-repository.js';

const settings = { keyLifetimeS: 90 * 86400, successorLeadS: 2 * 86400, refreshIntervalS: 300, unknownKeyRefreshMinIntervalS: 30 };

class TestKeyWrapper implements KeyWrapper {
  private readonly kek = randomBytes(32);
  down = false;
  unwraps = 0;
  async generate(context: WrapContext) {
    const plaintext = randomBytes(32);
    return { plaintext: Uint8Array.from(plaintext), ...(await this.wrap(plaintext, context)) };
  }
  async wrap(plaintext: Uint8Array, context: WrapContext) {
    if (this.down) throw new KeyWrapperUnavailableError(new Error('down'));
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.kek, iv);
    cipher.setAAD(Buffer.from(JSON.stringify([context.app, context.ring, context.keyId])));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { wrapped: Buffer.concat([iv, body, cipher.getAuthTag()]), wrappedBy: 'test' };
  }
  async unwrap(wrapped: Uint8Array, context: WrapContext) {
    this.unwraps++;
    if (this.down) throw new KeyWrapperUnavailableError(new Error('down'));
    const bytes = Buffer.from(wrapped);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.kek, bytes.subarray(0, 12));
      decipher.setAAD(Buffer.from(JSON.stringify([context.app, context.ring, context.keyId])));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]);
    } catch (error) {
      throw new KeyUnwrapError(error);
    }
  }
}

/** Wraps a repository so tests can make DynamoDB "go down". */
class FlakyRepository implements KeyRingRepository {
  down = false;
  constructor(private readonly inner: InMemoryKeyRingRepository) {}
  private check() {
    if (this.down) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  }
  async load(...args: Parameters<KeyRingRepository['load']>) {
    this.check();
    return this.inner.load(args[0]);
  }
  async create(...args: Parameters<KeyRingRepository['create']>) {
    this.check();
    return this.inner.create(...args);
  }
  async revoke(...args: Parameters<KeyRingRepository['revoke']>) {
    this.check();
    return this.inner.revoke(...args);
  }
  async revokeCreatedBefore(...args: Parameters<KeyRingRepository['revokeCreatedBefore']>) {
    this.check();
    return this.inner.revokeCreatedBefore(...args);
  }
}

function setup() {
  const memory = new InMemoryKeyRingRepository();
  const repository = new FlakyRepository(memory);
  const keyWrapper = new TestKeyWrapper();
  const time = { now: Date.parse('2030-01-01T00:00:00Z') };
  const clock = () => time.now;
  const provider = () => new KeyRingProvider({ app: 'identity', kind: masterKeyKind(settings), repository, keyWrapper, clock, ...settings });
  return { memory, repository, keyWrapper, time, clock, provider };
}

describe('KeyRingProvider', () => {
  it('a DynamoDB outage leaves a warm instance working across refreshes; a cold one fails', async () => {
    const { repository, time, clock, provider } = setup();
    const warm = createProtector(provider(), 'identity', clock);
    const payload = await warm.protect(Buffer.from('x'));
    repository.down = true;
    time.now += settings.refreshIntervalS * 1000 + 1;
    assert.equal(Buffer.from(await warm.unprotect(payload)).toString(), 'x');
    assert.equal(Buffer.from(await warm.unprotect(await warm.protect(Buffer.from('y')))).toString(), 'y');
    const cold = createProtector(provider(), 'identity', clock);
    await assert.rejects(cold.unprotect(payload), /ECONNREFUSED/);
    repository.down = false;
    assert.equal(Buffer.from(await cold.unprotect(payload)).toString(), 'x');
  });

  it('a failed refresh is retried after a short pause, not on every call', async () => {
    const { repository, time, provider } = setup();
    const keyRing = provider();
    await keyRing.currentKey();
    let attempts = 0;
    const original = repository.load.bind(repository);
    repository.load = async (...args) => {
      attempts++;
      return original(...args);
    };
    repository.down = true;
    time.now += settings.refreshIntervalS * 1000;
    for (let i = 0; i < 50; i++) await keyRing.currentKey();
    assert.equal(attempts, 1);
    time.now += 10_000;
    await keyRing.currentKey();
    assert.equal(attempts, 2);
  });

  it('a KMS refusal of a stored key is remembered; an outage is not', async () => {
    const { keyWrapper, provider, memory } = setup();
    const first = provider();
    const { record } = await first.currentKey();
    const impostor = { ...record, keyId: '00000000-0000-4000-8000-000000000001', generation: 2 };
    await memory.create('dataprotection', impostor, 'x');
    const keyRing = provider();
    keyWrapper.unwraps = 0;
    assert.deepEqual(await keyRing.keyById(impostor.keyId), { status: 'unusable' });
    assert.deepEqual(await keyRing.keyById(impostor.keyId), { status: 'unusable' });
    assert.equal(keyWrapper.unwraps, 1);

    keyWrapper.down = true;
    await assert.rejects(keyRing.keyById(record.keyId), KeyWrapperUnavailableError);
    keyWrapper.down = false;
    const found = await keyRing.keyById(record.keyId);
    assert.equal(found.status, 'found');
  });

  it('gives up with NoUsableKeyError when the lease can never be won', async () => {
    const { repository, provider } = setup();
    repository.create = async () => false;
    await assert.rejects(provider().currentKey(), NoUsableKeyError);
  });

  it('concurrent callers on a cold instance share one load and one creation', async () => {
    const { memory, provider, keyWrapper } = setup();
    const keyRing = provider();
    const results = await Promise.all(Array.from({ length: 30 }, () => keyRing.currentKey()));
    assert.equal(new Set(results.map((r) => r.record.keyId)).size, 1);
    assert.equal(memory.calls.load, 1);
    assert.equal(memory.calls.create, 1);
    assert.equal(keyWrapper.unwraps, 0, 'the creator uses the key it generated without unwrapping it');
  });
});

describe('KeyRingCache', () => {
  /** Holds the answer of the next load (read from the ring when the load starts) until released. */
  class SlowFirstLoad extends FlakyRepository {
    private hold: Promise<void> | undefined;
    release = () => {};
    holdNextLoad() {
      this.hold = new Promise((resolve) => (this.release = resolve));
    }
    override async load(...args: Parameters<KeyRingRepository['load']>) {
      const hold = this.hold;
      this.hold = undefined;
      const keys = await super.load(...args);
      if (hold !== undefined) await hold;
      return keys;
    }
  }

  async function raced() {
    const { memory, keyWrapper, time, clock, provider } = setup();
    const slow = new SlowFirstLoad(memory);
    const cache = new KeyRingCache({ repository: slow, ring: 'dataprotection', clock, refreshIntervalS: 300, unknownKeyRefreshMinIntervalS: 30 });
    const other = provider();
    const first = await other.currentKey();
    await cache.keys();
    time.now += 301_000;
    slow.holdNextLoad();
    const staleRefresh = cache.keys(); // reads the ring as it is now: the first key only
    return { memory, keyWrapper, time, cache, other, first, slow, staleRefresh };
  }

  it('a refresh that ends after a later consistent read does not put its older ring back', async () => {
    const { cache, other, time, slow, staleRefresh } = await raced();
    time.now += 90 * 86400_000; // the first key expired: another instance makes the next one
    const second = await other.currentKey();
    assert.ok((await cache.reload({ consistent: true })).some((key) => key.keyId === second.record.keyId));
    slow.release();
    await staleRefresh;
    assert.equal(cache.peek(second.record.keyId)?.keyId, second.record.keyId, 'the newer ring is kept');
  });

  it('a read that started before this instance created a key keeps that key', async () => {
    const { cache, first, slow, staleRefresh } = await raced();
    const created = { ...first.record, keyId: '00000000-0000-4000-8000-000000000001', generation: 2 };
    cache.add(created);
    slow.release();
    await staleRefresh;
    assert.equal(cache.peek(created.keyId)?.keyId, created.keyId);
  });
});
