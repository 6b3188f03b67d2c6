/**
 * The signing rings for token issuance, one per algorithm (signing-key-policy.ts): the key that
 * signs (unwrapped once per instance, then signing stays in-process) and the published keys. This instance re-reads the ring every
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
import {
  DEFAULT_SIGNING_ALG,
  publishedSigningKeys,
  SIGNING_ALGORITHMS,
  signingKeyAt,
  toPublishedJwk,
  type PublishedJwk,
  type SigningAlg,
  type SigningChoice,
} from './signing-key-policy.js';

export interface SigningKeyRingDeps {
  config: Pick<Config, 'appName' | 'signing' | 'dataProtection'>;
  repository: KeyRingRepository;
  keyWrapper: KeyWrapper;
  clock?: Clock;
}

export interface SigningKey {
  /** JWS `kid` header value. */
  kid: string;
  alg: SigningAlg;
  /** For jose: `new SignJWT(claims).setProtectedHeader({ alg, kid }).sign(privateKey)`. */
  privateKey: KeyObject;
  publicJwk: PublishedJwk;
}

export class SigningKeyRing {
  /** One provider per algorithm, built on first use: an instance that only signs ES256 never reads the RS256 ring. */
  private readonly providers = new Map<SigningAlg, KeyRingProvider<SigningMaterial>>();
  private readonly clock: Clock;
  private readonly settings: Config['signing'];
  private readonly deps: SigningKeyRingDeps;

  constructor(deps: SigningKeyRingDeps) {
    this.deps = deps;
    this.clock = deps.clock ?? systemClock;
    this.settings = deps.config.signing;
  }

  /**
   * The key of `alg` that signs now. One KMS Decrypt per key per instance, then cached. Throws
   * SigningKeyNotReadyError (503) while every key that may sign is revoked and the replacement
   * has not been published for the propagation time.
   */
  async currentSigningKey(alg: SigningAlg = DEFAULT_SIGNING_ALG): Promise<SigningKey> {
    const provider = this.provider(alg);
    let choice = await this.choose(provider);
    if (choice.status === 'none') {
      // Nothing live at all (first deploy, or everything revoked and no replacement made yet).
      // The generic provider creates one under the ring's lease; the ring's first key signs at
      // once, a replacement only after propagation.
      await provider.currentKey();
      choice = await this.choose(provider);
    }
    if (choice.status !== 'ready') {
      const waitMs = choice.status === 'not-ready' ? choice.readyAt.getTime() - this.clock() : 0;
      throw new SigningKeyNotReadyError(waitMs / 1000);
    }
    const record = choice.key;
    const material = await provider.material(record);
    return { kid: record.keyId, alg, privateKey: material.privateKey, publicJwk: toPublishedJwk(record) };
  }

  /** The JWKS keys now, every algorithm (same as SigningKeyPublisher, from this instance's cached rings). */
  async publishedKeys(): Promise<PublishedJwk[]> {
    const now = new Date(this.clock());
    const rings = await Promise.all(SIGNING_ALGORITHMS.map(async (alg) => publishedSigningKeys(await this.provider(alg).keys(), now, this.settings)));
    return rings.flat();
  }

  private provider(alg: SigningAlg): KeyRingProvider<SigningMaterial> {
    let provider = this.providers.get(alg);
    if (provider === undefined) {
      const { config, repository, keyWrapper } = this.deps;
      const { refreshIntervalS, unknownKeyRefreshMinIntervalS } = config.dataProtection;
      provider = new KeyRingProvider({
        app: config.appName,
        kind: signingKeyKind(config.signing, alg),
        repository,
        keyWrapper,
        clock: this.clock,
        refreshIntervalS: Math.min(refreshIntervalS, config.signing.revocationCheckS),
        unknownKeyRefreshMinIntervalS,
      });
      this.providers.set(alg, provider);
    }
    return provider;
  }

  private async choose(provider: KeyRingProvider<SigningMaterial>): Promise<SigningChoice> {
    return signingKeyAt(await provider.keys(), new Date(this.clock()), this.settings);
  }
}
