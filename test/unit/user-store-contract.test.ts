import { describeUserStoreContract } from '../support/contracts/user-store-contract.js';
import { InMemoryUserStore } from '../support/in-memory-user-store.js';

describeUserStoreContract('InMemoryUserStore', (clock) => {
  const store = new InMemoryUserStore(clock);
  return { open: () => store };
});
