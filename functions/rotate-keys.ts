/**
 * Scheduled: creates successor keys ahead of time for the data-protection and signing rings
 * (and a key at once for a ring with none usable). Safe to overlap with itself and with
 * request handlers.
 */
import type { RingRotation } from '../lib/keyring/rotation.js';
import { observeInvocation } from '../lib/observability/invocation.js';
import { rotateKeyRings } from '../lib/runtime/services.js';

export function handler(): Promise<{ rotations: RingRotation[] }> {
  return observeInvocation('rotate-keys', () => undefined, async () => ({ rotations: await rotateKeyRings() }));
}
