import { ClientRegistry } from '../../lib/store/client-registry.js';
import { describeClientStoreContract } from '../support/contracts/client-store-contract.js';
import { startTestStack, type TestStack } from '../support/stack.js';

describeClientStoreContract('ClientRegistry on DynamoDB Local', (clock) => {
  let stack: TestStack;
  return {
    setUp: async () => {
      stack = await startTestStack();
    },
    tearDown: () => stack.close(),
    open: () => new ClientRegistry({ client: stack.documentClient(), tableName: stack.config.tables.directory, clock }),
  };
});
