import { describeConsentStoreContract } from '../support/contracts/consent-store-contract.js';
import { InMemoryConsentStore } from '../support/in-memory-consent-store.js';

describeConsentStoreContract('InMemoryConsentStore', (clock) => {
  const store = new InMemoryConsentStore(clock);
  return { open: () => store };
});
