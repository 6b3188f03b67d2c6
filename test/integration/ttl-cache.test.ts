/**
 * What only the DynamoDB TtlCache can get wrong: items DynamoDB still holds after their expiry,
 * and items written by something else. Its behaviour as a TtlStore is the contract suite's
 * (ttl-store-contract.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { TtlCache } from '../../lib/store/ttl-cache.js';
import { startTestStack, type TestStack } from '../support/stack.js';

describe('TtlCache on DynamoDB Local', () => {
  let stack: TestStack;
  // Start at the real time: DynamoDB Local 3.x deletes items whose ttl is in the real past
  // within seconds, and these tests need expired-by-our-clock items to still be present.
  let now = Date.now();
  const clock = () => now;
  let cache: TtlCache;
  const raw = async (pk: string) => (await stack.documentClient().send(new GetCommand({ TableName: stack.config.tables.cache, Key: { pk } }))).Item;

  before(async () => {
    stack = await startTestStack();
    cache = new TtlCache({ client: stack.documentClient(), tableName: stack.config.tables.cache, clock });
  });
  after(() => stack.close());

  it('stores the key as pk and the expiry as the epoch-seconds ttl attribute', async () => {
    await cache.put('item#shape', { value: 'a' }, 60);
    assert.deepEqual(await raw('item#shape'), { pk: 'item#shape', value: 'a', ttl: Math.floor(now / 1000) + 60 });
  });

  it('filters an expired item that DynamoDB still holds', async () => {
    await cache.put('item#1', { value: 'a' }, 60);
    now += 61_000;
    assert.equal(await cache.get('item#1'), undefined);
    // The item is physically still there: prove the read filtered it, not DynamoDB.
    assert.equal((await raw('item#1'))?.value, 'a');
    assert.equal(await cache.consume('item#1'), undefined, 'an expired item cannot be consumed');
  });

  it('does not trust an item without ttl as live', async () => {
    await stack.documentClient().send(new PutCommand({ TableName: stack.config.tables.cache, Item: { pk: 'no-ttl', v: 1 } }));
    assert.equal(await cache.get('no-ttl'), undefined);
  });
});
