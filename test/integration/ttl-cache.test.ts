import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { TtlCache } from '../../lib/store/ttl-cache.js';
import { startTestStack, type TestStack } from '../support/stack.js';

describe('TtlCache on DynamoDB Local', () => {
  let stack: TestStack;
  // Start at the real time: DynamoDB Local 3.x deletes items whose ttl is in the real past
  // within seconds, and these tests need expired-by-our-clock items to still be present.
  let now = Date.now();
  const clock = () => now;
  let cache: TtlCache;

  before(async () => {
    stack = await startTestStack();
    cache = new TtlCache({ client: stack.documentClient(), tableName: stack.config.tables.cache, clock });
  });
  after(() => stack.close());

  it('returns a live item and treats an expired one that DynamoDB still holds as absent', async () => {
    await cache.put('item#1', { value: 'a' }, 60);
    assert.equal((await cache.get<{ value: string }>('item#1'))?.value, 'a');
    now += 61_000;
    assert.equal(await cache.get('item#1'), undefined);
    // The item is physically still there: prove the read filtered it, not DynamoDB.
    const raw = await stack.documentClient().send(new (await import('@aws-sdk/lib-dynamodb')).GetCommand({ TableName: stack.config.tables.cache, Key: { pk: 'item#1' } }));
    assert.equal(raw.Item?.value, 'a');
    assert.equal(await cache.consume('item#1'), undefined, 'an expired item cannot be consumed');
  });

  it('puts ifAbsent only over a missing or expired item', async () => {
    assert.equal(await cache.put('once#1', { n: 1 }, 10, { ifAbsent: true }), true);
    assert.equal(await cache.put('once#1', { n: 2 }, 10, { ifAbsent: true }), false);
    now += 11_000;
    assert.equal(await cache.put('once#1', { n: 3 }, 10, { ifAbsent: true }), true);
    assert.equal((await cache.get<{ n: number }>('once#1'))?.n, 3);
  });

  it('lets exactly one of 20 concurrent consumers win', async () => {
    await cache.put('code#race', { secret: 's' }, 60);
    const consumers = Array.from({ length: 20 }, () =>
      new TtlCache({ client: stack.documentClient(), tableName: stack.config.tables.cache, clock }).consume('code#race'),
    );
    const results = await Promise.all(consumers);
    assert.equal(results.filter((r) => r !== undefined).length, 1);
  });

  it('consumes only when the extra condition holds', async () => {
    await cache.put('code#cond', { id: 'x' }, 60);
    assert.equal(await cache.consume('code#cond', { id: 'y' }), undefined);
    assert.equal((await cache.consume<{ id: string }>('code#cond', { id: 'x' }))?.id, 'x');
  });

  it('counts atomically under a cap, and restarts a window once it expired', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => cache.increment<{ n: number }>('counter#1', 'n', { atMost: 5, createTtlS: 30 })),
    );
    const granted = results.filter((r) => r !== undefined).map((r) => r!.n).sort();
    assert.deepEqual(granted, [1, 2, 3, 4, 5]);
    assert.equal(await cache.increment('counter#1', 'n', { atMost: 5, createTtlS: 30 }), undefined);
    now += 31_000;
    assert.equal((await cache.increment<{ n: number }>('counter#1', 'n', { atMost: 5, createTtlS: 30 }))?.n, 1);
  });

  it('does not create an item when increment has no createTtlS', async () => {
    assert.equal(await cache.increment('counter#missing', 'n'), undefined);
    assert.equal(await cache.get('counter#missing'), undefined);
  });

  it('updates a live item only while the condition holds and never revives an expired one', async () => {
    await cache.put('flow#1', { step: 'email' }, 30);
    assert.equal((await cache.update<{ step: string }>('flow#1', { step: 'code' }, { where: { step: 'email' } }))?.step, 'code');
    assert.equal(await cache.update('flow#1', { step: 'done' }, { where: { step: 'email' } }), undefined);
    now += 31_000;
    assert.equal(await cache.update('flow#1', { step: 'done' }), undefined);
  });

  it('updates and puts in one transaction: of 10 concurrent callers one writes both, the rest write nothing', async () => {
    await cache.put('token#old', { status: 'active' }, 60);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        new TtlCache({ client: stack.documentClient(), tableName: stack.config.tables.cache, clock }).updateAndPut(
          'token#old',
          { status: 'rotated' },
          { status: 'active' },
          { key: `token#next-${i}`, fields: { status: 'active' }, ttlS: 60 },
        ),
      ),
    );
    assert.equal(results.filter(Boolean).length, 1);
    const winner = results.indexOf(true);
    for (let i = 0; i < 10; i++) {
      assert.equal((await cache.get(`token#next-${i}`)) !== undefined, i === winner, `successor ${i}`);
    }
    assert.equal((await cache.get<{ status: string }>('token#old'))?.status, 'rotated');
  });

  it('writes nothing from updateAndPut when the updated item has expired but is still stored', async () => {
    await cache.put('token#stale', { status: 'active' }, 10);
    now += 11_000;
    assert.equal(await cache.updateAndPut('token#stale', { status: 'rotated' }, { status: 'active' }, { key: 'token#orphan', fields: { status: 'active' }, ttlS: 60 }), false);
    assert.equal(await cache.get('token#orphan'), undefined);
  });

  it('refuses reserved field names', async () => {
    await assert.rejects(cache.put('bad', { ttl: 5 }, 10), /reserved/);
    await stack.documentClient().send(new PutCommand({ TableName: stack.config.tables.cache, Item: { pk: 'no-ttl', v: 1 } }));
    assert.equal(await cache.get('no-ttl'), undefined, 'an item without ttl is not trusted as live');
  });
});
