/**
 * Registered clients, cached per instance for `ttlS` seconds in front of the client store, so a
 * warm instance authenticates a known client without reading DynamoDB (client_credentials then
 * costs no call at all).
 *
 * The price is staleness, and it is bounded: an entry expires `ttlS` after its read *started*,
 * and that read is strongly consistent, so it saw every change made before it started. A client
 * removed, or given a new secret, at time t is therefore accepted by no instance after t + ttlS
 * (CLIENT_CACHE_TTL_S, 30 s by default; 0 turns the cache off). Unknown ids are never cached, so
 * a client registered a moment ago works at once. Concurrent lookups of one id share one read.
 */
import type { Clock } from '../clock.js';
import type { ClientAssertionVerifier } from './client-assertion.js';
import type { ClientLookup } from './client-authentication.js';
import type { OAuthClient } from './client-metadata.js';

/** Enough for every client of a deployment; beyond it the oldest entry makes room. */
const MAX_ENTRIES = 1000;

interface Entry {
  client: Promise<OAuthClient | undefined>;
  expiresAtMs: number;
}

export class CachedClientLookup implements ClientLookup {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly store: ClientLookup,
    private readonly options: { ttlS: number; clock: Clock; assertions?: Pick<ClientAssertionVerifier, 'verify'> },
  ) {}

  find(clientId: string): Promise<OAuthClient | undefined> {
    const { ttlS, clock } = this.options;
    if (ttlS === 0) return this.store.find(clientId);
    const startedAtMs = clock();
    const cached = this.entries.get(clientId);
    if (cached !== undefined && cached.expiresAtMs > startedAtMs) return cached.client;

    const entry: Entry = { client: this.store.find(clientId), expiresAtMs: startedAtMs + ttlS * 1000 };
    this.entries.delete(clientId);
    this.entries.set(clientId, entry);
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    const forget = () => {
      if (this.entries.get(clientId) === entry) this.entries.delete(clientId);
    };
    // A miss or a failed read is not remembered: the next request asks the store again.
    entry.client.then((client) => client === undefined && forget(), forget);
    return entry.client;
  }

  verifySecret(client: OAuthClient, secret: string): Promise<boolean> {
    return this.store.verifySecret(client, secret);
  }

  async verifyAssertion(client: OAuthClient, assertion: string): Promise<boolean> {
    return this.options.assertions !== undefined && this.options.assertions.verify(client, assertion);
  }
}
