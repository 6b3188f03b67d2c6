/**
 * Scheduled rotation with a driven clock: successors exist before the current key expires and
 * take over exactly at expiry; signing keys are published before they sign and stay published
 * until retention ends.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import { DATA_PROTECTION_RING } from '../../lib/dataprotection/master-key.js';
import { rotateApplicationRings } from '../../lib/runtime/key-rotation.js';
import type { RingRotation } from '../../lib/keyring/rotation.js';
import { SigningKeyPublisher } from '../../lib/signing/signing-jwks.js';
import { SIGNING_RING } from '../../lib/signing/signing-key-policy.js';
import type { Instance } from '../support/dataprotection-worker.js';
import { useInstanceStack } from '../support/instances.js';

const S = 1000;
const T0 = Date.parse('2030-01-01T00:00:00Z');

const stack = useInstanceStack();

async function isolated() {
  const ring = await stack.isolatedRing(T0);
  const rotate = (instance: Instance) =>
    rotateApplicationRings({ config: ring.config, repository: instance.repository, keyWrapper: instance.keyWrapper }, new Date(ring.time.now));
  return { ...ring, rotate };
}

function ring(results: RingRotation[], name: string): RingRotation {
  const result = results.find((r) => r.ring === name);
  assert.ok(result, `no result for ring ${name}`);
  return result;
}

function keyIdOf(payload: string): string {
  const hex = Buffer.from(payload, 'base64url').toString('hex', 4, 20);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

describe('data-protection rotation', () => {
  it('creates the successor ahead; it takes over exactly at expiry; old payloads still unprotect', async () => {
    const { config, time, start, rotate } = await isolated();
    const dp = config.dataProtection;
    const rotator = start();

    const first = ring(await rotate(rotator), DATA_PROTECTION_RING);
    assert.equal(first.action, 'created-immediate');
    const k1 = first.successor!.keyId;
    assert.equal(ring(await rotate(rotator), DATA_PROTECTION_RING).action, 'none', 'idempotent');

    const warm = start();
    const oldPayload = await warm.protector.protect(Buffer.from('under k1'));
    assert.equal(keyIdOf(oldPayload), k1);

    const expiry = T0 + dp.keyLifetimeS * S;
    time.now = expiry - dp.successorLeadS * S - 1;
    assert.equal(ring(await rotate(rotator), DATA_PROTECTION_RING).action, 'none', 'not due yet');

    time.now = expiry - dp.successorLeadS * S;
    // Several schedulers (or retries) at once: exactly one successor.
    const rotators = Array.from({ length: 5 }, () => start());
    const results = await Promise.all(rotators.map((r) => rotate(r)));
    const created = results.map((r) => ring(r, DATA_PROTECTION_RING)).filter((r) => r.action === 'created-successor');
    assert.equal(created.length, 1);
    const k2 = created[0]!.successor!.keyId;
    assert.equal(created[0]!.currentKeyId, k1);
    assert.equal(created[0]!.successor!.activatesAt, new Date(expiry).toISOString());
    const keys = await rotator.repository.load(DATA_PROTECTION_RING, { consistent: true });
    assert.equal(keys.length, 2);
    const again = ring(await rotate(rotator), DATA_PROTECTION_RING);
    assert.equal(again.action, 'none');
    assert.equal(again.successor?.keyId, k2);

    // The warm instance sees the successor at its next refresh, well before it activates.
    time.now += dp.refreshIntervalS * S;
    assert.ok(time.now < expiry);
    assert.ok((await warm.keyRing.keys()).some((key) => key.keyId === k2), 'successor visible before expiry');
    assert.equal(keyIdOf(await warm.protector.protect(Buffer.from('x'))), k1, 'k1 still protects until expiry');

    time.now = expiry - 1;
    assert.equal(keyIdOf(await warm.protector.protect(Buffer.from('x'))), k1);
    warm.dynamo.reset();
    time.now = expiry;
    const newPayload = await warm.protector.protect(Buffer.from('under k2'));
    assert.equal(keyIdOf(newPayload), k2, 'k2 takes over at expiry');
    assert.equal(warm.dynamo.total(), 0, 'the hand-over needs no read: the successor was already cached');

    assert.equal(Buffer.from(await warm.protector.unprotect(oldPayload)).toString(), 'under k1');
    const cold = start();
    assert.equal(Buffer.from(await cold.protector.unprotect(oldPayload)).toString(), 'under k1');
    assert.equal(Buffer.from(await cold.protector.unprotect(newPayload)).toString(), 'under k2');
  });
});

describe('signing-key rotation and JWKS', () => {
  it('keeps a published successor at all times, publishes each key before it signs and keeps it until retention ends', async () => {
    const { config, time, clock, start, rotate } = await isolated();
    const signing = config.signing;
    const rotator = start();
    const signer = start();
    const publisher = new SigningKeyPublisher({ config, repository: start().repository, clock });
    // The ES256 ring; the RS256 ring rotates beside it the same way (key-ring-cli.test.ts).
    const jwks = async () => (await publisher.publishedKeys()).filter((key) => key.alg === 'ES256').map((key) => key.kid);
    // Steps at which JWKS or the signer is read move more than refreshIntervalS, so their caches re-read.
    const afterRefresh = (at: number) => {
      time.now = at;
    };

    const first = ring(await rotate(rotator), SIGNING_RING);
    assert.equal(first.action, 'created-immediate');
    assert.equal(first.created.length, 2, 'the first key and, at once, its successor');
    const [s1, s2] = first.created.map((key) => key.keyId) as [string, string];
    const expiry = T0 + signing.keyLifetimeS * S;
    assert.equal(first.created[1]!.activatesAt, new Date(expiry).toISOString());
    assert.deepEqual(await jwks(), [s2, s1], 'the successor is published from the start');
    assert.equal((await signer.signing.currentSigningKey()).kid, s1, 'and does not sign before the hand-over');
    assert.equal(ring(await rotate(rotator), SIGNING_RING).action, 'none', 'idempotent');

    // Within the lead time before the hand-over, the successor gets its own successor, so it
    // is published long enough when s2 takes over.
    const dueAt = expiry - 2 * signing.propagationS * S;
    afterRefresh(dueAt - 1);
    assert.equal(ring(await rotate(rotator), SIGNING_RING).action, 'none');
    afterRefresh(dueAt);
    const second = ring(await rotate(rotator), SIGNING_RING);
    assert.equal(second.action, 'created-successor');
    assert.equal(second.currentKeyId, s1);
    const s3 = second.successor!.keyId;
    assert.equal(second.successor!.activatesAt, new Date(expiry + signing.keyLifetimeS * S).toISOString());

    afterRefresh(dueAt + config.dataProtection.refreshIntervalS * S);
    assert.deepEqual(await jwks(), [s3, s2, s1]);
    assert.equal((await signer.signing.currentSigningKey()).kid, s1);

    // A token signed by s1 just before the hand-over...
    afterRefresh(expiry - 1);
    const s1Key = await signer.signing.currentSigningKey();
    assert.equal(s1Key.kid, s1);
    const token = await new SignJWT({ sub: 'user-1' })
      .setProtectedHeader({ alg: s1Key.alg, kid: s1Key.kid })
      .setIssuer(config.issuer)
      .setIssuedAt(Math.floor(time.now / S))
      .setExpirationTime(Math.floor(time.now / S) + config.tokens.accessTokenTtlS)
      .sign(s1Key.privateKey);

    afterRefresh(expiry);
    assert.equal((await signer.signing.currentSigningKey()).kid, s2, 's2 signs from the hand-over');
    assert.deepEqual(await jwks(), [s3, s2, s1], 's1 stays published after retiring');

    // ...still verifies against JWKS for as long as it is valid.
    afterRefresh(expiry - 1 + config.tokens.accessTokenTtlS * S - S);
    const verified = await jwtVerify(token, createLocalJWKSet({ keys: await publisher.publishedKeys() }), {
      issuer: config.issuer,
      currentDate: new Date(time.now),
    });
    assert.equal(verified.payload.sub, 'user-1');

    afterRefresh(expiry + signing.retentionS * S - 1);
    assert.deepEqual(await jwks(), [s3, s2, s1]);
    afterRefresh(expiry + signing.retentionS * S);
    assert.deepEqual(await jwks(), [s3, s2], 's1 leaves JWKS when retention ends');
    assert.deepEqual(
      (await rotator.repository.load(SIGNING_RING, { consistent: true })).map((key) => key.keyId).sort(),
      [s1, s2, s3].sort(),
      'keys are never deleted',
    );
  });

  it('a revoked signing key leaves JWKS; its published successor signs in its place and gets a successor of its own', async () => {
    const { config, time, clock, start, rotate } = await isolated();
    const rotator = start();
    const [s1, s2] = ring(await rotate(rotator), SIGNING_RING).created.map((key) => key.keyId) as [string, string];
    time.now += config.signing.propagationS * S;
    await rotator.repository.revoke(SIGNING_RING, s1, new Date(time.now));
    const publisher = new SigningKeyPublisher({ config, repository: start().repository, clock });
    const es256 = async () => (await publisher.publishedKeys()).filter((key) => key.alg === 'ES256').map((key) => key.kid);
    assert.deepEqual(await es256(), [s2]);
    assert.equal((await start().signing.currentSigningKey()).kid, s2, 'the successor, published for the propagation time, signs early');
    const again = ring(await rotate(rotator), SIGNING_RING);
    assert.equal(again.action, 'created-successor');
    assert.equal(again.currentKeyId, s2);
    time.now += config.dataProtection.refreshIntervalS * S;
    assert.deepEqual(await es256(), [again.successor!.keyId, s2]);
  });
});

describe('rotation is safe against a KMS outage', () => {
  it('fails loudly and creates nothing; a later run succeeds', async () => {
    const { start, rotate } = await isolated();
    const rotator = start();
    stack.kms.setFault({ status: 500 });
    try {
      await assert.rejects(rotate(rotator), (error: unknown) => error instanceof Error && error.name === 'KeyWrapperUnavailableError');
    } finally {
      stack.kms.setFault(null);
    }
    assert.equal((await rotator.repository.load(DATA_PROTECTION_RING, { consistent: true })).length, 0);
    const results = await rotate(rotator);
    assert.deepEqual(results.map((r) => r.action), ['created-immediate', 'created-immediate', 'created-immediate']);
  });
});
