import { describeTtlStoreContract } from '../support/contracts/ttl-store-contract.js';
import { InMemoryTtlStore } from '../support/in-memory-ttl-store.js';

describeTtlStoreContract('InMemoryTtlStore', (clock) => {
  // Every "instance" opens the one store, as instances share the table.
  const store = new InMemoryTtlStore(clock);
  return { open: () => store };
});
