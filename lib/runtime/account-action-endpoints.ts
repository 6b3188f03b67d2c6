/**
 * /account/profile, /account/email, /account/password, /account/delete: the account's own
 * sections' forms, in one function. It mails (the new address's code, notices) and hashes (a new
 * password), so it bundles SES and argon2, which the /account page itself does not.
 */
import { EmailChange } from '../auth/email-change.js';
import { once } from '../once.js';
import { AccountActionsEndpoint } from '../pages/account-actions-endpoint.js';
import { ProfileAction } from '../pages/account-profile-action.js';
import { DeleteAccountAction } from '../pages/delete-account-action.js';
import { EmailChangeAction } from '../pages/email-change-action.js';
import { emailChangeCookie } from '../session/email-change-cookie.js';
import { PasswordChangeAction } from '../pages/password-change-action.js';
import { getAccountDeletion } from './account-services.js';
import { getAccountVisitor, getRecentAuthentication } from './account-visitor.js';
import { getMailBudget, getMailer, getOneTimeCodes } from './mail-services.js';
import { getPasswordUpdate } from './password-endpoints.js';
import { getAntiforgery, getCache, getClock, getDataProtector, getPasswordLogin, getSessions, getUserDirectory } from './services.js';

export const getAccountActionsEndpoint = /* @__PURE__ */ once((): AccountActionsEndpoint => {
  const recent = getRecentAuthentication();
  const change = new EmailChange({
    codes: getOneTimeCodes(),
    users: getUserDirectory(),
    cache: getCache(),
    mailer: getMailer(),
    mailBudget: getMailBudget(),
    clock: getClock(),
  });
  return new AccountActionsEndpoint({
    visitor: getAccountVisitor(),
    antiforgery: getAntiforgery(),
    actions: {
      profile: new ProfileAction(getUserDirectory()),
      email: new EmailChangeAction({ recent, change, flowCookie: emailChangeCookie({ protector: getDataProtector(), clock: getClock() }) }),
      password: new PasswordChangeAction({ recent, passwordLogin: getPasswordLogin(), update: getPasswordUpdate() }),
      delete: new DeleteAccountAction({ recent, deletion: getAccountDeletion(), sessions: getSessions(), mailer: getMailer() }),
    },
  });
});
