import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConsentDirectory } from '../../lib/store/consent-directory.js';
import { UserDirectory } from '../../lib/store/user-directory.js';
import { describeConsentStoreContract } from '../support/contracts/consent-store-contract.js';
import { startTestStack, type TestStack } from '../support/stack.js';

describeConsentStoreContract('ConsentDirectory on DynamoDB Local', (clock) => {
  let stack: TestStack;
  return {
    setUp: async () => {
      stack = await startTestStack();
    },
    tearDown: () => stack.close(),
    open: () => new ConsentDirectory({ client: stack.documentClient(), tableName: stack.config.tables.directory, clock }),
  };
});

// Consents live in the user's partition: they must leave the user item alone, and the user item them.
describe('ConsentDirectory beside the user', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(() => stack.close());

  it('keeps consents and the user item apart in one partition', async () => {
    const options = { client: stack.documentClient(), tableName: stack.config.tables.directory, clock: () => Date.now() };
    const users = new UserDirectory(options);
    const consents = new ConsentDirectory(options);
    const user = await users.create({ email: `consent-${Date.now()}@example.com`, name: 'Con', emailVerified: true });
    await consents.grant(user.id, 'app', ['openid']);
    assert.deepEqual(await users.findById(user.id), user);
    assert.deepEqual((await consents.listFor(user.id)).map((c) => c.clientId), ['app']);
    assert.equal(await consents.revokeAllFor(user.id), 1);
    assert.deepEqual(await users.findById(user.id), user);
  });
});
