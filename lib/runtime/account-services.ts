/**
 * What manages accounts as a whole (sign-out everywhere, disable/enable, deletion, lockouts, the
 * lists of sessions and grants), built over the table adapters alone: no KMS, no SES. The
 * account pages' functions (lib/runtime/account-session-endpoints.ts, H3's account endpoints)
 * and the operators' CLI (scripts/users.ts) build it the same way, so both end a session or
 * revoke a grant through the same code.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AccountDeletion } from '../auth/account-deletion.js';
import { AccountLocks } from '../auth/account-locks.js';
import { AccountSignOut } from '../auth/account-sign-out.js';
import type { SecondFactorStores } from '../auth/second-factors.js';
import { UserStatus } from '../auth/user-status.js';
import type { Clock } from '../clock.js';
import type { SectionsConfig } from '../config.js';
import { GrantStore } from '../oidc/grant-store.js';
import { once } from '../once.js';
import { SessionIndex } from '../session/session-index.js';
import { ConsentDirectory } from '../store/consent-directory.js';
import { PasskeyDirectory } from '../store/passkey-directory.js';
import { TotpDirectory } from '../store/totp-directory.js';
import { TtlCache } from '../store/ttl-cache.js';
import { UserDirectory } from '../store/user-directory.js';
import { UserListing } from '../store/user-listing.js';
import { UserStatusDirectory } from '../store/user-status-directory.js';
import { getClock, getConfig, getDocumentClient } from './table-services.js';

export type AccountServicesConfig = SectionsConfig<'cacheTable' | 'directoryTable' | 'lifetimes' | 'accounts'>;

export interface AccountServices {
  users: UserDirectory;
  /** For operators only: a scan of the directory. */
  listing: UserListing;
  sessions: SessionIndex;
  grants: GrantStore;
  consents: ConsentDirectory;
  signOut: AccountSignOut;
  status: UserStatus;
  deletion: AccountDeletion;
  locks: AccountLocks;
  /** The user's TOTP (with recovery codes) and passkeys, for the operators' reset-mfa. */
  secondFactors: SecondFactorStores;
}

export function createAccountServices(deps: { config: AccountServicesConfig; clock: Clock; documentClient: DynamoDBDocumentClient }): AccountServices {
  const { config, clock, documentClient: client } = deps;
  const cache = new TtlCache({ client, tableName: config.tables.cache, clock });
  const users = new UserDirectory({ client, tableName: config.tables.directory, clock });
  const sessions = new SessionIndex(cache, clock, config.session.absoluteLifetimeS);
  const grants = new GrantStore({ cache, clock, refreshReuseGraceS: config.tokens.refreshReuseGraceS });
  const consents = new ConsentDirectory({ client, tableName: config.tables.directory, clock });
  const signOut = new AccountSignOut({ sessions, grants });
  return {
    users,
    listing: new UserListing({ client, tableName: config.tables.directory, clock }),
    sessions,
    grants,
    consents,
    signOut,
    status: new UserStatus({ store: new UserStatusDirectory({ client, tableName: config.tables.directory, clock }), signOut }),
    deletion: new AccountDeletion({ users, signOut, consents }),
    locks: new AccountLocks({ cache, settings: config.bruteForce, clock }),
    secondFactors: { totp: new TotpDirectory({ client, tableName: config.tables.directory, clock }), passkeys: new PasskeyDirectory({ client, tableName: config.tables.directory, clock }) },
  };
}

/** This instance's account services, built on first use and reused while warm. */
export const getAccountServices = /* @__PURE__ */ once(
  (): AccountServices => createAccountServices({ config: getConfig(), clock: getClock(), documentClient: getDocumentClient() }),
);

/** Sign-out everywhere (password reset and change use it). */
export const getAccountSignOut = (): AccountSignOut => getAccountServices().signOut;

/** Account deletion (the self-service "delete account" uses it). */
export const getAccountDeletion = (): AccountDeletion => getAccountServices().deletion;
