import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { PasskeyDirectory } from '../../lib/store/passkey-directory.js';
import { UserDirectory } from '../../lib/store/user-directory.js';
import { describePasskeyStoreContract, somePasskey } from '../support/contracts/passkey-store-contract.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
describePasskeyStoreContract('PasskeyDirectory on DynamoDB Local', {
  setUp: async () => {
    stack = await startTestStack();
  },
  tearDown: () => stack.close(),
  open: () => new PasskeyDirectory({ client: stack.documentClient(), tableName: stack.config.tables.directory, clock: Date.now }),
});

describe('PasskeyDirectory beside the user it belongs to', () => {
  let local: TestStack;
  before(async () => {
    local = await startTestStack();
  });
  after(() => local.close());

  it("goes with the user when the account is deleted, the credential id's lookup included", async () => {
    const client = local.documentClient();
    const tableName = local.config.tables.directory;
    const users = new UserDirectory({ client, tableName, clock: Date.now });
    const passkeys = new PasskeyDirectory({ client, tableName, clock: Date.now });
    const user = await users.create({ email: `pk-${randomUUID()}@example.com`, name: 'Gone', emailVerified: true });
    const passkey = somePasskey(user.id);
    await passkeys.add(passkey);
    assert.equal(await users.delete(user.id), true);
    assert.deepEqual(await passkeys.listFor(user.id), []);
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: { pk: `passkey#${passkey.id}`, sk: 'passkey' }, ConsistentRead: true }));
    assert.equal(Item, undefined, 'no lookup left pointing at a deleted user');
    await passkeys.add({ ...passkey, userId: randomUUID() });
  });
});
