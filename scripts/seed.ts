/**
 * Seeds the local stack: the demo client, a public client (PKCE) for an app on
 * http://localhost:8080, and the first key of each ring, so JWKS publishes a signing key from
 * the first request. Idempotent: running it again leaves the same client and keys in place.
 * `scripts/start.ts` calls both after creating the tables.
 */
import { loadConfig } from '../lib/config.js';
import { rotateApplicationRings } from '../lib/runtime/key-rotation.js';
import type { RingRotation } from '../lib/keyring/rotation.js';
import { createKmsClient } from '../lib/runtime/kms-client.js';
import { KmsKeyWrapper } from '../lib/kms/kms-key-wrapper.js';
import { createDocumentClient } from '../lib/runtime/dynamodb-client.js';
import { DynamoDbKeyRingRepository } from '../lib/store/key-ring-repository.js';
import { registryFor } from './clients.js';

export const DEMO_CLIENT = {
  clientId: 'demo-app',
  redirectUris: ['http://localhost:8080/callback'],
  postLogoutRedirectUris: ['http://localhost:8080/'],
} as const;

export async function seedDemoClient(env: Record<string, string>): Promise<{ clientId: string; redirectUris: string[] }> {
  const config = loadConfig(env);
  const documentClient = createDocumentClient({ region: config.region, endpoint: config.endpoints.dynamodb });
  try {
    // Replacing with the same metadata is what makes this idempotent (and repairs an edited demo client).
    const client = await registryFor(config, documentClient).register(
      {
        clientId: DEMO_CLIENT.clientId,
        redirectUris: [...DEMO_CLIENT.redirectUris],
        postLogoutRedirectUris: [...DEMO_CLIENT.postLogoutRedirectUris],
      },
      { replace: true },
    );
    return { clientId: client.clientId, redirectUris: client.redirectUris };
  } finally {
    documentClient.destroy();
  }
}

/** What the scheduled rotation would do, done now: a ring with no usable key gets one at once. */
export async function seedKeys(env: Record<string, string>): Promise<RingRotation[]> {
  const config = loadConfig(env);
  const documentClient = createDocumentClient({ region: config.region, endpoint: config.endpoints.dynamodb });
  const kms = createKmsClient({ region: config.region, endpoint: config.endpoints.kms });
  try {
    return await rotateApplicationRings({
      config,
      repository: new DynamoDbKeyRingRepository({ client: documentClient, tableName: config.tables.keys }),
      keyWrapper: new KmsKeyWrapper({ client: kms, keyId: config.kmsKeyId }),
    });
  } finally {
    documentClient.destroy();
    kms.destroy();
  }
}
