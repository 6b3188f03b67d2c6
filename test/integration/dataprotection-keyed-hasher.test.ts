import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyRingKeyedHasher } from '../../lib/auth/key-ring-keyed-hasher.js';
import { withFreshTables } from '../support/dataprotection-worker.js';
import { useInstanceStack } from '../support/instances.js';

describe('KeyRingKeyedHasher (one-time code hashes keyed by the shared key ring)', () => {
  const stack = useInstanceStack();
  const instance = (config = stack.config) => stack.start(config);

  it('verifies on another instance, and only for the same input and label', async () => {
    const config = await withFreshTables(stack.config);
    const hash = await new KeyRingKeyedHasher(instance(config).keyRing, 'codes').hash('alice@example.com|123456');
    const other = instance(config).keyRing;
    assert.equal(await new KeyRingKeyedHasher(other, 'codes').verify('alice@example.com|123456', hash), true);
    assert.equal(await new KeyRingKeyedHasher(other, 'codes').verify('alice@example.com|123457', hash), false);
    assert.equal(await new KeyRingKeyedHasher(other, 'other-label').verify('alice@example.com|123456', hash), false);
    assert.doesNotMatch(hash, /123456/);
  });

  it('refuses malformed hashes and hashes naming a revoked key', async () => {
    const config = await withFreshTables(stack.config);
    const first = instance(config);
    const hasher = new KeyRingKeyedHasher(first.keyRing, 'codes');
    const hash = await hasher.hash('input');
    const [keyId, mac] = hash.split('.');
    for (const bad of ['', 'no-dot', `.${mac}`, `not-a-key-id.${mac}`, `${keyId}.`, `${keyId}.${mac!.slice(1)}x`]) {
      assert.equal(await hasher.verify('input', bad), false, `accepted ${JSON.stringify(bad)}`);
    }
    await first.repository.revoke('dataprotection', keyId!, new Date());
    // A cold instance reads the revocation; the hash no longer verifies anywhere that knows it.
    assert.equal(await new KeyRingKeyedHasher(instance(config).keyRing, 'codes').verify('input', hash), false);
  });
});
