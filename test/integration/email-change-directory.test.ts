/**
 * The address change and deletion of UserDirectory under DynamoDB faults (the fault proxy in
 * front of DynamoDB Local): a change is all or nothing, whatever fails; a change whose answer
 * was lost is found complete; deletion takes every item under the user.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EmailTakenError } from '../../lib/auth/user-store.js';
import { systemClock } from '../../lib/clock.js';
import { DependencyUnavailableError } from '../../lib/errors.js';
import { createDocumentClient } from '../../lib/runtime/dynamodb-client.js';
import { UserDirectory } from '../../lib/store/user-directory.js';
import { startDynamoDbFaultProxy, type DynamoDbFaultProxy, type FaultKind } from '../support/dynamodb-fault-proxy.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let proxy: DynamoDbFaultProxy;
let faulty: UserDirectory;
let direct: DynamoDBDocumentClient;
let users: UserDirectory;

before(async () => {
  stack = await startTestStack();
  proxy = await startDynamoDbFaultProxy(stack.dynamodbEndpoint);
  // One attempt, so each fault reaches the store as it happened.
  faulty = new UserDirectory({ client: createDocumentClient({ region: 'us-east-1', endpoint: proxy.url, maxAttempts: 1 }), tableName: stack.config.tables.directory, clock: systemClock });
  direct = stack.documentClient();
  users = new UserDirectory({ client: direct, tableName: stack.config.tables.directory, clock: systemClock });
});

after(async () => {
  await proxy?.close();
  await stack?.close();
});

const newEmail = (label: string) => `${label}-${randomBytes(4).toString('hex')}@example.com`;
const item = async (pk: string, sk: string) => (await direct.send(new GetCommand({ TableName: stack.config.tables.directory, Key: { pk, sk }, ConsistentRead: true }))).Item;

/** Every stored trace of where the account's address is: the user item and both `email#` items. */
async function addressState(id: string, from: string, to: string) {
  return {
    user: (await item(`user#${id}`, 'user'))?.email,
    from: (await item(`email#${from}`, 'email'))?.userId,
    to: (await item(`email#${to}`, 'email'))?.userId,
  };
}

describe('UserDirectory.changeEmail under faults', () => {
  const refusals: FaultKind[] = ['internal-error', 'unavailable', 'throttling', 'drop'];
  for (const kind of refusals) {
    it(`${kind} on the transaction: an outage, and nothing changed`, async () => {
      const user = await users.create({ email: newEmail('fault-from'), name: 'F', emailVerified: true });
      const to = newEmail('fault-to');
      proxy.inject({ kind, call: 1, operation: 'TransactWriteItems' });
      await assert.rejects(faulty.changeEmail(user.id, { from: user.email, to }), DependencyUnavailableError);
      assert.equal(proxy.fired()?.hit, 'TransactWriteItems');
      assert.deepEqual(await addressState(user.id, user.email, to), { user: user.email, from: user.id, to: undefined });
    });
  }

  it('forward-then-drop: the change committed whole; a retry is refused (its own claim on the address), the account at the new address', async () => {
    const user = await users.create({ email: newEmail('lost-from'), name: 'L', emailVerified: true });
    const to = newEmail('lost-to');
    proxy.inject({ kind: 'forward-then-drop', call: 1, operation: 'TransactWriteItems' });
    await assert.rejects(faulty.changeEmail(user.id, { from: user.email, to }), DependencyUnavailableError);
    assert.deepEqual(await addressState(user.id, user.email, to), { user: to, from: undefined, to: user.id });
    await assert.rejects(users.changeEmail(user.id, { from: user.email, to }), EmailTakenError);
    assert.equal((await users.findById(user.id))?.email, to, 'what EmailChange looks at to call it done');
  });
});

describe('UserDirectory.delete', () => {
  it("removes every item under the user's partition, the user and its address", async () => {
    const user = await users.create({ email: newEmail('del'), name: 'D', emailVerified: true });
    const table = stack.config.tables.directory;
    for (let i = 0; i < 30; i++) await direct.send(new PutCommand({ TableName: table, Item: { pk: `user#${user.id}`, sk: `extra#${i}` } }));
    assert.equal(await users.delete(user.id), true);
    const left = await direct.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `user#${user.id}` }, ConsistentRead: true }));
    assert.deepEqual(left.Items, []);
    assert.equal(await item(`email#${user.email}`, 'email'), undefined);
  });

  it('a fault part-way leaves the account in place, and deleting again finishes', async () => {
    const user = await users.create({ email: newEmail('del-fault'), name: 'D', emailVerified: true });
    await direct.send(new PutCommand({ TableName: stack.config.tables.directory, Item: { pk: `user#${user.id}`, sk: 'extra#1' } }));
    proxy.inject({ kind: 'internal-error', call: 1, operation: 'TransactWriteItems' });
    await assert.rejects(faulty.delete(user.id), DependencyUnavailableError);
    assert.equal((await users.findByEmail(user.email))?.id, user.id, 'the account and its address are still whole');
    assert.equal(await users.delete(user.id), true);
    assert.equal(await users.findByEmail(user.email), undefined);
  });
});
