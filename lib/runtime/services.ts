/**
 * The shared dependencies of the page handlers, built lazily and at most once per instance
 * (cold start) from `loadConfig()`. Each getter builds only what it needs, so a handler that
 * imports `getSessions` does not construct the password hasher, and warm invocations reuse
 * clients, caches and unwrapped keys.
 *
 * The services of the flows that mail one-time codes (and so load the SES client) live in
 * code-flow-services.ts, so handlers that send no mail do not bundle it.
 *
 * Everything here is stateless across instances except through the two shared stores: the key
 * ring (DynamoDB `keys`, keys wrapped by KMS) and the TTL table (DynamoDB `cache`).
 */
import { systemClock, type Clock } from '../clock.js';
import { once } from '../once.js';
import { loadConfig, type Config } from '../config.js';
import type { DataProtector } from '../dataprotection/data-protector.js';
import type { KeyRingProvider } from '../keyring/key-ring-provider.js';
import { createDataProtectionKeyRing, createProtector } from '../dataprotection/protector.js';
import { LoginThrottle } from '../auth/login-throttle.js';
import { PasswordHasher } from '../auth/password-hasher.js';
import { PasswordLogin } from '../auth/password-login.js';
import { createKmsClient } from './kms-client.js';
import { KmsKeyWrapper } from '../kms/kms-key-wrapper.js';
import type { KeyWrapper } from '../kms/key-wrapper.js';
import { Antiforgery } from '../session/antiforgery.js';
import type { FlowCookie } from '../session/flow-cookie.js';
import { loginCodeCookie, registrationCookie, type LoginCodeCookie, type RegistrationCookie } from '../session/flow-cookies.js';
import { Sessions } from '../session/sessions.js';
import { createDocumentClient } from './dynamodb-client.js';
import type { KeyRingRepository } from '../keyring/key-ring-repository.js';
import { DynamoDbKeyRingRepository } from '../store/key-ring-repository.js';
import { TtlCache } from '../store/ttl-cache.js';
import { UserDirectory } from '../store/user-directory.js';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export const getConfig = /* @__PURE__ */ once((): Config => loadConfig());
export const getClock = (): Clock => systemClock;

export const getDocumentClient = /* @__PURE__ */ once((): DynamoDBDocumentClient => {
  const config = getConfig();
  return createDocumentClient({ region: config.region, endpoint: config.endpoints.dynamodb });
});

export const getCache = /* @__PURE__ */ once(
  (): TtlCache => new TtlCache({ client: getDocumentClient(), tableName: getConfig().tables.cache, clock: getClock() }),
);

export const getKeyWrapper = /* @__PURE__ */ once((): KeyWrapper => {
  const config = getConfig();
  return new KmsKeyWrapper({ client: createKmsClient({ region: config.region, endpoint: config.endpoints.kms }), keyId: config.kmsKeyId });
});

export const getKeyRingRepository = /* @__PURE__ */ once(
  (): KeyRingRepository => new DynamoDbKeyRingRepository({ client: getDocumentClient(), tableName: getConfig().tables.keys }),
);

/** One ring provider per instance, shared by the protector and the code hasher: one cache, one unwrap per key. */
export const getDataProtectionKeyRing = /* @__PURE__ */ once(
  (): KeyRingProvider<Buffer> =>
    createDataProtectionKeyRing({ config: getConfig(), keyWrapper: getKeyWrapper(), repository: getKeyRingRepository(), clock: getClock() }),
);

/** The application's root protector; features add their purpose. */
export const getDataProtector = /* @__PURE__ */ once((): DataProtector => createProtector(getDataProtectionKeyRing(), getConfig().appName, getClock()));

export const getUserDirectory = /* @__PURE__ */ once(
  (): UserDirectory => new UserDirectory({ client: getDocumentClient(), tableName: getConfig().tables.directory, clock: getClock() }),
);

export const getPasswordHasher = /* @__PURE__ */ once((): PasswordHasher => new PasswordHasher({ logN: getConfig().password.scryptLogN }));

export const getLoginThrottle = /* @__PURE__ */ once(
  (): LoginThrottle => new LoginThrottle({ cache: getCache(), settings: getConfig().bruteForce, clock: getClock() }),
);

export const getPasswordLogin = /* @__PURE__ */ once(
  (): PasswordLogin => new PasswordLogin({ users: getUserDirectory(), hasher: getPasswordHasher(), throttle: getLoginThrottle() }),
);

export const getSessions = /* @__PURE__ */ once(
  (): Sessions => new Sessions({ protector: getDataProtector(), store: getCache(), settings: getConfig().session, clock: getClock() }),
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

