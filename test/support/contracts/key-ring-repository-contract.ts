/**
 * What every `KeyRingRepository` must do, run against the DynamoDB adapter on DynamoDB Local
 * (test/integration) and against the in-memory fake (test/unit). How DynamoDB holds the items,
 * and paging through a large ring, stay in test/integration/key-ring-repository.test.ts.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { KeyRecord } from '../../../lib/keyring/key-ring-policy.js';
import type { KeyRingRepository } from '../../../lib/keyring/key-ring-repository.js';

export interface KeyRingRepositorySubject {
  /** Runs before the cases (e.g. creates tables); `open` is called only after it. */
  setUp?(): Promise<void>;
  tearDown?(): Promise<void>;
  /** A repository over the suite's shared state, as another instance would open it (its own client). */
  open(): KeyRingRepository;
}

const T0 = Date.parse('2030-01-01T00:00:00Z');

export function keyRecord(overrides: Partial<KeyRecord> = {}): KeyRecord {
  return {
    keyId: randomUUID(),
    generation: 1,
    createdAt: new Date(T0),
    activatesAt: new Date(T0 + 1000),
    expiresAt: new Date(T0 + 90_000),
    wrapped: randomBytes(64),
    wrappedBy: 'arn:aws:kms:us-east-1:000000000000:key/test',
    alg: 'A256GCM-HKDF-SHA256',
    ...overrides,
  };
}

/** Wrapped bytes compared by value, whatever Uint8Array subclass the store returns. */
function comparable(record: KeyRecord | undefined) {
  return record && { ...record, wrapped: Buffer.from(record.wrapped) };
}

export function describeKeyRingRepositoryContract(name: string, subjectFor: () => KeyRingRepositorySubject): void {
  describe(`KeyRingRepository contract: ${name}`, () => {
    const subject = subjectFor();
    let repository: KeyRingRepository;
    /** Each case has rings of its own, so the cases share one table. */
    const ringName = (label: string) => `${label}-${randomUUID()}`;

    before(async () => {
      await subject.setUp?.();
      repository = subject.open();
    });
    after(() => subject.tearDown?.());

    it('stores and loads a key record exactly', async () => {
      const ring = ringName('signing');
      const key = keyRecord({ publicJwk: { kty: 'EC', crv: 'P-256', x: 'abc', y: 'def' } });
      const plain = keyRecord({ generation: 2 });
      assert.equal(await repository.create(ring, key, 'genesis'), true);
      assert.equal(await repository.create(ring, plain, `after-${key.keyId}`), true);
      const loaded = await repository.load(ring, { consistent: true });
      const byId = new Map(loaded.map((record) => [record.keyId, record]));
      assert.deepEqual(comparable(byId.get(key.keyId)), comparable(key));
      assert.deepEqual(comparable(byId.get(plain.keyId)), comparable(plain));
      assert.equal('publicJwk' in byId.get(plain.keyId)!, false);
      assert.equal('revokedAt' in byId.get(plain.keyId)!, false);
    });

    it('hands out copies: changing a loaded record changes nothing stored', async () => {
      const ring = ringName('copies');
      const key = keyRecord();
      await repository.create(ring, key, 'genesis');
      key.wrapped[0] = key.wrapped[0]! ^ 0xff;
      const [loaded] = await repository.load(ring, { consistent: true });
      assert.notDeepEqual(Buffer.from(loaded!.wrapped), Buffer.from(key.wrapped), 'the stored record is not the caller object');
      loaded!.expiresAt.setTime(0);
      assert.equal((await repository.load(ring, { consistent: true }))[0]?.expiresAt.getTime(), T0 + 90_000);
    });

    it('rings are separate', async () => {
      const [a, b] = [ringName('a'), ringName('b')];
      await repository.create(a, keyRecord(), 'genesis');
      assert.equal((await repository.load(b, { consistent: true })).length, 0);
      assert.equal((await repository.load(a, { consistent: true })).length, 1);
      assert.equal(await repository.create(b, keyRecord(), 'genesis'), true, 'a lease belongs to its ring');
    });

    it('the second creator of a lease loses and its key is not written', async () => {
      const ring = ringName('lease');
      assert.equal(await repository.create(ring, keyRecord(), 'genesis'), true);
      const loser = keyRecord();
      assert.equal(await repository.create(ring, loser, 'genesis'), false);
      const keys = await repository.load(ring, { consistent: true });
      assert.equal(keys.length, 1);
      assert.ok(!keys.some((key) => key.keyId === loser.keyId));
    });

    it('of 10 concurrent creators of one lease, on separate instances, exactly one wins', async () => {
      const ring = ringName('race');
      const results = await Promise.all(Array.from({ length: 10 }, () => subject.open().create(ring, keyRecord(), 'genesis')));
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal((await repository.load(ring, { consistent: true })).length, 1);
    });

    it('revoke sets revokedAt once, keeps the earliest, and reports unknown keys', async () => {
      const ring = ringName('revoke');
      const key = keyRecord();
      await repository.create(ring, key, 'genesis');
      assert.equal(await repository.revoke(ring, key.keyId, new Date(T0 + 5)), true);
      assert.equal(await repository.revoke(ring, key.keyId, new Date(T0 + 9)), true);
      const [loaded] = await repository.load(ring, { consistent: true });
      assert.equal(loaded?.revokedAt?.getTime(), T0 + 5);
      assert.equal(await repository.revoke(ring, randomUUID(), new Date(T0)), false);
      assert.equal(await repository.revoke(ringName('other'), key.keyId, new Date(T0)), false, 'a key id of another ring is unknown');
      assert.equal((await repository.load(ring, { consistent: true })).length, 1, 'revoking an unknown id creates nothing');
    });

    it('revokeCreatedBefore covers earlier keys, and keys added later with an earlier createdAt', async () => {
      const ring = ringName('before');
      const early = keyRecord({ createdAt: new Date(T0) });
      const late = keyRecord({ createdAt: new Date(T0 + 10_000), generation: 2 });
      await repository.create(ring, early, 'genesis');
      await repository.create(ring, late, `after-${early.keyId}`);
      await repository.revokeCreatedBefore(ring, new Date(T0 + 5_000), new Date(T0 + 20_000));
      // A racing instance with a slow clock adds a key "created" before the date afterwards.
      const straggler = keyRecord({ createdAt: new Date(T0 + 1_000), generation: 3 });
      await repository.create(ring, straggler, `after-${late.keyId}`);
      const byId = new Map((await repository.load(ring, { consistent: true })).map((key) => [key.keyId, key]));
      assert.equal(byId.get(early.keyId)?.revokedAt?.getTime(), T0 + 20_000);
      assert.equal(byId.get(late.keyId)?.revokedAt, undefined);
      assert.equal(byId.get(straggler.keyId)?.revokedAt?.getTime(), T0 + 20_000);
    });

    it('a ring-wide revocation keeps its first revocation time', async () => {
      const ring = ringName('again');
      const key = keyRecord({ createdAt: new Date(T0) });
      await repository.create(ring, key, 'genesis');
      await repository.revokeCreatedBefore(ring, new Date(T0 + 5_000), new Date(T0 + 20_000));
      await repository.revokeCreatedBefore(ring, new Date(T0 + 5_000), new Date(T0 + 30_000));
      assert.equal((await repository.load(ring, { consistent: true }))[0]?.revokedAt?.getTime(), T0 + 20_000);
    });

    it('refuses a created-before date later than the revocation time', async () => {
      await assert.rejects(repository.revokeCreatedBefore(ringName('future'), new Date(T0 + 1), new Date(T0)), RangeError);
    });
  });
}
