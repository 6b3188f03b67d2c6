/**
 * How the DynamoDB UserDirectory holds its items. Its behaviour as a UserStore is the contract
 * suite's (user-store-contract.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { UserDirectory } from '../../lib/store/user-directory.js';
import { startTestStack, type TestStack } from '../support/stack.js';

describe('UserDirectory on DynamoDB Local', () => {
  let stack: TestStack;
  let now = Date.now();
  const clock = () => now;
  let users: UserDirectory;

  before(async () => {
    stack = await startTestStack();
    users = new UserDirectory({ client: stack.documentClient(), tableName: stack.config.tables.directory, clock });
  });
  after(() => stack.close());

  it('guards the address with an email# item naming the user', async () => {
    const user = await users.create({ email: 'Guard@Example.com', name: 'G', emailVerified: true });
    const { Item } = await stack.documentClient().send(
      new GetCommand({ TableName: stack.config.tables.directory, Key: { pk: 'email#guard@example.com', sk: 'email' } }),
    );
    assert.equal(Item?.userId, user.id);
  });

  it('stamps a password change on the user item', async () => {
    const user = await users.create({ email: 'hash@example.com', name: 'H', passwordHash: 'old', emailVerified: true });
    now += 1000;
    await users.updatePasswordHash(user.id, 'new');
    const raw = await stack.documentClient().send(
      new GetCommand({ TableName: stack.config.tables.directory, Key: { pk: `user#${user.id}`, sk: 'user' } }),
    );
    assert.equal(raw.Item?.passwordHash, 'new');
    assert.equal(raw.Item?.passwordUpdatedAt, new Date(now).toISOString());
  });
});
