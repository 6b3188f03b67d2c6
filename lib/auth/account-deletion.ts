/**
 * Deleting an account, the one way: the user's own "delete account" on /account and the
 * operators' `users delete` both come here, so neither can forget a part.
 *
 * Order matters for a failure half way (a retry must finish the job, and nothing must outlive
 * the account): first every session and grant ends (AccountSignOut), then remembered consents go,
 * and the user item goes last with its address and every other directory item under it, so a
 * deletion that failed earlier leaves an account that still exists and can be deleted again,
 * never tokens or sessions of an account that is gone.
 */
import type { AccountSignOut } from './account-sign-out.js';
import type { UserStore } from './user-store.js';

/** The consents of a user (lib/oidc/consent-store.ts `ConsentStore`; this folder cannot import it). */
export interface UserConsentsRemoval {
  revokeAllFor(userId: string): Promise<number>;
}

export type AccountDeletionResult = { deleted: true; revokedGrants: number; revokedConsents: number } | { deleted: false };

export class AccountDeletion {
  constructor(
    private readonly deps: {
      users: Pick<UserStore, 'findById' | 'delete'>;
      signOut: Pick<AccountSignOut, 'everywhere'>;
      consents: UserConsentsRemoval;
    },
  ) {}

  /** `{ deleted: false }` when there is no such user (nothing else is touched). */
  async delete(userId: string): Promise<AccountDeletionResult> {
    if ((await this.deps.users.findById(userId)) === undefined) return { deleted: false };
    const { revokedGrants } = await this.deps.signOut.everywhere(userId);
    const revokedConsents = await this.deps.consents.revokeAllFor(userId);
    // False here means a concurrent deletion removed it first: the account is gone either way.
    await this.deps.users.delete(userId);
    return { deleted: true, revokedGrants, revokedConsents };
  }
}
