/**
 * The signing ring for token issuance: the current ES256 key (unwrapped once per instance,
 * then signing stays in-process) and the published keys. A ring with nothing that can sign
 * (first deploy, everything revoked) gets a key at once, through the same lease as every
 * other key creation; successors come from scheduled rotation (lib/dataprotection/rotation.ts).
 */
import type { KeyObject } from 'node:crypto';
import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config.js';
import { KeyRingProvider } from '../keyring/key-ring-provider.js';
import type { KeyRingRepository } from '../keyring/key-ring-repository.js';
import type { KeyWrapper } from '../kms/key-wrapper.js';
import { signingKeyKind, type SigningMaterial } from './signing-key-material.js';
import { publishedSigningKeys, SIGNING_ALG, toPublishedJwk, type PublishedJwk } from './signing-key-policy.js';

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
  private readonly retention: { retentionS: number };

  constructor(deps: SigningKeyRingDeps) {
    this.clock = deps.clock ?? systemClock;
    this.retention = { retentionS: deps.config.signing.retentionS };
    this.provider = new KeyRingProvider({
      app: deps.config.appName,
      kind: signingKeyKind(deps.config.signing),
      repository: deps.repository,
      keyWrapper: deps.keyWrapper,
      clock: this.clock,
      refreshIntervalS: deps.config.dataProtection.refreshIntervalS,
      unknownKeyRefreshMinIntervalS: deps.config.dataProtection.unknownKeyRefreshMinIntervalS,
    });
  }

  /** The key that signs now. One KMS Decrypt per key per instance, then cached. */
  async currentSigningKey(): Promise<SigningKey> {
    const { record, material } = await this.provider.currentKey();
    return { kid: record.keyId, alg: SIGNING_ALG, privateKey: material.privateKey, publicJwk: toPublishedJwk(record) };
  }

  /** The JWKS keys now (same as SigningKeyPublisher, from this instance's cached ring). */
  async publishedKeys(): Promise<PublishedJwk[]> {
    return publishedSigningKeys(await this.provider.keys(), new Date(this.clock()), this.retention);
  }
}
