/**
 * The dependencies of the functions that use the key rings through KMS (the pages, the OpenID
 * Provider's authorize, token and logout endpoints, the scheduled key rotation), built lazily
 * and at most once per instance (cold start) over the DynamoDB-only ones of table-services.ts.
 * Each getter builds only what it needs, so a handler that imports `getSessions` does not
 * construct the password hasher, and warm invocations reuse clients, caches and unwrapped keys.
 *
 * The services of the flows that mail one-time codes (and so load the SES client) live in
 * mail-services.ts, so handlers that send no mail do not bundle it.
 *
 * Everything here is stateless across instances except through the two shared stores: the key
 * ring (DynamoDB `keys`, keys wrapped by KMS) and the TTL table (DynamoDB `cache`).
 */
import type { KnownDevice } from '../auth/attempt-scopes.js';
import { LoginThrottle } from '../auth/login-throttle.js';
import { PasswordHasher } from '../auth/password-hasher.js';
import { PasswordLogin } from '../auth/password-login.js';
import type { DataProtector } from '../dataprotection/data-protector.js';
import { createDataProtectionKeyRing, createProtector } from '../dataprotection/protector.js';
import type { KeyRingProvider } from '../keyring/key-ring-provider.js';
import type { RingRotation } from '../keyring/rotation.js';
import type { KeyWrapper } from '../kms/key-wrapper.js';
import { logger } from '../observability/logger.js';
import { once } from '../once.js';
import { Antiforgery } from '../session/antiforgery.js';
import { deviceCookie } from '../session/device-cookie.js';
import { FlowCookie } from '../session/flow-cookie.js';
import { loginCodeCookie, registrationCookie, type LoginCodeCookie, type RegistrationCookie } from '../session/flow-cookies.js';
import { Sessions } from '../session/sessions.js';
import { auditCreatedKeys, rotateApplicationRings } from './key-rotation.js';
import { kmsKeyWrapperFor } from './kms-client.js';
import { createOidcProvider, type OidcProvider } from './oidc-provider.js';
import { getCache, getClock, getConfig, getDocumentClient, getKeyRingRepository, getUserDirectory } from './table-services.js';
import { SessionSignInCompletion, type SignInCompletion } from '../pages/sign-in-completion.js';
import { SECOND_FACTOR_COOKIE_SHAPE, SecondFactorFlows } from '../pages/second-factor-flow.js';
import { SecondFactorGate } from '../pages/second-factor-gate.js';
import { EnabledAccountCompletion } from '../pages/enabled-account-completion.js';
import { getSecondFactorLookup } from './second-factor-lookup.js';
import { PasskeyOfferCompletion } from '../pages/passkey-offer-completion.js';
import { getPasskeyStore } from './passkey-store.js';

export { getCache, getClock, getConfig, getDocumentClient, getKeyRingRepository, getUserDirectory } from './table-services.js';

export const getKeyWrapper = /* @__PURE__ */ once((): KeyWrapper => kmsKeyWrapperFor(getConfig()));

/** One ring provider per instance, shared by the protector and the code hasher: one cache, one unwrap per key. */
export const getDataProtectionKeyRing = /* @__PURE__ */ once(
  (): KeyRingProvider<Buffer> =>
    createDataProtectionKeyRing({ config: getConfig(), keyWrapper: getKeyWrapper(), repository: getKeyRingRepository(), clock: getClock() }),
);

/** The application's root protector; features add their purpose. */
export const getDataProtector = /* @__PURE__ */ once((): DataProtector => createProtector(getDataProtectionKeyRing(), getConfig().appName, getClock()));

export const getPasswordHasher = /* @__PURE__ */ once((): PasswordHasher => new PasswordHasher(getConfig().password));

/** The guessing budgets of passwords; mailed codes have their own (mail-services.ts). */
export const getLoginThrottle = /* @__PURE__ */ once(
  (): LoginThrottle => new LoginThrottle({ cache: getCache(), settings: getConfig().bruteForce, clock: getClock(), kind: 'password' }),
);

export const getPasswordLogin = /* @__PURE__ */ once(
  (): PasswordLogin => new PasswordLogin({ users: getUserDirectory(), hasher: getPasswordHasher(), throttle: getLoginThrottle() }),
);

export const getSessions = /* @__PURE__ */ once(
  (): Sessions => new Sessions({ protector: getDataProtector(), store: getCache(), settings: getConfig().session, clock: getClock() }),
);

/** What a sign-in continues with once every factor it needs is proved: the session (the passkey offer wraps it). */
export const getSessionCompletion = /* @__PURE__ */ once(
  (): SignInCompletion => new PasskeyOfferCompletion({ next: new SessionSignInCompletion(getSessions()), passkeys: getPasskeyStore() }),
);

/** The pending second step of sign-in: a protected cookie and a TTL item (lib/pages/second-factor-flow.ts). */
export const getSecondFactorFlows = /* @__PURE__ */ once(
  (): SecondFactorFlows =>
    new SecondFactorFlows({ cookie: new FlowCookie({ ...SECOND_FACTOR_COOKIE_SHAPE, protector: getDataProtector(), clock: getClock() }), store: getCache() }),
);

/**
 * Every sign-in path ends here (lib/pages/sign-in-completion.ts): a disabled account stops first
 * (lib/pages/enabled-account-completion.ts), then the second factor, for users who have one
 * (lib/pages/second-factor-gate.ts), then the session.
 */
export const getSignInCompletion = /* @__PURE__ */ once(
  (): SignInCompletion =>
    new EnabledAccountCompletion({
      users: getUserDirectory(),
      next: new SecondFactorGate({ next: getSessionCompletion(), lookup: getSecondFactorLookup(), flows: getSecondFactorFlows() }),
    }),
);

export const getAntiforgery = /* @__PURE__ */ once((): Antiforgery => {
  const sessions = getSessions();
  return new Antiforgery({ protector: getDataProtector(), sessionIdOf: (event) => sessions.sessionIdOf(event), clock: getClock() });
});

export const getRegistrationCookie = /* @__PURE__ */ once(
  (): FlowCookie<RegistrationCookie> =>
    registrationCookie({ protector: getDataProtector(), lifetimeS: getConfig().registration.ttlS, clock: getClock() }),
);

export const getLoginCodeCookie = /* @__PURE__ */ once((): FlowCookie<LoginCodeCookie> => loginCodeCookie({ protector: getDataProtector(), clock: getClock() }));

export const getDeviceCookie = /* @__PURE__ */ once(
  (): FlowCookie<KnownDevice> =>
    deviceCookie({ protector: getDataProtector(), lifetimeS: getConfig().bruteForce.deviceCookieLifetimeS, clock: getClock() }),
);

/** The OpenID Provider over this instance's client, key ring and protector (one ring cache, one unwrap per key). */
export const getOidcProvider = /* @__PURE__ */ once(
  (): OidcProvider =>
    createOidcProvider({
      config: getConfig(),
      clock: getClock(),
      documentClient: getDocumentClient(),
      keyWrapper: getKeyWrapper(),
      keyRingRepository: getKeyRingRepository(),
      protector: getDataProtector(),
    }),
);

/**
 * The scheduled rotation of this instance's rings (data protection and signing). Logs key ids
 * and dates only; each created key is an audit event; a failure is logged and rethrown, so the
 * schedule's retry policy and alarms see it.
 */
export async function rotateKeyRings(): Promise<RingRotation[]> {
  try {
    const rotations = await rotateApplicationRings({ config: getConfig(), repository: getKeyRingRepository(), keyWrapper: getKeyWrapper(), clock: getClock() });
    for (const rotation of rotations) logger.info('key rotation', { ...rotation });
    auditCreatedKeys(rotations, { type: 'system', id: 'rotateKeys schedule' });
    return rotations;
  } catch (error) {
    logger.error('key rotation failed', error instanceof Error ? { error: error.name, reason: error.message } : { error: typeof error });
    throw error;
  }
}
