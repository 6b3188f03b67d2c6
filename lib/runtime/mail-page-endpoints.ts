/**
 * The page endpoints that mail one-time codes (registration, code sign-in), built on first use
 * like those in page-endpoints.ts. Kept apart so that only their functions bundle the SES client.
 */
import { once } from '../once.js';
import { formActionOriginsForReturnTo } from '../oidc/return-to-form-action.js';
import { LoginCodeEndpoint } from '../pages/login-code-endpoint.js';
import { RegisterEndpoint } from '../pages/register-endpoint.js';
import { getCodeSignIn, getRegistration } from './mail-services.js';
import { getAntiforgery, getDeviceCookie, getLoginCodeCookie, getRegistrationCookie, getSignInCompletion } from './services.js';

export const getLoginCodeEndpoint = /* @__PURE__ */ once(
  (): LoginCodeEndpoint =>
    new LoginCodeEndpoint({
      antiforgery: getAntiforgery(),
      signIn: getSignInCompletion(),
      codeSignIn: getCodeSignIn(),
      flowCookie: getLoginCodeCookie(),
      deviceCookie: getDeviceCookie(),
      formActionOrigins: formActionOriginsForReturnTo,
    }),
);

export const getRegisterEndpoint = /* @__PURE__ */ once(
  (): RegisterEndpoint =>
    new RegisterEndpoint({
      antiforgery: getAntiforgery(),
      signIn: getSignInCompletion(),
      registration: getRegistration(),
      flowCookie: getRegistrationCookie(),
      formActionOrigins: formActionOriginsForReturnTo,
    }),
);
