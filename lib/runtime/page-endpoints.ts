/**
 * The page endpoints that send no mail, built on first use from the instance's shared services
 * (services.ts) and reused by every warm invocation. The ones that mail codes are in
 * mail-page-endpoints.ts, so these functions do not bundle the SES client.
 */
import { once } from '../once.js';
import { formActionOriginsForReturnTo } from '../oidc/return-to-form-action.js';
import { HomeEndpoint } from '../pages/home-endpoint.js';
import { LoginEndpoint } from '../pages/login-endpoint.js';
import { getAntiforgery, getDeviceCookie, getPasswordLogin, getSessions, getSignInCompletion, getUserDirectory } from './services.js';

export const getHomeEndpoint = /* @__PURE__ */ once(
  (): HomeEndpoint => new HomeEndpoint({ antiforgery: getAntiforgery(), sessions: getSessions(), users: getUserDirectory() }),
);

export const getLoginEndpoint = /* @__PURE__ */ once(
  (): LoginEndpoint =>
    new LoginEndpoint({
      antiforgery: getAntiforgery(),
      signIn: getSignInCompletion(),
      passwordLogin: getPasswordLogin(),
      deviceCookie: getDeviceCookie(),
      formActionOrigins: formActionOriginsForReturnTo,
    }),
);
