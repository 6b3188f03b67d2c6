/**
 * The port for remembered consents: what a user allowed each third-party client to ask for
 * without asking again. One consent per user and client, holding every scope granted so far;
 * a client asking for a scope outside it is asked again (lib/oidc/consent-step.ts), and the
 * answer replaces the record with the union. lib/store/consent-directory.ts implements it on
 * the directory table; test/support keeps an in-memory twin that passes the same contract tests.
 *
 * Users: the consent step (find, grant), the account page's "apps with access" (listFor,
 * revoke) and account deletion (revokeAllFor).
 */

export interface Consent {
  userId: string;
  clientId: string;
  /** Every scope granted to the client so far, sorted, without duplicates. */
  scopes: string[];
  /** ISO 8601: when the user first allowed this client. */
  grantedAt: string;
  /** ISO 8601: when the user last allowed more (or the same) scopes. */
  updatedAt: string;
}

export interface ConsentStore {
  find(userId: string, clientId: string): Promise<Consent | undefined>;
  /**
   * Adds `scopes` to what the user granted the client (creating the consent if needed) and
   * returns the stored consent. Concurrent grants for one user and client both end up in it.
   */
  grant(userId: string, clientId: string, scopes: readonly string[]): Promise<Consent>;
  /** Every consent of the user, ordered by client id. */
  listFor(userId: string): Promise<Consent[]>;
  /** False when there was nothing to revoke. */
  revoke(userId: string, clientId: string): Promise<boolean>;
  /** Removes every consent of the user (account deletion); returns how many there were. */
  revokeAllFor(userId: string): Promise<number>;
}

/** True when `consent` covers every scope in `requested`. */
export function consentCovers(consent: Consent | undefined, requested: readonly string[]): boolean {
  return consent !== undefined && requested.every((scope) => consent.scopes.includes(scope));
}

/** The scope set a grant stores: the union of what was granted and what is granted now. */
export function mergedScopes(granted: readonly string[], added: readonly string[]): string[] {
  return [...new Set([...granted, ...added])].sort();
}
