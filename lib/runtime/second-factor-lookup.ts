/** This instance's TOTP store and second-factor lookup (second-factor-stores.ts), built once over the shared document client. */
import type { SecondFactorLookup } from '../auth/second-factors.js';
import { once } from '../once.js';
import type { TableStoreOptions } from '../store/table-store.js';
import { TotpDirectory } from '../store/totp-directory.js';
import { secondFactorLookupOver } from './second-factor-stores.js';
import { getClock, getConfig, getDocumentClient } from './table-services.js';

const directoryOptions = (): TableStoreOptions => ({ client: getDocumentClient(), tableName: getConfig().tables.directory, clock: getClock() });

export const getTotpStore = /* @__PURE__ */ once((): TotpDirectory => new TotpDirectory(directoryOptions()));

export const getSecondFactorLookup = /* @__PURE__ */ once((): SecondFactorLookup => secondFactorLookupOver(directoryOptions()));
