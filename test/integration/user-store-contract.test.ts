import { UserDirectory } from '../../lib/store/user-directory.js';
import { describeUserStoreContract } from '../support/contracts/user-store-contract.js';
import { startTestStack, type TestStack } from '../support/stack.js';

describeUserStoreContract('UserDirectory on DynamoDB Local', (clock) => {
  let stack: TestStack;
  return {
    setUp: async () => {
      stack = await startTestStack();
    },
    tearDown: () => stack.close(),
    open: () => new UserDirectory({ client: stack.documentClient(), tableName: stack.config.tables.directory, clock }),
  };
});
