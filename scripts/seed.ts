/**
 * Seeds the local stack: the demo client, a public client (PKCE) for the demo app on
 * http://localhost:8080 (and DEMO_PORT), and the first key of each ring, so JWKS publishes a signing key from
 * the first request. Idempotent: running it again leaves the same client and keys in place.
 *
 * `scripts/start.ts` runs this file as a process of its own once DynamoDB Local and the local
 * KMS answer (tables, then the client, then the keys; one line per step): the AWS SDK it loads
 * then leaves with it rather than staying in `npm start`'s memory.
 */
import { loadConfigSections } from '../lib/config.js';
import { rotateApplicationRings } from '../lib/runtime/key-rotation.js';
import type { RingRotation } from '../lib/keyring/rotation.js';
import { kmsClientFor, kmsKeyWrapperFor } from '../lib/runtime/kms-client.js';
import { createDynamoDbClient, documentClientFor } from '../lib/runtime/dynamodb-client.js';
import { DynamoDbKeyRingRepository } from '../lib/store/key-ring-repository.js';
import { registryFor } from './clients.js';
import { DEMO_CLIENT, demoClientFor } from './demo-client.js';
import { runIfMain } from './run-as-main.js';
import { createTables } from './tables.js';

export { DEMO_CLIENT, DEMO_PORT, demoClientFor } from './demo-client.js';

export async function seedDemoClient(env: Record<string, string>): Promise<{ clientId: string; redirectUris: string[] }> {
  const config = loadConfigSections(['aws', 'directoryTable'], env);
  const documentClient = documentClientFor(config);
  try {
    // Replacing with the same metadata is what makes this idempotent (and repairs an edited demo client).
    const client = await registryFor(config, documentClient).register(
      { clientId: DEMO_CLIENT.clientId, ...demoClientFor(env) },
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

/** Tables, demo client and first keys of the local stack whose environment this process has. */
async function main(): Promise<void> {
  const env = process.env as Record<string, string>;
  const config = loadConfigSections(['aws', 'keysTable', 'cacheTable', 'directoryTable'], env);
  const raw = createDynamoDbClient({ region: config.region, ...(config.endpoints.dynamodb !== undefined && { endpoint: config.endpoints.dynamodb }) });
  try {
    await createTables(raw, config.tables);
  } finally {
    raw.destroy();
  }
  console.log('tables ready; seeding the demo client and the first keys');
  const demo = await seedDemoClient(env);
  console.log(`demo client ${demo.clientId}: ${demo.redirectUris.join(' ')}`);
  for (const rotation of await seedKeys(env)) {
    const key = rotation.action === 'none' ? rotation.currentKeyId : rotation.successor?.keyId;
    console.log(`${rotation.ring} key ${key}${rotation.action === 'none' ? '' : ' (created)'}`);
  }
}

runIfMain(import.meta.url, main);
