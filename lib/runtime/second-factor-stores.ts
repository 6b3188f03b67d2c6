/**
 * The one place that says which stores answer "does this user have a second factor"
 * (lib/auth/second-factors.ts): the getters of second-factor-lookup.ts and the OpenID Provider
 * (oidc-provider.ts) both build the lookup here. Over the directory table only (no KMS, no SES):
 * one GetItem (the TOTP item), and one Query of the passkeys only for a user without TOTP.
 */
import { StoredSecondFactors, type SecondFactorLookup } from '../auth/second-factors.js';
import { PasskeyDirectory } from '../store/passkey-directory.js';
import type { TableStoreOptions } from '../store/table-store.js';
import { TotpDirectory } from '../store/totp-directory.js';

/** TOTP or any passkey, on the directory table `options` names. */
export function secondFactorLookupOver(options: TableStoreOptions): SecondFactorLookup {
  return new StoredSecondFactors({ totp: new TotpDirectory(options), passkeys: new PasskeyDirectory(options) });
}
