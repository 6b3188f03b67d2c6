/**
 * Seeds the local stack: the demo client, a public client (PKCE) for an app on
 * http://localhost:8080, and the first key of each ring, so JWKS publishes a signing key from
 * the first request. Idempotent: running it again leaves the same client and keys in place.
 * `scripts/start.ts` calls both after creating the tables.
 */
import { loadConfigSections } from '../lib/config.js';
import { rotateApplicationRings } from '../lib/runtime/key-rotation.js';
import type { RingRotation } from '../lib/keyring/rotation.js';
import { kmsClientFor, kmsKeyWrapperFor } from '../lib/runtime/kms-client.js';
import { documentClientFor } from '../lib/runtime/dynamodb-client.js';
import { DynamoDbKeyRingRepository } from '../lib/store/key-ring-repository.js';
import { registryFor } from './clients.js';

export const DEMO_CLIENT = {
  clientId: 'demo-app',
  redirectUris: ['http://localhost:8080/callback'],
  postLogoutRedirectUris: ['http://localhost:8080/'],
} as const;

export async function seedDemoClient(env: Record<string, string>): Promise<{ clientId: string; redirectUris: string[] }> {
  const config = loadConfigSections(['aws', 'directoryTable'], env);
  const documentClient = documentClientFor(config);
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
  const config = loadConfigSections(['app', 'aws', 'keysTable', 'kms', 'lifetimes'], env);
  const documentClient = documentClientFor(config);
  const kms = kmsClientFor(config);
  try {
    return await rotateApplicationRings({
      config,
      repository: new DynamoDbKeyRingRepository({ client: documentClient, tableName: config.tables.keys }),
      keyWrapper: kmsKeyWrapperFor(config, kms),
    });
  } finally {
    documentClient.destroy();
    kms.destroy();
  }
}
