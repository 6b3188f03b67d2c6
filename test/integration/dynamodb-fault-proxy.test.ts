/**
 * The fault-injecting proxy (test/support/dynamodb-fault-proxy.ts) in front of DynamoDB Local:
 * it forwards and counts, and each fault reaches the production client as the outage it models.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DependencyUnavailableError } from '../../lib/errors.js';
import { createDocumentClient } from '../../lib/runtime/dynamodb-client.js';
import { TtlCache } from '../../lib/store/ttl-cache.js';
import { startDynamoDbFaultProxy, type DynamoDbFaultProxy, type FaultKind } from '../support/dynamodb-fault-proxy.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let proxy: DynamoDbFaultProxy;
let client: DynamoDBDocumentClient;
let direct: DynamoDBDocumentClient;

before(async () => {
  stack = await startTestStack();
  proxy = await startDynamoDbFaultProxy(stack.dynamodbEndpoint);
  // One attempt, so each fault surfaces; the production request timeout (a hang costs it once).
  client = createDocumentClient({ region: 'us-east-1', endpoint: proxy.url, maxAttempts: 1 });
  direct = stack.documentClient();
  // DynamoDB Local's first answers are slow (JIT); they must not look like a hang.
  await storedDirectly('warm-up');
});

after(async () => {
  client?.destroy();
  await proxy?.close();
  await stack?.close();
});

const table = () => stack.config.tables.cache;
let keys = 0;
const newKey = () => `proxy-test#${++keys}`;
const put = (pk: string) => client.send(new PutCommand({ TableName: table(), Item: { pk, ttl: Math.floor(Date.now() / 1000) + 600 } }));
const storedDirectly = async (pk: string) => (await direct.send(new GetCommand({ TableName: table(), Key: { pk }, ConsistentRead: true }))).Item !== undefined;

function outage(causeName?: string) {
  return (error: unknown) => {
    assert.ok(error instanceof DependencyUnavailableError, String(error));
    if (causeName !== undefined) assert.equal((error.cause as Error).name, causeName);
    return true;
  };
}

describe('DynamoDB fault proxy', () => {
  it('forwards every call unchanged and counts them per operation, in order', async () => {
    proxy.resetCalls();
    const pk = newKey();
    await put(pk);
    const { Item } = await client.send(new GetCommand({ TableName: table(), Key: { pk } }));
    assert.equal(Item?.pk, pk);
    assert.deepEqual(proxy.calls(), { PutItem: 1, GetItem: 1 });
    assert.deepEqual(proxy.sequence(), ['PutItem', 'GetItem']);
  });

  const refusals: Array<[FaultKind, string | undefined]> = [
    ['throttling', 'ThrottlingException'],
    ['throughput-exceeded', 'ProvisionedThroughputExceededException'],
    ['internal-error', 'InternalServerError'],
    ['unavailable', undefined],
    ['drop', undefined],
    ['hang', 'TimeoutError'],
  ];
  for (const [kind, causeName] of refusals) {
    it(`${kind}: the call fails as an outage and nothing is written`, { timeout: 20_000 }, async () => {
      const pk = newKey();
      proxy.inject({ kind, call: 1 });
      await assert.rejects(put(pk), outage(causeName));
      assert.equal(proxy.fired()?.hit, 'PutItem');
      assert.equal(await storedDirectly(pk), false);
      await put(pk);
      assert.equal(await storedDirectly(pk), true, 'the next call goes through: a fault fires once');
    });
  }

  it('forward-then-drop: the write happens, the client sees an outage', async () => {
    const pk = newKey();
    proxy.inject({ kind: 'forward-then-drop', call: 1 });
    await assert.rejects(put(pk), outage());
    assert.equal(await storedDirectly(pk), true);
  });

  it('forward-then-drop under SDK retries: a put claiming under its own id succeeds on the retry', async () => {
    // The production retry policy: the retry meets the item its first attempt wrote.
    const retrying = createDocumentClient({ region: 'us-east-1', endpoint: proxy.url, maxAttempts: 3 });
    try {
      const cache = new TtlCache({ client: retrying, tableName: table(), clock: Date.now });
      const pk = newKey();
      proxy.inject({ kind: 'forward-then-drop', call: 1 });
      assert.equal(await cache.put(pk, { claimId: 'mine' }, 60, { ifAbsentOrMatching: { claimId: 'mine' } }), true);
      assert.ok(proxy.fired(), 'the first attempt was dropped');
      assert.equal(await cache.put(pk, { claimId: 'other' }, 60, { ifAbsentOrMatching: { claimId: 'other' } }), false);
    } finally {
      retrying.destroy();
    }
  });

  it('hits the n-th call of the named operation only', async () => {
    const [first, second] = [newKey(), newKey()];
    proxy.inject({ kind: 'internal-error', call: 2, operation: 'PutItem' });
    await put(first);
    await client.send(new GetCommand({ TableName: table(), Key: { pk: first } }));
    await assert.rejects(put(second), outage('InternalServerError'));
    assert.deepEqual(proxy.fired(), { kind: 'internal-error', call: 2, operation: 'PutItem', hit: 'PutItem' });
  });
});
