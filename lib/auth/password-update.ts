/**
 * Setting a new password on an account, the same way after a reset (the user proved the
 * mailbox) and after a change on /account (the user proved the current password or a recent
 * sign-in): the policy's rules, a new hash, every other way in ended, and a mail to the owner.
 *
 * Everything else ends, in both cases (Cognito's choice for a reset, ours for a change too;
 * Keycloak keeps other sessions on a change unless asked). A password is changed because it may
 * be known to someone else: whoever used it keeps no browser session and no app's refresh
 * token. Only the browser that made the change stays signed in. Apps sign in again, which the
 * mail says, so a change the owner did not make is noticed.
 */
import type { Clock } from '../clock.js';
import { logger } from '../observability/logger.js';
import type { AccountSignOut } from './account-sign-out.js';
import type { Mailer, MailMessage } from './mailer.js';
import type { PasswordHasher } from './password-hasher.js';
import { checkNewPassword, type PasswordCheck } from './password-policy.js';
import type { User, UserStore } from './user-store.js';

export type PasswordUpdateReason = 'reset' | 'change';

export class PasswordUpdate {
  constructor(
    private readonly deps: {
      users: Pick<UserStore, 'updatePasswordHash'>;
      hasher: Pick<PasswordHasher, 'hash'>;
      signOut: Pick<AccountSignOut, 'everywhere'>;
      mailer: Mailer;
      clock: Clock;
      issuerName?: string;
    },
  ) {}

  /** The policy's verdict on `password` as this user's new one (lib/auth/password-policy.ts). */
  check(user: Pick<User, 'email' | 'name'>, password: string): Promise<PasswordCheck> {
    return checkNewPassword(password, { email: user.email, name: user.name });
  }

  /**
   * Stores a password `check` accepted, then ends every session (but `keepSessionId`'s) and every
   * app's grant, then mails the owner. Each step can be retried: storing the same password
   * again and ending what already ended are harmless.
   */
  async apply(user: Pick<User, 'id' | 'email'>, password: string, options: { reason: PasswordUpdateReason; keepSessionId?: string }): Promise<void> {
    await this.deps.users.updatePasswordHash(user.id, await this.deps.hasher.hash(password));
    await this.deps.signOut.everywhere(user.id, options.keepSessionId === undefined ? {} : { exceptSessionId: options.keepSessionId });
    try {
      await this.deps.mailer.send(this.changedMail(user.email, options.reason));
    } catch (error) {
      // The password is changed and everything else ended: a lost notice must not turn that
      // into an error page that suggests nothing happened.
      logger.warn('password changed mail failed', { userId: user.id, error: (error as Error).name });
    }
  }

  /** No link: a mail that says "click here if this was not you" is what phishing looks like. */
  private changedMail(to: string, reason: PasswordUpdateReason): MailMessage {
    const issuer = this.deps.issuerName ?? 'Identity';
    const when = new Date(this.deps.clock()).toUTCString();
    return {
      to,
      subject: `Your ${issuer} password was changed`,
      text: [
        `The password of your ${issuer} account was ${reason === 'reset' ? 'reset with a code sent to this address' : 'changed'} on ${when}.`,
        '',
        'Every other browser was signed out, and apps you use will ask you to sign in again.',
        '',
        `If this was not you, go to the ${issuer} sign-in page yourself (do not use a link from an email), choose "Forgot your password?" and set a new one.`,
      ].join('\n'),
    };
  }
}
