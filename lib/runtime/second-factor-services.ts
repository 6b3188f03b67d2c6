/**
 * The TOTP factor and the second step of sign-in, built lazily once per instance over
 * services.ts. Only the functions that check or change a second factor (the second step, the
 * account page's two-factor section, the step-up at /authorize) import this module.
 */
import { KeyRingKeyedHasher } from '../auth/key-ring-keyed-hasher.js';
import type { KeyedHasher } from '../auth/keyed-hasher.js';
import { LoginThrottle } from '../auth/login-throttle.js';
import { TotpFactor } from '../auth/totp-factor.js';
import { once } from '../once.js';
import { formActionOriginsForReturnTo } from '../oidc/return-to-form-action.js';
import { SecondFactorEndpoint } from '../pages/second-factor-endpoint.js';
import { getTotpStore } from './second-factor-lookup.js';
import {
  getAntiforgery,
  getCache,
  getClock,
  getConfig,
  getDataProtectionKeyRing,
  getDataProtector,
  getSecondFactorFlows,
  getSessionCompletion,
  getSessions,
  getUserDirectory,
} from './services.js';

/** Recovery codes' keyed hash: a key of its own from the data-protection ring (lib/auth/recovery-codes.ts says why not argon2). */
export const getRecoveryCodeHasher = /* @__PURE__ */ once(
  (): KeyedHasher => new KeyRingKeyedHasher(getDataProtectionKeyRing(), `${getConfig().appName}/recovery-codes`),
);

export const getTotpFactor = /* @__PURE__ */ once((): TotpFactor => {
  const config = getConfig();
  // Kind `code`: the same per-account budget as mailed codes (the same counters).
  const throttle = new LoginThrottle({ cache: getCache(), settings: config.bruteForce, clock: getClock(), kind: 'code' });
  return new TotpFactor({ store: getTotpStore(), protector: getDataProtector(), recoveryHasher: getRecoveryCodeHasher(), throttle, clock: getClock() });
});

export const getSecondFactorEndpoint = /* @__PURE__ */ once(
  (): SecondFactorEndpoint =>
    new SecondFactorEndpoint({
      antiforgery: getAntiforgery(),
      flows: getSecondFactorFlows(),
      users: getUserDirectory(),
      codes: getTotpFactor(),
      factors: getTotpFactor(),
      next: getSessionCompletion(),
      sessions: getSessions(),
      formActionOrigins: formActionOriginsForReturnTo,
    }),
);
