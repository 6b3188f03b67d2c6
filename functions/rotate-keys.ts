/**
 * Scheduled: creates successor keys ahead of time for the data-protection and signing rings
 * (and a key at once for a ring with none usable). Safe to overlap with itself and with
 * request handlers. Logs key ids and dates only.
 */
import type { RingRotation } from '../lib/keyring/rotation.js';
import { rotateKeyRings } from '../lib/runtime/services.js';

export async function handler(): Promise<{ rotations: RingRotation[] }> {
  try {
    const rotations = await rotateKeyRings();
    for (const rotation of rotations) console.log(JSON.stringify({ level: 'info', msg: 'key rotation', ...rotation }));
    return { rotations };
  } catch (error) {
    const failure = error instanceof Error ? { error: error.name, message: error.message } : { error: typeof error };
    console.error(JSON.stringify({ level: 'error', msg: 'key rotation failed', ...failure }));
    throw error; // the schedule's retry policy and alarms see the failure
  }
}
