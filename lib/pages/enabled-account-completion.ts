/**
 * The first link of the sign-in chain (lib/pages/sign-in-completion.ts): an account an operator
 * disabled gets no session, whatever the method (password, emailed code, passkey, password
 * reset). Every method ends here, so none can forget the check. It answers only after a factor
 * was proved, so it tells the account's owner why and nobody else anything; registration
 * creates a new account, which is never disabled, so it reveals nothing either.
 *
 * Cost: none when the endpoint read the user to check the factor (password, passkey: it comes
 * with the factor), else one GetItem of the user.
 */
import type { AccountReads } from '../auth/account-lookup.js';
import { isDisabled } from '../auth/user-status.js';
import { renderErrorPage } from '../http/error-page.js';
import { html, type HttpResponse } from '../http/response.js';
import { countMetric } from '../observability/metrics.js';
import type { FirstFactor, SignInCompletion } from './sign-in-completion.js';

export class EnabledAccountCompletion implements SignInCompletion {
  constructor(private readonly deps: { next: SignInCompletion; users: Pick<AccountReads, 'findById'> }) {}

  async complete(factor: FirstFactor): Promise<HttpResponse> {
    const user = factor.user?.id === factor.subject ? factor.user : await this.deps.users.findById(factor.subject);
    if (user !== undefined && !isDisabled(user)) return this.deps.next.complete(factor);
    countMetric('DisabledSignIn', {});
    const page = renderErrorPage({
      title: 'This account is disabled',
      message: 'You cannot sign in with this account at the moment. If you think this is a mistake, contact the service\u2019s support.',
      startAgainHref: '/',
    });
    return html(403, page, { cookies: [...(factor.cookies ?? [])] });
  }
}
