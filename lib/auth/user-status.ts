/**
 * Disabling an account (operators, `npm run users -- disable`): the user item carries
 * `disabledAt`, and every place that lets a user in or hands out their data reads the user item
 * already and refuses a disabled one: sign-in completion (every sign-in method ends there), the
 * token endpoint (code exchange and refresh: `invalid_grant`), userinfo (401) and introspection
 * (`active: false`). Sessions and grants that exist are ended at once (AccountSignOut), so no
 * cookie or cached token outlives the decision; enabling again brings none of them back.
 */
import type { AccountSignOut } from './account-sign-out.js';
import type { User } from './user-store.js';

/** The write side, on the user item (lib/store/user-status-directory.ts). */
export interface UserStatusStore {
  /** Sets or clears `disabledAt`; false when there is no such user (nothing is created). */
  setDisabled(userId: string, disabled: boolean): Promise<boolean>;
}

export function isDisabled(user: Pick<User, 'disabledAt'>): boolean {
  return user.disabledAt !== undefined;
}

export type StatusChange = { found: true; revokedGrants: number } | { found: false };

export class UserStatus {
  constructor(private readonly deps: { store: UserStatusStore; signOut: Pick<AccountSignOut, 'everywhere'> }) {}

  /** The flag first, so a sign-in racing with this cannot start a session the sign-out misses. */
  async disable(userId: string): Promise<StatusChange> {
    if (!(await this.deps.store.setDisabled(userId, true))) return { found: false };
    const { revokedGrants } = await this.deps.signOut.everywhere(userId);
    return { found: true, revokedGrants };
  }

  async enable(userId: string): Promise<StatusChange> {
    return (await this.deps.store.setDisabled(userId, false)) ? { found: true, revokedGrants: 0 } : { found: false };
  }
}
