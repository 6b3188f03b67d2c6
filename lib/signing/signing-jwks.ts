/**
 * The published signing keys (JWKS) from the `keys` table alone: no key material, no KMS.
 * The JWKS function builds one at module scope.
 */
import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config.js';
import { KeyRingCache } from '../keyring/key-ring-cache.js';
import type { KeyRingRepository } from '../keyring/key-ring-repository.js';
import { isPublished, publishedSigningKeys, SIGNING_RING, toPublishedJwk, type PublishedJwk } from './signing-key-policy.js';

export interface SigningKeyPublisherDeps {
  config: Pick<Config, 'signing' | 'dataProtection'>;
  repository: KeyRingRepository;
  clock?: Clock;
}

export class SigningKeyPublisher {
  private readonly cache: KeyRingCache;
  private readonly clock: Clock;
  private readonly retention: { retentionS: number };

  constructor(deps: SigningKeyPublisherDeps) {
    this.clock = deps.clock ?? systemClock;
    this.retention = { retentionS: deps.config.signing.retentionS };
    this.cache = new KeyRingCache({
      repository: deps.repository,
      ring: SIGNING_RING,
      clock: this.clock,
      refreshIntervalS: deps.config.dataProtection.refreshIntervalS,
      unknownKeyRefreshMinIntervalS: deps.config.dataProtection.unknownKeyRefreshMinIntervalS,
    });
  }

  /** `{ keys }` of the JWKS document. */
  async publishedKeys(): Promise<PublishedJwk[]> {
    const now = new Date(this.clock());
    const published = publishedSigningKeys(await this.cache.keys(), now, this.retention);
    if (published.length > 0) return published;
    // A cached ring that publishes nothing (first deploy, all revoked) must not hide the key
    // another instance or the revoke command creates next: such a ring is re-read,
    // rate-limited, instead of kept for the whole refresh interval.
    return publishedSigningKeys(await this.cache.rereadRateLimited(), now, this.retention);
  }

  /** One published key by `kid` (e.g. to verify a token this issuer signed); re-reads at most as often as unknown data-protection key ids. */
  async publishedKey(kid: string): Promise<PublishedJwk | undefined> {
    const key = await this.cache.find(kid);
    return key !== undefined && isPublished(key, new Date(this.clock()), this.retention) ? toPublishedJwk(key) : undefined;
  }
}
