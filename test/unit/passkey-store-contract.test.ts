import { describePasskeyStoreContract } from '../support/contracts/passkey-store-contract.js';
import { InMemoryPasskeyStore } from '../support/in-memory-passkey-store.js';

const store = new InMemoryPasskeyStore();
describePasskeyStoreContract('InMemoryPasskeyStore', { open: () => store });
