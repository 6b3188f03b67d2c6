/**
 * Whether a user has a second factor, over the directory table only (no KMS, no SES), so the
 * sign-in gate adds no client to the functions that run it: one GetItem (the TOTP item), and
 * one Query of the passkeys only for a user without TOTP.
 */
import { StoredSecondFactors, type SecondFactorLookup } from '../auth/second-factors.js';
import { once } from '../once.js';
import { TotpDirectory } from '../store/totp-directory.js';
import { getClock, getConfig, getDocumentClient } from './table-services.js';

export const getTotpStore = /* @__PURE__ */ once(
  (): TotpDirectory => new TotpDirectory({ client: getDocumentClient(), tableName: getConfig().tables.directory, clock: getClock() }),
);

/** TOTP or any passkey (lib/auth/second-factors.ts). */
export const getSecondFactorLookup = /* @__PURE__ */ once((): SecondFactorLookup => new StoredSecondFactors({ totp: getTotpStore() }));
