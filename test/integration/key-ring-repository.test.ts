/**
 * How DynamoDbKeyRingRepository holds a ring in the keys table, and paging through a large one.
 * Its behaviour as a KeyRingRepository is the contract suite's (key-ring-repository-contract.test.ts).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { after, before, describe, it } from 'node:test';
import { DynamoDbKeyRingRepository } from '../../lib/store/key-ring-repository.js';
import { keyRecord } from '../support/contracts/key-ring-repository-contract.js';
import { countCommands } from '../support/count-commands.js';
import { withFreshTables } from '../support/dataprotection-worker.js';
import { startTestStack, type TestStack } from '../support/stack.js';

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

describe('DynamoDbKeyRingRepository', () => {
  it('stores the wrapped key as binary, dates as ISO strings, and the lease naming its key', async () => {
    const { repository, client, tableName } = await freshRepository();
    const key = keyRecord();
    assert.equal(await repository.create('signing', key, 'genesis'), true);
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: { pk: 'ring#signing', sk: `key#${key.keyId}` } }));
    assert.ok(Item?.['wrapped'] instanceof Uint8Array, 'wrapped is a binary attribute');
    assert.equal(Item?.['createdAt'], key.createdAt.toISOString());
    const lease = await client.send(new GetCommand({ TableName: tableName, Key: { pk: 'ring#signing', sk: 'lease#genesis' } }));
    assert.equal(lease.Item?.['keyId'], key.keyId);
  });

  it('load follows pagination (a ring larger than one 1 MB page)', async () => {
    const { repository, counter } = await freshRepository();
    const count = 300;
    for (let batch = 0; batch < count; batch += 25) {
      await Promise.all(
        Array.from({ length: 25 }, (_, i) => repository.create('big', keyRecord({ wrapped: randomBytes(4096), generation: batch + i + 1 }), `lease-${batch + i}`)),
      );
    }
    counter.reset();
    const keys = await repository.load('big');
    assert.equal(keys.length, count);
    assert.ok(counter.count('Query') >= 2, `expected several pages, got ${counter.count('Query')} Query`);
  });
});
