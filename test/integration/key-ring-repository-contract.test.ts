import { DynamoDbKeyRingRepository } from '../../lib/store/key-ring-repository.js';
import { describeKeyRingRepositoryContract } from '../support/contracts/key-ring-repository-contract.js';
import { startTestStack, type TestStack } from '../support/stack.js';

describeKeyRingRepositoryContract('DynamoDbKeyRingRepository on DynamoDB Local', () => {
  let stack: TestStack;
  return {
    setUp: async () => {
      stack = await startTestStack();
    },
    tearDown: () => stack.close(),
    open: () => new DynamoDbKeyRingRepository({ client: stack.documentClient(), tableName: stack.config.tables.keys }),
  };
});
