/**
 * Scheduled: creates successor keys ahead of time for the data-protection and signing rings
 * (and a key at once for a ring with none usable). Safe to overlap with itself and with
 * request handlers. Logs key ids and dates only; each created key is an audit event.
 */
import type { RingRotation } from '../lib/keyring/rotation.js';
import { observeInvocation } from '../lib/observability/invocation.js';
import { logger } from '../lib/observability/logger.js';
import { auditCreatedKeys } from '../lib/runtime/key-rotation.js';
import { rotateKeyRings } from '../lib/runtime/services.js';

export function handler(): Promise<{ rotations: RingRotation[] }> {
  return observeInvocation(() => undefined, async () => {
    try {
      const rotations = await rotateKeyRings();
      for (const rotation of rotations) logger.info('key rotation', { ...rotation });
      auditCreatedKeys(rotations, { type: 'system', id: 'rotateKeys schedule' });
      return { rotations };
    } catch (error) {
      logger.error('key rotation failed', error instanceof Error ? { error: error.name, reason: error.message } : { error: typeof error });
      throw error; // the schedule's retry policy and alarms see the failure
    }
  });
}
