import { TtlCache } from '../../lib/store/ttl-cache.js';
import { describeTtlStoreContract } from '../support/contracts/ttl-store-contract.js';
import { startTestStack, type TestStack } from '../support/stack.js';

describeTtlStoreContract('TtlCache on DynamoDB Local', (clock) => {
  let stack: TestStack;
  return {
    setUp: async () => {
      stack = await startTestStack();
    },
    tearDown: () => stack.close(),
    open: () => new TtlCache({ client: stack.documentClient(), tableName: stack.config.tables.cache, clock }),
  };
});
