/**
 * GET/POST /account/delete: after a recent sign-in, a confirmation page, then AccountDeletion
 * (every session and app grant ended, consents forgotten, the user, its address and its
 * directory items removed: the address can register again at once), a mail to the address,
 * and the browser's session cookie dropped.
 */
import type { AccountDeletion } from '../auth/account-deletion.js';
import type { Mailer } from '../auth/mailer.js';
import { html, redirect, type HttpResponse } from '../http/response.js';
import type { Sessions } from '../session/sessions.js';
import type { AccountAction, AccountRequest } from './account-actions-endpoint.js';
import { auditAccountDeleted, countAccountChange } from './account-events.js';
import { deleteAccountPage } from './account-forms.js';
import { reauthenticationUrl, type RecentAuthentication } from './recent-authentication.js';

export class DeleteAccountAction implements AccountAction {
  constructor(
    private readonly deps: {
      recent: Pick<RecentAuthentication, 'isRecent'>;
      deletion: Pick<AccountDeletion, 'delete'>;
      sessions: Pick<Sessions, 'clearCookie'>;
      mailer: Mailer;
      issuerName?: string;
    },
  ) {}

  async handle({ user, session, form, antiforgeryToken }: AccountRequest): Promise<HttpResponse> {
    if (!(await this.deps.recent.isRecent(session))) return redirect(reauthenticationUrl('/account/delete', user.email), { status: 303 });
    if (!form) return html(200, deleteAccountPage({ antiforgeryToken, email: user.email }));
    const outcome = await this.deps.deletion.delete(user.id);
    if (outcome.deleted) {
      auditAccountDeleted(user, outcome);
      countAccountChange('deleted');
      const issuer = this.deps.issuerName ?? 'Identity';
      // The account is gone: a lost confirmation must not answer an error for a deletion that happened.
      await this.deps.mailer
        .send({
          to: user.email,
          subject: `Your ${issuer} account was deleted`,
          text: [`Your ${issuer} account for this address was deleted, as you asked.`, '', 'Every session and every app access ended. You can create a new account with this address at any time.'].join('\n'),
        })
        .catch(() => undefined);
    }
    return redirect('/', { status: 303, cookies: [this.deps.sessions.clearCookie()] });
  }
}
