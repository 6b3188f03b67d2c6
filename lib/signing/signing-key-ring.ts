/**
 * The signing ring for token issuance: the key that signs (unwrapped once per instance, then
 * signing stays in-process) and the published keys. This instance re-reads the ring every
 * `revocationCheckS` (default 30 s, shorter than the data-protection refresh), so a revoked key
 * stops signing here within that time; the read is shared by every token signed meanwhile.
 * Which key signs is signing policy (signing-key-policy.ts): never one published for less than
 * the propagation time. A ring with nothing live at all gets a key at once, through the same
 * lease as every other key creation; successors come from scheduled rotation and the revoke
 * command (lib/runtime/key-rotation.ts).
 */
import type { KeyObject } from 'node:crypto';
import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config.js';
import { KeyRingProvider } from '../keyring/key-ring-provider.js';
import type { KeyRingRepository } from '../keyring/key-ring-repository.js';
import type { KeyWrapper } from '../kms/key-wrapper.js';
import { signingKeyKind, type SigningMaterial } from './signing-key-material.js';
import { SigningKeyNotReadyError } from './signing-key-not-ready-error.js';
import { publishedSigningKeys, SIGNING_ALG, signingKeyAt, toPublishedJwk, type PublishedJwk, type SigningChoice } from './signing-key-policy.js';

export interface SigningKeyRingDeps {
  config: Pick<Config, 'appName' | 'signing' | 'dataProtection'>;
  repository: KeyRingRepository;
  keyWrapper: KeyWrapper;
  clock?: Clock;
}

export interface SigningKey {
  /** JWS `kid` header value. */
  kid: string;
  alg: typeof SIGNING_ALG;
  /** For jose: `new SignJWT(claims).setProtectedHeader({ alg, kid }).sign(privateKey)`. */
  privateKey: KeyObject;
  publicJwk: PublishedJwk;
}

export class SigningKeyRing {
  private readonly provider: KeyRingProvider<SigningMaterial>;
  private readonly clock: Clock;
  private readonly settings: Config['signing'];

  constructor(deps: SigningKeyRingDeps) {
    this.clock = deps.clock ?? systemClock;
    this.settings = deps.config.signing;
    const { refreshIntervalS, unknownKeyRefreshMinIntervalS } = deps.config.dataProtection;
    this.provider = new KeyRingProvider({
      app: deps.config.appName,
      kind: signingKeyKind(deps.config.signing),
      repository: deps.repository,
      keyWrapper: deps.keyWrapper,
      clock: this.clock,
      refreshIntervalS: Math.min(refreshIntervalS, deps.config.signing.revocationCheckS),
      unknownKeyRefreshMinIntervalS,
    });
  }

  /**
   * The key that signs now. One KMS Decrypt per key per instance, then cached. Throws
   * SigningKeyNotReadyError (503) while every key that may sign is revoked and the replacement
   * has not been published for the propagation time.
   */
  async currentSigningKey(): Promise<SigningKey> {
    let choice = await this.choose();
    if (choice.status === 'none') {
      // Nothing live at all (first deploy, or everything revoked and no replacement made yet).
      // The generic provider creates one under the ring's lease; the ring's first key signs at
      // once, a replacement only after propagation.
      await this.provider.currentKey();
      choice = await this.choose();
    }
    if (choice.status !== 'ready') {
      const waitMs = choice.status === 'not-ready' ? choice.readyAt.getTime() - this.clock() : 0;
      throw new SigningKeyNotReadyError(waitMs / 1000);
    }
    const record = choice.key;
    const material = await this.provider.material(record);
    return { kid: record.keyId, alg: SIGNING_ALG, privateKey: material.privateKey, publicJwk: toPublishedJwk(record) };
  }

  /** The JWKS keys now (same as SigningKeyPublisher, from this instance's cached ring). */
  async publishedKeys(): Promise<PublishedJwk[]> {
    return publishedSigningKeys(await this.provider.keys(), new Date(this.clock()), this.settings);
  }

  private async choose(): Promise<SigningChoice> {
    return signingKeyAt(await this.provider.keys(), new Date(this.clock()), this.settings);
  }
}
