/** The passkey pages' endpoints (sign-in on /login; add, rename, remove and the offer under /account), built once per instance. */
import { once } from '../once.js';
import { formActionOriginsForReturnTo } from '../oidc/return-to-form-action.js';
import { PasskeyAccountEndpoint } from '../pages/passkey-account-endpoint.js';
import { PasskeySignInEndpoint } from '../pages/passkey-sign-in-endpoint.js';
import { getPasskeyAuthentication, getPasskeyRegistration, getPasskeyStore } from './passkey-services.js';
import { getTotpStore } from './second-factor-lookup.js';
import { getAntiforgery, getClock, getConfig, getSessions, getSignInCompletion, getUserDirectory } from './services.js';

export const getPasskeySignInEndpoint = /* @__PURE__ */ once(
  (): PasskeySignInEndpoint =>
    new PasskeySignInEndpoint({
      antiforgery: getAntiforgery(),
      authentication: getPasskeyAuthentication(),
      users: getUserDirectory(),
      signIn: getSignInCompletion(),
      formActionOrigins: formActionOriginsForReturnTo,
    }),
);

export const getPasskeyAccountEndpoint = /* @__PURE__ */ once(
  (): PasskeyAccountEndpoint =>
    new PasskeyAccountEndpoint({
      antiforgery: getAntiforgery(),
      sessions: getSessions(),
      users: getUserDirectory(),
      passkeys: getPasskeyStore(),
      registration: getPasskeyRegistration(),
      totp: getTotpStore(),
      recentAuthS: getConfig().account.recentAuthS,
      clock: getClock(),
      formActionOrigins: formActionOriginsForReturnTo,
    }),
);
