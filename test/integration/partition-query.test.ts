/**
 * queryPartitionPrefix on DynamoDB Local: a partition longer than one Query page (1 MB) is
 * read to its end, and only the items under the prefix come back.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { queryPartitionPrefix } from '../../lib/store/partition-query.js';
import { countCommands } from '../support/count-commands.js';
import { startTestStack, type TestStack } from '../support/stack.js';

// Items of ~300 KB (under DynamoDB's 400 KB item limit), about 2.4 MB in all: well past one
// page's 1 MB, which DynamoDB Local measures less strictly than its documentation says.
const ITEM_COUNT = 8;
const FILLER = 'x'.repeat(300 * 1024);

describe('queryPartitionPrefix', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(() => stack.close());

  it('reads every page of the partition, and only the items under the prefix', async () => {
    const client = stack.documentClient();
    const tableName = stack.config.tables.directory;
    const pk = `paging#${randomBytes(4).toString('hex')}`;
    for (let i = 0; i < ITEM_COUNT; i++) await client.send(new PutCommand({ TableName: tableName, Item: { pk, sk: `wanted#${i}`, filler: FILLER } }));
    await client.send(new PutCommand({ TableName: tableName, Item: { pk, sk: 'other#0' } }));

    const counted = countCommands(client);
    const items = await queryPartitionPrefix(client, tableName, pk, 'wanted#');

    assert.deepEqual(
      items.map((item) => item.sk),
      Array.from({ length: ITEM_COUNT }, (_, i) => `wanted#${i}`),
    );
    assert.ok(counted.count('Query') > 1, `the items span more than one page: ${JSON.stringify(counted.counts())}`);
  });
});
