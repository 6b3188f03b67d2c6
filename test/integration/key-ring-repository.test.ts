import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { after, before, describe, it } from 'node:test';
import type { KeyRecord } from '../../lib/keyring/key-ring-policy.js';
import { DynamoDbKeyRingRepository } from '../../lib/store/key-ring-repository.js';
import { countCommands } from '../support/count-commands.js';
import { withFreshTables } from '../support/dataprotection-worker.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const T0 = Date.parse('2030-01-01T00:00:00Z');
let stack: TestStack;

before(async () => {
  stack = await startTestStack();
});
after(async () => {
  await stack.close();
});

async function freshRepository() {
  const config = await withFreshTables(stack.config);
  const client = stack.documentClient();
  return { repository: new DynamoDbKeyRingRepository({ client, tableName: config.tables.keys }), client, tableName: config.tables.keys, counter: countCommands(client) };
}

function record(overrides: Partial<KeyRecord> = {}): KeyRecord {
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

describe('DynamoDbKeyRingRepository', () => {
  it('stores and loads a key record exactly, wrapped key as binary', async () => {
    const { repository, client, tableName } = await freshRepository();
    const key = record({ publicJwk: { kty: 'EC', crv: 'P-256', x: 'abc', y: 'def' } });
    assert.equal(await repository.create('signing', key, 'genesis'), true);
    const [loaded] = await repository.load('signing', { consistent: true });
    assert.deepEqual({ ...loaded, wrapped: Buffer.from(loaded!.wrapped) }, { ...key, wrapped: Buffer.from(key.wrapped) });

    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: { pk: 'ring#signing', sk: `key#${key.keyId}` } }));
    assert.ok(Item?.['wrapped'] instanceof Uint8Array, 'wrapped is a binary attribute');
    assert.equal(Item?.['createdAt'], new Date(T0).toISOString());
    const lease = await client.send(new GetCommand({ TableName: tableName, Key: { pk: 'ring#signing', sk: 'lease#genesis' } }));
    assert.equal(lease.Item?.['keyId'], key.keyId);
  });

  it('rings are separate partitions', async () => {
    const { repository } = await freshRepository();
    await repository.create('a', record(), 'genesis');
    assert.equal((await repository.load('b')).length, 0);
    assert.equal((await repository.load('a', { consistent: true })).length, 1);
  });

  it('the second creator of a lease loses and its key is not written', async () => {
    const { repository } = await freshRepository();
    assert.equal(await repository.create('r', record(), 'genesis'), true);
    const loser = record();
    assert.equal(await repository.create('r', loser, 'genesis'), false);
    const keys = await repository.load('r', { consistent: true });
    assert.equal(keys.length, 1);
    assert.ok(!keys.some((key) => key.keyId === loser.keyId));
  });

  it('of 10 concurrent creators of one lease exactly one wins', async () => {
    const { repository } = await freshRepository();
    const results = await Promise.all(Array.from({ length: 10 }, () => repository.create('r', record(), 'genesis')));
    assert.equal(results.filter(Boolean).length, 1);
    assert.equal((await repository.load('r', { consistent: true })).length, 1);
  });

  it('revoke sets revokedAt once, keeps the earliest, and reports unknown keys', async () => {
    const { repository } = await freshRepository();
    const key = record();
    await repository.create('r', key, 'genesis');
    assert.equal(await repository.revoke('r', key.keyId, new Date(T0 + 5)), true);
    assert.equal(await repository.revoke('r', key.keyId, new Date(T0 + 9)), true);
    const [loaded] = await repository.load('r', { consistent: true });
    assert.equal(loaded?.revokedAt?.getTime(), T0 + 5);
    assert.equal(await repository.revoke('r', randomUUID(), new Date(T0)), false);
    assert.equal((await repository.load('r', { consistent: true })).length, 1, 'revoking an unknown id creates nothing');
  });

  it('revokeCreatedBefore covers earlier keys, and keys added later with an earlier createdAt', async () => {
    const { repository } = await freshRepository();
    const early = record({ createdAt: new Date(T0) });
    const late = record({ createdAt: new Date(T0 + 10_000), generation: 2 });
    await repository.create('r', early, 'genesis');
    await repository.create('r', late, `after-${early.keyId}`);
    await repository.revokeCreatedBefore('r', new Date(T0 + 5_000), new Date(T0 + 20_000));
    // A racing instance with a slow clock adds a key "created" before the date afterwards.
    const straggler = record({ createdAt: new Date(T0 + 1_000), generation: 3 });
    await repository.create('r', straggler, `after-${late.keyId}`);
    const byId = new Map((await repository.load('r', { consistent: true })).map((key) => [key.keyId, key]));
    assert.equal(byId.get(early.keyId)?.revokedAt?.getTime(), T0 + 20_000);
    assert.equal(byId.get(late.keyId)?.revokedAt, undefined);
    assert.equal(byId.get(straggler.keyId)?.revokedAt?.getTime(), T0 + 20_000);
  });

  it('refuses a created-before date in the future', async () => {
    const { repository } = await freshRepository();
    await assert.rejects(repository.revokeCreatedBefore('r', new Date(T0 + 1), new Date(T0)), RangeError);
  });

  it('load follows pagination (a ring larger than one 1 MB page)', async () => {
    const { repository, counter } = await freshRepository();
    const count = 300;
    for (let batch = 0; batch < count; batch += 25) {
      await Promise.all(
        Array.from({ length: 25 }, (_, i) => repository.create('big', record({ wrapped: randomBytes(4096), generation: batch + i + 1 }), `lease-${batch + i}`)),
      );
    }
    counter.reset();
    const keys = await repository.load('big');
    assert.equal(keys.length, count);
    assert.ok(counter.count('Query') >= 2, `expected several pages, got ${counter.count('Query')} Query`);
  });
});
