/**
 * The dependencies of this instance that need DynamoDB and nothing else: the configuration,
 * the clock, the document client and the table adapters, plus the published signing keys and
 * token inspection (JWKS, userinfo, revocation, introspection), whose functions therefore
 * bundle neither KMS nor SES. services.ts (KMS) and mail-services.ts (SES) build on these.
 *
 * Each getter builds its value on first use, at most once per instance (cold start), and warm
 * invocations reuse it; the PURE annotations let esbuild drop the getters a function never calls.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { systemClock, type Clock } from '../clock.js';
import { loadConfig, type Config } from '../config.js';
import type { KeyRingRepository } from '../keyring/key-ring-repository.js';
import { once } from '../once.js';
import { SigningKeyPublisher } from '../signing/signing-jwks.js';
import { DynamoDbKeyRingRepository } from '../store/key-ring-repository.js';
import { ConsentDirectory } from '../store/consent-directory.js';
import { TtlCache } from '../store/ttl-cache.js';
import { UserDirectory } from '../store/user-directory.js';
import { documentClientFor } from './dynamodb-client.js';
import { createTokenInspection, type TokenInspection } from './oidc-provider.js';

export const getConfig = /* @__PURE__ */ once((): Config => loadConfig());
export const getClock = (): Clock => systemClock;

export const getDocumentClient = /* @__PURE__ */ once((): DynamoDBDocumentClient => documentClientFor(getConfig()));

export const getCache = /* @__PURE__ */ once(
  (): TtlCache => new TtlCache({ client: getDocumentClient(), tableName: getConfig().tables.cache, clock: getClock() }),
);

export const getUserDirectory = /* @__PURE__ */ once(
  (): UserDirectory => new UserDirectory({ client: getDocumentClient(), tableName: getConfig().tables.directory, clock: getClock() }),
);

/** The consents users gave third-party clients (lib/oidc/consent-store.ts): the account page lists and revokes them. */
export const getConsentStore = /* @__PURE__ */ once(
  (): ConsentDirectory => new ConsentDirectory({ client: getDocumentClient(), tableName: getConfig().tables.directory, clock: getClock() }),
);

export const getKeyRingRepository = /* @__PURE__ */ once(
  (): KeyRingRepository => new DynamoDbKeyRingRepository({ client: getDocumentClient(), tableName: getConfig().tables.keys }),
);

export const getSigningKeyPublisher = /* @__PURE__ */ once(
  (): SigningKeyPublisher => new SigningKeyPublisher({ config: getConfig(), repository: getKeyRingRepository(), clock: getClock() }),
);

export const getTokenInspection = /* @__PURE__ */ once(
  (): TokenInspection =>
    createTokenInspection({ config: getConfig(), clock: getClock(), documentClient: getDocumentClient(), keyRingRepository: getKeyRingRepository() }),
);
