/**
 * Ends everything a user is signed in with: every browser session (or every one but the current,
 * for "sign out everywhere else" after a password change) and every grant an app holds (refresh
 * token families and the access tokens issued from them). Used by password reset and change,
 * the operators' `users sign-out`, disabling and deleting an account.
 *
 * The parts live in other folders (sessions in lib/session, grants in lib/oidc), which import
 * this one, so they come in through the two small ports below; lib/runtime passes `Sessions`
 * and `GrantStore`.
 */

/** Ends a user's browser sessions; `exceptSessionId` survives. */
export interface UserSessionsEnd {
  endAllFor(subject: string, options?: { exceptSessionId?: string }): Promise<void>;
}

/** Revokes every grant of a user (refresh families, and with them their access tokens); returns how many. */
export interface UserGrantsRevocation {
  revokeAllFor(subject: string): Promise<number>;
}

export interface AccountSignOutResult {
  /** Grants (refresh families or access-token-only grants) revoked now. */
  revokedGrants: number;
}

export class AccountSignOut {
  constructor(private readonly deps: { sessions: UserSessionsEnd; grants: UserGrantsRevocation }) {}

  /**
   * Sessions first: they are one write whatever their number, so a failure while revoking the
   * grants (a list and one write per grant) leaves the browsers signed out, and a retry finishes
   * the rest (revoking a revoked grant again is harmless).
   */
  async everywhere(userId: string, options: { exceptSessionId?: string } = {}): Promise<AccountSignOutResult> {
    await this.deps.sessions.endAllFor(userId, options);
    return { revokedGrants: await this.deps.grants.revokeAllFor(userId) };
  }
}
