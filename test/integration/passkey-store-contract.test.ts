import { PasskeyDirectory } from '../../lib/store/passkey-directory.js';
import { describePasskeyStoreContract } from '../support/contracts/passkey-store-contract.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
describePasskeyStoreContract('PasskeyDirectory on DynamoDB Local', {
  setUp: async () => {
    stack = await startTestStack();
  },
  tearDown: () => stack.close(),
  open: () => new PasskeyDirectory({ client: stack.documentClient(), tableName: stack.config.tables.directory, clock: Date.now }),
});
