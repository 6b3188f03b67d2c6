import { describeKeyRingRepositoryContract } from '../support/contracts/key-ring-repository-contract.js';
import { InMemoryKeyRingRepository } from '../support/in-memory-key-ring-repository.js';

describeKeyRingRepositoryContract('InMemoryKeyRingRepository', () => {
  const repository = new InMemoryKeyRingRepository();
  return { open: () => repository };
});
