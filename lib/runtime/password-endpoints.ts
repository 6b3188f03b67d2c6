/**
 * Setting passwords: "forgot your password?" and the password part of /account. Both mail (the
 * reset code, the "password changed" notice) and hash, so their functions bundle SES and argon2.
 */
import { PasswordReset } from '../auth/password-reset.js';
import { PasswordUpdate } from '../auth/password-update.js';
import { once } from '../once.js';
import { formActionOriginsForReturnTo } from '../oidc/return-to-form-action.js';
import { passwordResetCookie } from '../session/password-reset-cookie.js';
import { PasswordResetEndpoint } from '../pages/password-reset-endpoint.js';
import { getAccountSignOut } from './account-services.js';
import { getMailBudget, getMailer, getOneTimeCodes } from './mail-services.js';
import { getAntiforgery, getCache, getClock, getConfig, getDataProtector, getDeviceCookie, getPasswordHasher, getSignInCompletion, getUserDirectory } from './services.js';

export const getPasswordUpdate = /* @__PURE__ */ once(
  (): PasswordUpdate =>
    new PasswordUpdate({ users: getUserDirectory(), hasher: getPasswordHasher(), signOut: getAccountSignOut(), mailer: getMailer(), clock: getClock() }),
);

export const getPasswordResetEndpoint = /* @__PURE__ */ once(
  (): PasswordResetEndpoint =>
    new PasswordResetEndpoint({
      antiforgery: getAntiforgery(),
      signIn: getSignInCompletion(),
      reset: new PasswordReset({
        codes: getOneTimeCodes(),
        users: getUserDirectory(),
        cache: getCache(),
        update: getPasswordUpdate(),
        mailer: getMailer(),
        mailBudget: getMailBudget(),
        clock: getClock(),
        registerUrl: `${getConfig().issuer}/register`,
      }),
      flowCookie: passwordResetCookie({ protector: getDataProtector(), clock: getClock() }),
      deviceCookie: getDeviceCookie(),
      formActionOrigins: formActionOriginsForReturnTo,
    }),
);
