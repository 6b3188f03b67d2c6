import { describeClientStoreContract } from '../support/contracts/client-store-contract.js';
import { InMemoryClientStore } from '../support/in-memory-client-store.js';

describeClientStoreContract('InMemoryClientStore', (clock) => {
  const store = new InMemoryClientStore(clock);
  return { open: () => store };
});
