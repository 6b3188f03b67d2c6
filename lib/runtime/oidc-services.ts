/**
 * The OpenID Provider of this instance, built on first use from `loadConfig()` and reused by
 * every warm invocation (clients, caches, the unwrapped signing key). Kept apart from
 * lib/services.ts so the OIDC functions bundle only what they use; the token-inspection
 * endpoints use inspection-services.ts, which never loads the KMS client.
 */
import { systemClock } from '../clock.js';
import { loadConfig } from '../config.js';
import { createKmsClient } from './kms-client.js';
import { KmsKeyWrapper } from '../kms/kms-key-wrapper.js';
import { once } from '../once.js';
import { createDocumentClient } from './dynamodb-client.js';
import { createOidcProvider, type OidcProvider } from './oidc-provider.js';

export const getOidcProvider = /* @__PURE__ */ once((): OidcProvider => {
  const config = loadConfig();
  return createOidcProvider({
    config,
    clock: systemClock,
    documentClient: createDocumentClient({ region: config.region, endpoint: config.endpoints.dynamodb }),
    keyWrapper: new KmsKeyWrapper({ client: createKmsClient({ region: config.region, endpoint: config.endpoints.kms }), keyId: config.kmsKeyId }),
  });
});
