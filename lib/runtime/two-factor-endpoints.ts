/**
 * The account page's two-factor forms (lib/pages/two-factor-endpoint.ts), apart from
 * second-factor-services.ts because they mail the user (SES), which the second step of sign-in
 * never does.
 */
import { once } from '../once.js';
import { formActionOriginsForReturnTo } from '../oidc/return-to-form-action.js';
import { TotpEnrolments, TOTP_ENROLMENT_COOKIE_SHAPE } from '../pages/two-factor-enrolments.js';
import { TwoFactorEndpoint } from '../pages/two-factor-endpoint.js';
import { FlowCookie } from '../session/flow-cookie.js';
import { getMailer } from './mail-services.js';
import { getTotpFactor } from './second-factor-services.js';
import { getAccountVisitor, getRecentAuthentication } from './account-visitor.js';
import { getAntiforgery, getCache, getClock, getConfig, getDataProtector, getSessions } from './services.js';

export const getTotpEnrolments = /* @__PURE__ */ once(
  (): TotpEnrolments =>
    new TotpEnrolments({
      cookie: new FlowCookie({ ...TOTP_ENROLMENT_COOKIE_SHAPE, protector: getDataProtector(), clock: getClock() }),
      store: getCache(),
      totp: getTotpFactor(),
    }),
);

export const getTwoFactorEndpoint = /* @__PURE__ */ once((): TwoFactorEndpoint => {
  const config = getConfig();
  return new TwoFactorEndpoint({
    antiforgery: getAntiforgery(),
    visitor: getAccountVisitor(),
    recent: getRecentAuthentication(),
    sessions: getSessions(),
    totp: getTotpFactor(),
    enrolments: getTotpEnrolments(),
    mailer: getMailer(),
    issuerName: new URL(config.issuer).host,
    formActionOrigins: formActionOriginsForReturnTo,
  });
});
