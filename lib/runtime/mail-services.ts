/**
 * Services of the flows that mail one-time codes (registration, code sign-in), built lazily
 * once per instance over those of services.ts. Kept apart so that only the handlers that send
 * mail bundle the SES client.
 */
import type { KeyedHasher } from '../auth/keyed-hasher.js';
import { LoginThrottle } from '../auth/login-throttle.js';
import { MailBudget } from '../auth/mail-budget.js';
import type { Mailer } from '../auth/mailer.js';
import { OneTimeCodes } from '../auth/one-time-codes.js';
import { Registration } from '../auth/registration.js';
import { KeyRingKeyedHasher } from '../auth/key-ring-keyed-hasher.js';
import { once } from '../once.js';
import { logger } from '../observability/logger.js';
import { countMetric } from '../observability/metrics.js';
import { getCache, getClock, getConfig, getDataProtectionKeyRing, getPasswordHasher, getUserDirectory } from './services.js';
import { mailerFor } from './mailer.js';
import { CodeSignIn } from '../auth/code-sign-in.js';

/**
 * The keyed hash for one-time codes. Its key is derived from the data-protection master keys
 * (HKDF, a label of its own), so it is stored nowhere, is the same on every instance, and
 * rotates with the ring; each hash names the master key it was made under, so codes issued
 * just before a rotation still verify after it.
 */
export const getCodeHasher = /* @__PURE__ */ once((): KeyedHasher => new KeyRingKeyedHasher(getDataProtectionKeyRing(), `${getConfig().appName}/one-time-codes`));

/** Mailed codes count guesses in budgets of their own, apart from passwords' (services.ts). */
export const getOneTimeCodes = /* @__PURE__ */ once((): OneTimeCodes => {
  const config = getConfig();
  const throttle = new LoginThrottle({ cache: getCache(), settings: config.bruteForce, clock: getClock(), kind: 'code' });
  return new OneTimeCodes({ cache: getCache(), hasher: getCodeHasher(), settings: config.otp, clock: getClock(), throttle });
});

export const getMailer = /* @__PURE__ */ once((): Mailer => mailerFor(getConfig(), { cache: getCache(), clock: getClock() }));

export const getMailBudget = /* @__PURE__ */ once((): MailBudget => {
  const config = getConfig();
  return new MailBudget({
    cache: getCache(),
    settings: config.mailBudget,
    clock: getClock(),
    // One log line and one metric per trip (the instance that opened it), for an alarm.
    onCircuitOpen: (opened) => {
      logger.error('mail circuit open: the global mail cap was reached, new mail is refused for the cool-down', { ...opened });
      countMetric('MailCircuitOpen', {});
    },
  });
});

export const getRegistration = /* @__PURE__ */ once(
  (): Registration =>
    new Registration({
      cache: getCache(),
      codes: getOneTimeCodes(),
      users: getUserDirectory(),
      mailer: getMailer(),
      mailBudget: getMailBudget(),
      hasher: getPasswordHasher(),
      settings: getConfig().registration,
      clock: getClock(),
    }),
);

export const getCodeSignIn = /* @__PURE__ */ once(
  (): CodeSignIn =>
    new CodeSignIn({
      codes: getOneTimeCodes(),
      users: getUserDirectory(),
      mailer: getMailer(),
      mailBudget: getMailBudget(),
      registerUrl: `${getConfig().issuer}/register`,
    }),
);
