/**
 * The owner index is added to a `cache` table that exists without it (a deployed stage, a
 * restarted local stack) in place: its items stay, and they are listed by owner afterwards.
 * scripts/tables.ts does locally what CloudFormation does on the next deploy from the same
 * infra/tables.yml.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '../../lib/runtime/dynamodb-client.js';
import { OWNER_INDEX, TtlCache } from '../../lib/store/ttl-cache.js';
import { createTables, localTableNames, readTableDefinitions } from '../../scripts/tables.js';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../scripts/dynamodb-local.js';

// A DynamoDB Local of its own: the run's shared one, busy with every other file, can leave an
// added index backfilling for over a minute, which is DynamoDB Local's pace and not what this proves.
let dynamo: DynamoDbLocal;
let raw: DynamoDBClient;
const stack = { get dynamodbEndpoint() { return dynamo.endpoint; } };

before(async () => {
  dynamo = await startDynamoDbLocal();
  raw = new DynamoDBClient({ region: 'us-east-1', endpoint: dynamo.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});
after(async () => {
  raw?.destroy();
  await dynamo?.stop();
});

describe('the cache table gains its owner index in place', () => {
  it('names the index the adapter queries', () => {
    assert.deepEqual(readTableDefinitions().cache.GlobalSecondaryIndexes?.map((index) => index.IndexName), [OWNER_INDEX]);
  });

  it('adds the index to a table made before it, keeping every item, and lists them afterwards', async () => {
    const names = localTableNames(`old${randomUUID().slice(0, 8)}`);
    // The cache table as deployed before the index: the key schema alone.
    await raw.send(
      new CreateTableCommand({
        TableName: names.cache,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      }),
    );
    const cache = new TtlCache({ client: createDocumentClient({ region: 'us-east-1', endpoint: stack.dynamodbEndpoint }), tableName: names.cache, clock: Date.now });
    await cache.put('oidc-refresh#kept', { grantId: 'g' }, 600);
    await cache.put('session#before', { owner: 'user-1', browser: 'Firefox' }, 600);

    await createTables(raw, names);
    await createTables(raw, names);
    const { Table } = await raw.send(new DescribeTableCommand({ TableName: names.cache }));
    assert.deepEqual(Table?.KeySchema, [{ AttributeName: 'pk', KeyType: 'HASH' }], 'the key schema is unchanged: no replacement');
    assert.deepEqual(Table?.GlobalSecondaryIndexes?.map((index) => [index.IndexName, index.IndexStatus]), [[OWNER_INDEX, 'ACTIVE']]);
    assert.ok(await cache.get('oidc-refresh#kept'), 'the refresh token survived');
    await cache.put('session#after', { owner: 'user-1', browser: 'Safari' }, 600);
    assert.deepEqual((await cache.owned('user-1')).map(({ key }) => key).sort(), ['session#after', 'session#before']);
  });
});
