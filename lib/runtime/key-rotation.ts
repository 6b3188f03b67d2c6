/**
 * Which rings this application rotates: the data-protection ring and one signing ring per
 * algorithm (ES256, RS256). The
 * generic rotation and revocation in lib/keyring know neither; this is where the two are named
 * together.
 */
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { masterKeyKind } from '../dataprotection/master-key.js';
import type { KeyKind } from '../keyring/key-kind.js';
import type { KeyRingRepository } from '../keyring/key-ring-repository.js';
import { revokeKeys, type Revocation, type RevocationOutcome } from '../keyring/revocation.js';
import { rotateAhead, type RingRotation } from '../keyring/rotation.js';
import type { KeyWrapper } from '../kms/key-wrapper.js';
import { audit, type AuditParty } from '../observability/audit.js';
import { signingKeyKind } from '../signing/signing-key-material.js';
import { SIGNING_ALGORITHMS } from '../signing/signing-key-policy.js';

export interface ApplicationRotationDeps {
  config: Pick<Config, 'appName' | 'dataProtection' | 'signing'>;
  repository: KeyRingRepository;
  keyWrapper: KeyWrapper;
  clock?: Clock;
}

function applicationKeyKinds(config: ApplicationRotationDeps['config']): KeyKind<unknown>[] {
  return [masterKeyKind(config.dataProtection), ...SIGNING_ALGORITHMS.map((alg) => signingKeyKind(config.signing, alg))];
}

export function rotateApplicationRings(deps: ApplicationRotationDeps, now?: Date): Promise<RingRotation[]> {
  const { config, repository, keyWrapper, clock } = deps;
  return rotateAhead({ app: config.appName, kinds: applicationKeyKinds(config), repository, keyWrapper, ...(clock && { clock }) }, now);
}

/** Revokes keys of `ring`, creating first what the ring then lacks (see lib/keyring/revocation.ts). */
export function revokeApplicationKeys(deps: ApplicationRotationDeps, ring: string, revocation: Revocation, now: Date): Promise<RevocationOutcome> {
  const { config, repository, keyWrapper } = deps;
  const kind = applicationKeyKinds(config).find((candidate) => candidate.ring === ring);
  if (kind === undefined) throw new Error(`unknown key ring "${ring}"`);
  return revokeKeys({ app: config.appName, repository, keyWrapper }, kind, revocation, now);
}

/** One `key.rotated` audit event per key a rotation (or a revocation's replacement) created. */
export function auditCreatedKeys(rotations: readonly Pick<RingRotation, 'ring' | 'created'>[], actor: AuditParty): void {
  for (const { ring, created } of rotations) {
    for (const key of created) audit({ event: 'key.rotated', actor, subject: { type: 'key', id: key.keyId }, detail: { ring, activatesAt: key.activatesAt } });
  }
}

/** The `key.revoked` audit event of a revocation that happened, and one per key created to replace the revoked ones. */
export function auditRevocation(ring: string, revocation: Revocation, outcome: RevocationOutcome, actor: AuditParty): void {
  if (!outcome.revoked) return;
  auditCreatedKeys([{ ring, created: outcome.created }], actor);
  const subject = 'keyId' in revocation ? revocation.keyId : `created-before ${revocation.createdBefore.toISOString()}`;
  audit({ event: 'key.revoked', actor, subject: { type: 'key', id: subject }, detail: { ring } });
}
