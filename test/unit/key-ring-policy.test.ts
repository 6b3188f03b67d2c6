import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  applyRevocations,
  CLOCK_SKEW_MS,
  createdBefore,
  defaultKey,
  immediateLifecycle,
  isActive,
  keyStatus,
  leaseFor,
  needsImmediateKey,
  needsSuccessor,
  pendingSuccessor,
  planRing,
  successorLifecycle,
  type KeyRecord,
  type RingPolicy,
} from '../../lib/keyring/key-ring-policy.js';
import { publishedSigningKeys, signingRingPolicy } from '../../lib/signing/signing-key-policy.js';
import { ConfigError, loadConfig } from '../../lib/config.js';

const DAY = 24 * 60 * 60 * 1000;
const T0 = Date.parse('2030-01-01T00:00:00Z');
const policy: RingPolicy = { keyLifetimeS: 90 * 86400, successorLeadS: 2 * 86400, propagationS: 0 };

function at(ms: number): Date {
  return new Date(ms);
}

function key(overrides: Partial<KeyRecord> & { activatesAt: Date; expiresAt: Date }): KeyRecord {
  return {
    keyId: randomUUID(),
    generation: 1,
    createdAt: overrides.activatesAt,
    wrapped: new Uint8Array([1]),
    wrappedBy: 'arn:test',
    alg: 'test',
    ...overrides,
  };
}

describe('key lifecycle arithmetic', () => {
  it('an immediate key activates now and expires after the lifetime', () => {
    const lifecycle = immediateLifecycle(at(T0), policy);
    assert.equal(lifecycle.createdAt.getTime(), T0);
    assert.equal(lifecycle.activatesAt.getTime(), T0);
    assert.equal(lifecycle.expiresAt.getTime(), T0 + 90 * DAY);
  });

  it('a successor activates exactly when the current key expires', () => {
    const current = key({ activatesAt: at(T0), expiresAt: at(T0 + 90 * DAY) });
    const now = at(T0 + 89 * DAY);
    const lifecycle = successorLifecycle(current, now, policy);
    assert.equal(lifecycle.createdAt.getTime(), now.getTime());
    assert.equal(lifecycle.activatesAt.getTime(), current.expiresAt.getTime());
    assert.equal(lifecycle.expiresAt.getTime(), current.expiresAt.getTime() + 90 * DAY);
  });

  it('a late successor waits for its propagation time (signing)', () => {
    const signing = { ...policy, propagationS: 86400 };
    const current = key({ activatesAt: at(T0), expiresAt: at(T0 + 90 * DAY) });
    const now = at(T0 + 90 * DAY - 3600_000); // an hour before expiry
    const lifecycle = successorLifecycle(current, now, signing);
    assert.equal(lifecycle.activatesAt.getTime(), now.getTime() + DAY);
    assert.equal(lifecycle.expiresAt.getTime(), now.getTime() + DAY + 90 * DAY);
  });

  it('signing rotation creates successors early enough to publish them for propagationS', () => {
    const signing = signingRingPolicy({ keyLifetimeS: 30 * 86400, propagationS: 86400, retentionS: 2 * 86400 });
    const current = key({ activatesAt: at(T0), expiresAt: at(T0 + 30 * DAY) });
    const dueAt = T0 + 28 * DAY;
    assert.equal(needsSuccessor([current], at(dueAt - 1), signing), false);
    assert.equal(needsSuccessor([current], at(dueAt), signing), true);
    const lifecycle = successorLifecycle(current, at(dueAt), signing);
    assert.equal(lifecycle.activatesAt.getTime(), current.expiresAt.getTime());
    assert.ok(lifecycle.activatesAt.getTime() - lifecycle.createdAt.getTime() >= DAY);
  });
});

describe('default key', () => {
  it('is undefined for an empty ring, which needs an immediate key', () => {
    assert.equal(defaultKey([], at(T0)), undefined);
    assert.equal(needsImmediateKey([], at(T0)), true);
    assert.equal(planRing([], at(T0), policy).action, 'create-immediate');
  });

  it('is the active key with the latest activation', () => {
    const older = key({ activatesAt: at(T0 - 10 * DAY), expiresAt: at(T0 + 80 * DAY) });
    const newer = key({ activatesAt: at(T0 - DAY), expiresAt: at(T0 + 89 * DAY) });
    assert.equal(defaultKey([older, newer], at(T0))?.keyId, newer.keyId);
    assert.equal(defaultKey([newer, older], at(T0))?.keyId, newer.keyId);
  });

  it('ignores pending, expired and revoked keys', () => {
    const pending = key({ activatesAt: at(T0 + DAY), expiresAt: at(T0 + 91 * DAY) });
    const expired = key({ activatesAt: at(T0 - 91 * DAY), expiresAt: at(T0 - DAY) });
    const revoked = key({ activatesAt: at(T0 - DAY), expiresAt: at(T0 + 89 * DAY), revokedAt: at(T0 - 1) });
    const usable = key({ activatesAt: at(T0 - 5 * DAY), expiresAt: at(T0 + 85 * DAY) });
    assert.equal(defaultKey([pending, expired, revoked, usable], at(T0))?.keyId, usable.keyId);
    assert.equal(defaultKey([pending, expired, revoked], at(T0)), undefined);
    assert.equal(needsImmediateKey([pending, expired, revoked], at(T0)), true);
  });

  it('activation and expiry boundaries: active from activatesAt, not at expiresAt', () => {
    const k = key({ activatesAt: at(T0), expiresAt: at(T0 + DAY) });
    assert.equal(isActive(k, at(T0 - 1)), false);
    assert.equal(isActive(k, at(T0)), true);
    assert.equal(isActive(k, at(T0 + DAY - 1)), true);
    assert.equal(isActive(k, at(T0 + DAY)), false);
  });

  it('the successor takes over exactly at the hand-over', () => {
    const current = key({ activatesAt: at(T0), expiresAt: at(T0 + 90 * DAY), generation: 1 });
    const successor = key({ ...successorLifecycle(current, at(T0 + 89 * DAY), policy), generation: 2 });
    assert.equal(defaultKey([current, successor], at(T0 + 90 * DAY - 1))?.keyId, current.keyId);
    assert.equal(defaultKey([current, successor], at(T0 + 90 * DAY))?.keyId, successor.keyId);
  });

  it('a key another instance just created counts even if this clock is slightly behind', () => {
    const justCreated = key({ activatesAt: at(T0 + 2000), expiresAt: at(T0 + 90 * DAY) });
    assert.equal(defaultKey([justCreated], at(T0))?.keyId, justCreated.keyId);
    assert.equal(needsImmediateKey([justCreated], at(T0)), false);
    assert.equal(defaultKey([justCreated], at(T0 - CLOCK_SKEW_MS - 2000)), undefined, 'but not a key far in the future');
  });

  it('the skew tolerance never moves a scheduled hand-over earlier', () => {
    const current = key({ activatesAt: at(T0), expiresAt: at(T0 + 90 * DAY) });
    const successor = key({ activatesAt: at(T0 + 90 * DAY), expiresAt: at(T0 + 180 * DAY) });
    assert.equal(defaultKey([current, successor], at(T0 + 90 * DAY - 1000))?.keyId, current.keyId);
  });

  it('breaks ties deterministically whatever the input order', () => {
    const a = key({ activatesAt: at(T0), expiresAt: at(T0 + DAY), generation: 1 });
    const b = key({ activatesAt: at(T0), expiresAt: at(T0 + DAY), generation: 2 });
    assert.equal(defaultKey([a, b], at(T0))?.keyId, b.keyId);
    assert.equal(defaultKey([b, a], at(T0))?.keyId, b.keyId);
  });
});

describe('successor timing', () => {
  const current = key({ activatesAt: at(T0), expiresAt: at(T0 + 90 * DAY) });

  it('is not due before the lead time', () => {
    assert.equal(needsSuccessor([current], at(T0 + 88 * DAY - 1), policy), false);
    assert.equal(planRing([current], at(T0 + 88 * DAY - 1), policy).action, 'none');
  });

  it('is due within the lead time when nothing follows', () => {
    assert.equal(needsSuccessor([current], at(T0 + 88 * DAY), policy), true);
    const plan = planRing([current], at(T0 + 88 * DAY), policy);
    assert.equal(plan.action, 'create-successor');
    assert.equal(plan.action === 'create-successor' && plan.lifecycle.activatesAt.getTime(), current.expiresAt.getTime());
  });

  it('is not due once a successor is waiting', () => {
    const successor = key({ ...successorLifecycle(current, at(T0 + 88 * DAY), policy) });
    assert.equal(pendingSuccessor([current, successor], current)?.keyId, successor.keyId);
    assert.equal(needsSuccessor([current, successor], at(T0 + 89 * DAY), policy), false);
  });

  it('is due again when the waiting successor was revoked', () => {
    const successor = key({ ...successorLifecycle(current, at(T0 + 88 * DAY), policy), revokedAt: at(T0 + 88 * DAY) });
    assert.equal(needsSuccessor([current, successor], at(T0 + 89 * DAY), policy), true);
  });

  it('a ring without a default key needs an immediate key, not a successor', () => {
    const expired = key({ activatesAt: at(T0 - 100 * DAY), expiresAt: at(T0 - 10 * DAY) });
    assert.equal(needsSuccessor([expired], at(T0), policy), false);
    assert.equal(planRing([expired], at(T0), policy).action, 'create-immediate');
  });
});

describe('leases', () => {
  it('the first key is won through the genesis lease', () => {
    assert.deepEqual(leaseFor([]), { leaseId: 'genesis', generation: 1 });
  });

  it('later keys race for the lease after the newest generation, whatever the clocks say', () => {
    const first = key({ activatesAt: at(T0), expiresAt: at(T0 + DAY), generation: 1 });
    // Created later by an instance whose clock ran behind: still the newest generation.
    const second = key({ activatesAt: at(T0 - DAY), expiresAt: at(T0), generation: 2 });
    assert.deepEqual(leaseFor([second, first]), { leaseId: `after-${second.keyId}`, generation: 3 });
    assert.deepEqual(leaseFor([first, second]), leaseFor([second, first]));
  });

  it('every instance that read the same ring computes the same plan and lease', () => {
    const current = key({ activatesAt: at(T0), expiresAt: at(T0 + 90 * DAY) });
    const a = planRing([current], at(T0 + 89 * DAY), policy);
    const b = planRing([current], at(T0 + 89 * DAY + 5000), policy);
    assert.ok(a.action === 'create-successor' && b.action === 'create-successor');
    assert.deepEqual(a.lease, b.lease);
  });
});

describe('revocation', () => {
  it('a revoked key is never the default, even while in its active window', () => {
    const k = key({ activatesAt: at(T0), expiresAt: at(T0 + DAY), revokedAt: at(T0 + 1) });
    assert.equal(isActive(k, at(T0 + 2)), false);
    assert.equal(keyStatus(k, [k], at(T0 + 2)), 'revoked');
  });

  it('"created before" covers exactly the keys created before the date', () => {
    const early = key({ activatesAt: at(T0), expiresAt: at(T0 + DAY), createdAt: at(T0 - 1) });
    const onTheDate = key({ activatesAt: at(T0), expiresAt: at(T0 + DAY), createdAt: at(T0) });
    assert.deepEqual(
      createdBefore([early, onTheDate], at(T0)).map((k) => k.keyId),
      [early.keyId],
    );
    const applied = applyRevocations([early, onTheDate], [{ createdBefore: at(T0), revokedAt: at(T0 + 5) }]);
    assert.equal(applied[0]?.revokedAt?.getTime(), T0 + 5);
    assert.equal(applied[1]?.revokedAt, undefined);
  });

  it('the earliest revocation wins', () => {
    const k = key({ activatesAt: at(T0), expiresAt: at(T0 + DAY), createdAt: at(T0), revokedAt: at(T0 + 100) });
    const applied = applyRevocations([k], [{ createdBefore: at(T0 + 1), revokedAt: at(T0 + 50) }, { createdBefore: at(T0 + 1), revokedAt: at(T0 + 70) }]);
    assert.equal(applied[0]?.revokedAt?.getTime(), T0 + 50);
  });

  it('revoking everything leaves a ring that needs an immediate key', () => {
    const current = key({ activatesAt: at(T0), expiresAt: at(T0 + 90 * DAY), createdAt: at(T0) });
    const revoked = applyRevocations([current], [{ createdBefore: at(T0 + DAY), revokedAt: at(T0 + DAY) }]);
    assert.equal(planRing(revoked, at(T0 + DAY), policy).action, 'create-immediate');
  });
});

describe('statuses and published signing keys', () => {
  it('reports pending, default, active and expired', () => {
    const expired = key({ activatesAt: at(T0 - 2 * DAY), expiresAt: at(T0 - DAY) });
    const older = key({ activatesAt: at(T0 - DAY), expiresAt: at(T0 + DAY) });
    const current = key({ activatesAt: at(T0 - 1), expiresAt: at(T0 + DAY) });
    const pending = key({ activatesAt: at(T0 + DAY), expiresAt: at(T0 + 2 * DAY) });
    const ring = [expired, older, current, pending];
    assert.deepEqual(
      ring.map((k) => keyStatus(k, ring, at(T0))),
      ['expired', 'active', 'default', 'pending'],
    );
  });

  it('publishes from creation until retention after expiry, never revoked keys', () => {
    const jwk = { kty: 'EC' as const, crv: 'P-256', x: 'x', y: 'y' };
    const k = key({ createdAt: at(T0), activatesAt: at(T0 + DAY), expiresAt: at(T0 + 10 * DAY), publicJwk: jwk, alg: 'ES256' });
    const settings = { retentionS: 2 * 86400 };
    assert.equal(publishedSigningKeys([k], at(T0 - 1), settings).length, 0);
    assert.deepEqual(publishedSigningKeys([k], at(T0), settings), [{ ...jwk, kid: k.keyId, alg: 'ES256', use: 'sig' }]);
    assert.equal(publishedSigningKeys([k], at(T0 + 12 * DAY - 1), settings).length, 1);
    assert.equal(publishedSigningKeys([k], at(T0 + 12 * DAY), settings).length, 0);
    assert.equal(publishedSigningKeys([{ ...k, revokedAt: at(T0) }], at(T0 + DAY), settings).length, 0);
  });
});

describe('ring settings validated in config', () => {
  const base = { ISSUER: 'https://id.example.com', KEYS_TABLE: 'k', CACHE_TABLE: 'c', DIRECTORY_TABLE: 'd', KMS_KEY_ID: 'alias/k' };
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig({ ...base, ...env });
      return [];
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      return error.problems;
    }
  };

  it('the defaults are valid', () => {
    assert.deepEqual(problems({}), []);
  });

  it('refuses a signing lifetime that the successor lead (2 x propagation) would not fit into', () => {
    // With these, the successor is due from the key's first day and activates after it expired.
    assert.match(problems({ SIGNING_KEY_LIFETIME_S: '86400', SIGNING_PROPAGATION_S: '86400' }).join('\n'), /SIGNING_KEY_LIFETIME_S must exceed twice SIGNING_PROPAGATION_S/);
    const signing = signingRingPolicy({ keyLifetimeS: 86400, propagationS: 86400, retentionS: 2 * 86400 });
    const current = key({ activatesAt: at(T0), expiresAt: at(T0 + DAY) });
    assert.ok(successorLifecycle(current, at(T0 + 3600_000), signing).activatesAt.getTime() > current.expiresAt.getTime(), 'a gap nothing can sign in');
  });

  it('refuses a signing propagation time shorter than the ring refresh (JWKS would lag the signer)', () => {
    assert.match(problems({ SIGNING_PROPAGATION_S: '60', DP_REFRESH_INTERVAL_S: '300', DP_SUCCESSOR_LEAD_S: '86400' }).join('\n'), /SIGNING_PROPAGATION_S must exceed DP_REFRESH_INTERVAL_S/);
  });
});
