/**
 * The published signing keys (JWKS) from the `keys` table alone: no key material, no KMS.
 * The JWKS function builds one at module scope.
 */
import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config.js';
import { KeyRingCache } from '../keyring/key-ring-cache.js';
import type { KeyRingRepository } from '../keyring/key-ring-repository.js';
import {
  DEFAULT_SIGNING_ALG,
  isPublished,
  publishedSigningKeys,
  SIGNING_ALGORITHMS,
  SIGNING_RINGS,
  toPublishedJwk,
  type PublishedJwk,
  type SigningAlg,
} from './signing-key-policy.js';

export interface SigningKeyPublisherDeps {
  config: Pick<Config, 'signing' | 'dataProtection'>;
  repository: KeyRingRepository;
  clock?: Clock;
}

export class SigningKeyPublisher {
  private readonly caches: Readonly<Record<SigningAlg, KeyRingCache>>;
  private readonly clock: Clock;
  private readonly retention: { retentionS: number };

  constructor(deps: SigningKeyPublisherDeps) {
    this.clock = deps.clock ?? systemClock;
    this.retention = { retentionS: deps.config.signing.retentionS };
    const cacheOf = (alg: SigningAlg) =>
      new KeyRingCache({
        repository: deps.repository,
        ring: SIGNING_RINGS[alg],
        clock: this.clock,
        refreshIntervalS: deps.config.dataProtection.refreshIntervalS,
        unknownKeyRefreshMinIntervalS: deps.config.dataProtection.unknownKeyRefreshMinIntervalS,
      });
    this.caches = { ES256: cacheOf('ES256'), RS256: cacheOf('RS256') };
  }

  /** `{ keys }` of the JWKS document: every algorithm's ring (one Query each per refresh interval). */
  async publishedKeys(): Promise<PublishedJwk[]> {
    const rings = await Promise.all(SIGNING_ALGORITHMS.map((alg) => this.publishedIn(this.caches[alg])));
    return rings.flat();
  }

  /**
   * One published key by `kid` and the `alg` of the token's header (e.g. to verify a token this
   * issuer signed); re-reads that ring at most as often as unknown data-protection key ids.
   */
  async publishedKey(kid: string, alg: SigningAlg = DEFAULT_SIGNING_ALG): Promise<PublishedJwk | undefined> {
    const key = await this.caches[alg].find(kid);
    return key !== undefined && isPublished(key, new Date(this.clock()), this.retention) ? toPublishedJwk(key) : undefined;
  }

  private async publishedIn(cache: KeyRingCache): Promise<PublishedJwk[]> {
    const now = new Date(this.clock());
    const published = publishedSigningKeys(await cache.keys(), now, this.retention);
    if (published.length > 0) return published;
    // A cached ring that publishes nothing (first deploy, all revoked) must not hide the key
    // another instance or the revoke command creates next: such a ring is re-read,
    // rate-limited, instead of kept for the whole refresh interval.
    return publishedSigningKeys(await cache.rereadRateLimited(), now, this.retention);
  }
}
