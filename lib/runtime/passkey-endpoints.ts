/** Signing in with a passkey on /login, built once per instance (the account side, which mails, is in passkey-account-endpoints.ts). */
import { once } from '../once.js';
import { formActionOriginsForReturnTo } from '../oidc/return-to-form-action.js';
import { PasskeySignInEndpoint } from '../pages/passkey-sign-in-endpoint.js';
import { getPasskeyAuthentication } from './passkey-services.js';
import { getAntiforgery, getSignInCompletion, getUserDirectory } from './services.js';

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
