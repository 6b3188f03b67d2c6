/**
 * Which rings this application rotates: the data-protection ring and the signing ring. The
 * generic rotation in lib/keyring knows neither; this is where the two are named together.
 */
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { masterKeyKind } from '../dataprotection/master-key.js';
import type { KeyRingRepository } from '../keyring/key-ring-repository.js';
import { rotateAhead, type RingRotation } from '../keyring/rotation.js';
import type { KeyWrapper } from '../kms/key-wrapper.js';
import { signingKeyKind } from '../signing/signing-key-material.js';

export interface ApplicationRotationDeps {
  config: Pick<Config, 'appName' | 'dataProtection' | 'signing'>;
  repository: KeyRingRepository;
  keyWrapper: KeyWrapper;
  clock?: Clock;
}

export function rotateApplicationRings(deps: ApplicationRotationDeps, now?: Date): Promise<RingRotation[]> {
  const { config, repository, keyWrapper, clock } = deps;
  const kinds = [masterKeyKind(config.dataProtection), signingKeyKind(config.signing)];
  return rotateAhead({ app: config.appName, kinds, repository, keyWrapper, ...(clock && { clock }) }, now);
}
