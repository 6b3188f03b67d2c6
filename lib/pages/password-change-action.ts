/**
 * GET/POST /account/password. The owner proves it is them with a recent sign-in, or else with
 * the current password, checked by PasswordLogin (the same throttle and timing as /login, so the
 * form is no way around the sign-in page's limits). A user without a password and without a
 * recent sign-in signs in again first.
 */
import type { PasswordLogin } from '../auth/password-login.js';
import { passwordProblemText } from '../auth/password-policy.js';
import type { PasswordUpdate } from '../auth/password-update.js';
import { sourceIp } from '../http/request.js';
import { html, redirect, type HttpResponse } from '../http/response.js';
import { accountDoneUrl } from './account.js';
import type { AccountAction, AccountRequest } from './account-actions-endpoint.js';
import { auditPasswordChanged, countAccountChange } from './account-events.js';
import { passwordChangePage } from './account-forms.js';
import { lockedMessage } from './login.js';
import { reauthenticationUrl, type RecentAuthentication } from './recent-authentication.js';

export class PasswordChangeAction implements AccountAction {
  constructor(
    private readonly deps: {
      recent: Pick<RecentAuthentication, 'isRecent'>;
      passwordLogin: Pick<PasswordLogin, 'login'>;
      update: Pick<PasswordUpdate, 'check' | 'apply'>;
    },
  ) {}

  async handle({ event, user, session, form, antiforgeryToken }: AccountRequest): Promise<HttpResponse> {
    const recent = await this.deps.recent.isRecent(session);
    if (!recent && user.passwordHash === undefined) return redirect(reauthenticationUrl('/account/password', user.email), { status: 303 });
    const page = (status: number, error?: string, invalidField?: 'current_password' | 'password', headers: Record<string, string> = {}) =>
      html(status, passwordChangePage({ antiforgeryToken, email: user.email, askCurrent: !recent, error, invalidField }), { headers });
    if (!form) return page(200);

    if (!recent) {
      const proved = await this.deps.passwordLogin.login(user.email, form.get('current_password') ?? '', { ip: sourceIp(event) });
      if (!proved.ok && proved.reason === 'throttled') {
        const retryAfterS = Math.max(1, Math.ceil(proved.retryAfterS));
        return page(429, lockedMessage(retryAfterS), 'current_password', { 'Retry-After': String(retryAfterS) });
      }
      if (!proved.ok) return page(400, 'Your current password is not right.', 'current_password');
    }
    const password = form.get('password') ?? '';
    const rules = await this.deps.update.check(user, password);
    if (!rules.ok) return page(400, passwordProblemText(rules.problem), 'password');
    await this.deps.update.apply(user, password, { reason: 'change', keepSessionId: session.sessionId });
    auditPasswordChanged(user, 'change');
    countAccountChange('password');
    return redirect(accountDoneUrl('password'), { status: 303 });
  }
}
