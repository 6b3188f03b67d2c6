/**
 * The per-instance client cache over the contract-tested in-memory client store, with a driven
 * clock: its staleness bound, and what it must never remember.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CachedClientLookup } from '../../lib/oidc/client-cache.js';
import type { OAuthClient } from '../../lib/oidc/client-metadata.js';
import { InMemoryClientStore } from '../support/in-memory-client-store.js';

const TTL_S = 30;
const SECRET = 'first-secret-0123456789abcdefghijklmnop';

async function setup(ttlS = TTL_S) {
  let now = Date.UTC(2030, 0, 1);
  const clock = () => now;
  const store = new InMemoryClientStore(clock);
  let reads = 0;
  const counted = {
    find: (clientId: string) => {
      reads++;
      return store.find(clientId);
    },
    verifySecret: (client: OAuthClient, secret: string) => store.verifySecret(client, secret),
  };
  const cache = new CachedClientLookup(counted, { ttlS, clock });
  await store.register({ clientId: 'app', secret: SECRET, redirectUris: [], grantTypes: ['client_credentials'] });
  const authenticates = async (secret: string) => {
    const client = await cache.find('app');
    return client !== undefined && (await cache.verifySecret(client, secret));
  };
  return { store, cache, reads: () => reads, advance: (ms: number) => (now += ms), authenticates };
}

describe('CachedClientLookup', () => {
  it('reads a client once per TTL, and concurrent lookups share one read', async () => {
    const { cache, reads, advance } = await setup();
    await Promise.all(Array.from({ length: 8 }, () => cache.find('app')));
    assert.equal(reads(), 1);
    advance(TTL_S * 1000 - 1);
    await cache.find('app');
    assert.equal(reads(), 1);
    advance(1);
    await cache.find('app');
    assert.equal(reads(), 2);
  });

  it('accepts a replaced secret or a removed client for at most the TTL after the change', async () => {
    const { store, advance, authenticates } = await setup();
    assert.equal(await authenticates(SECRET), true);
    await store.register({ clientId: 'app', secret: `${SECRET}-2`, redirectUris: [], grantTypes: ['client_credentials'] }, { replace: true });
    advance(TTL_S * 1000 - 1);
    assert.equal(await authenticates(SECRET), true, 'stale, within the bound');
    advance(1);
    assert.equal(await authenticates(SECRET), false);
    assert.equal(await authenticates(`${SECRET}-2`), true);

    await store.remove('app');
    advance(TTL_S * 1000 - 1);
    assert.equal(await authenticates(`${SECRET}-2`), true, 'removed, within the bound');
    advance(1);
    assert.equal(await authenticates(`${SECRET}-2`), false);
  });

  it('does not remember an unknown client, so one registered a moment later works at once', async () => {
    const { store, cache, reads } = await setup();
    assert.equal(await cache.find('later'), undefined);
    await store.register({ clientId: 'later', redirectUris: ['https://later.example/cb'] });
    assert.equal((await cache.find('later'))?.clientId, 'later');
    assert.equal(reads(), 2);
  });

  it('does not remember a failed read', async () => {
    const { cache } = await setup();
    let fail = true;
    const flaky = new CachedClientLookup(
      { find: async (id) => (fail ? Promise.reject(new Error('outage')) : cache.find(id)), verifySecret: async () => false },
      { ttlS: TTL_S, clock: () => 0 },
    );
    await assert.rejects(flaky.find('app'), /outage/);
    fail = false;
    assert.equal((await flaky.find('app'))?.clientId, 'app');
  });

  it('with a TTL of 0 reads every time', async () => {
    const { cache, reads } = await setup(0);
    await cache.find('app');
    await cache.find('app');
    assert.equal(reads(), 2);
  });
});
