/**
 * The passkey forms of /account (add, rename, remove) and the offer after sign-in, built once per
 * instance. Apart from passkey-endpoints.ts because it mails (the SES client), which sign-in does not.
 */
import { once } from '../once.js';
import { formActionOriginsForReturnTo } from '../oidc/return-to-form-action.js';
import { PasskeyAccountEndpoint } from '../pages/passkey-account-endpoint.js';
import { getMailer } from './mail-services.js';
import { getPasskeyRegistration } from './passkey-services.js';
import { getPasskeyStore } from './passkey-store.js';
import { getTotpStore } from './second-factor-lookup.js';
import { getAntiforgery, getClock, getConfig, getSessions, getUserDirectory } from './services.js';

export const getPasskeyAccountEndpoint = /* @__PURE__ */ once(
  (): PasskeyAccountEndpoint =>
    new PasskeyAccountEndpoint({
      antiforgery: getAntiforgery(),
      sessions: getSessions(),
      users: getUserDirectory(),
      passkeys: getPasskeyStore(),
      registration: getPasskeyRegistration(),
      totp: getTotpStore(),
      mailer: getMailer(),
      recentAuthS: getConfig().account.recentAuthS,
      clock: getClock(),
      formActionOrigins: formActionOriginsForReturnTo,
    }),
);
