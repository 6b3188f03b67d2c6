/**
 * "Recent authentication": what changing the address, the password (without the current one)
 * and deleting the account ask for. A sign-in within RECENT_AUTH_S counts, except a sign-in that
 * proved only a mailbox (amr `otp` alone: an emailed code, or a password reset) for an account
 * that has a second factor: for that account a mailbox is not enough to sign in, so it is not
 * enough to take the account over either.
 *
 * When it is not recent the page sends the user through /login (`reauthenticationUrl`) and back:
 * any sign-in starts a new session whose auth_time is now, so the way back is recent. (/authorize
 * needs a protected marker for prompt=login because "fresh" there means "after the demand"; here
 * it means "within RECENT_AUTH_S", which the new session's auth_time proves alone.)
 */
import type { SecondFactorLookup } from '../auth/second-factors.js';
import type { Clock } from '../clock.js';
import { RETURN_TO_PARAM } from '../session/return-to.js';
import type { AuthMethod, Session } from '../session/sessions.js';

/** Methods that prove more than a mailbox. */
const BEYOND_MAILBOX: ReadonlySet<AuthMethod> = new Set<AuthMethod>(['pwd', 'mfa', 'hwk', 'swk']);

export class RecentAuthentication {
  constructor(private readonly deps: { secondFactors: SecondFactorLookup; settings: { recentAuthS: number }; clock: Clock }) {}

  async isRecent(session: Pick<Session, 'subject' | 'authTime' | 'methods'>): Promise<boolean> {
    const ageS = Math.floor(this.deps.clock() / 1000) - session.authTime;
    if (ageS > this.deps.settings.recentAuthS) return false;
    if (session.methods.some((method) => BEYOND_MAILBOX.has(method))) return true;
    return !(await this.deps.secondFactors.has(session.subject));
  }
}

/** The sign-in page, coming back to `returnTo`, with the address filled in. */
export function reauthenticationUrl(returnTo: string, email: string): string {
  return `/login?${new URLSearchParams({ [RETURN_TO_PARAM]: returnTo, login_hint: email })}`;
}
