/**
 * Scheduled: creates successor keys ahead of time for the data-protection and signing rings
 * (and a key at once for a ring with none usable). Safe to overlap with itself and with
 * request handlers. Logs key ids and dates only.
 */
import { loadConfig } from '../lib/config.js';
import { rotateApplicationRings } from '../lib/runtime/key-rotation.js';
import type { RingRotation } from '../lib/keyring/rotation.js';
import { createKmsClient } from '../lib/runtime/kms-client.js';
import { KmsKeyWrapper } from '../lib/kms/kms-key-wrapper.js';
import { createDocumentClient } from '../lib/runtime/dynamodb-client.js';
import { DynamoDbKeyRingRepository } from '../lib/store/key-ring-repository.js';

const config = loadConfig();
const repository = new DynamoDbKeyRingRepository({
  client: createDocumentClient({ region: config.region, endpoint: config.endpoints.dynamodb }),
  tableName: config.tables.keys,
});
const keyWrapper = new KmsKeyWrapper({
  client: createKmsClient({ region: config.region, endpoint: config.endpoints.kms }),
  keyId: config.kmsKeyId,
});

export async function handler(): Promise<{ rotations: RingRotation[] }> {
  try {
    const rotations = await rotateApplicationRings({ config, repository, keyWrapper });
    for (const rotation of rotations) console.log(JSON.stringify({ level: 'info', msg: 'key rotation', ...rotation }));
    return { rotations };
  } catch (error) {
    console.error(JSON.stringify({ level: 'error', msg: 'key rotation failed', error: error instanceof Error ? error.name : typeof error, message: error instanceof Error ? error.message : undefined }));
    throw error; // the schedule's retry policy and alarms see the failure
  }
}
