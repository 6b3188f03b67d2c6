import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import type { Clock } from '../../lib/clock.js';
import { DependencyUnavailableError } from '../../lib/errors.js';
import { createDocumentClient } from '../../lib/runtime/dynamodb-client.js';
import { rotateApplicationRings } from '../../lib/runtime/key-rotation.js';
import { SigningKeyPublisher } from '../../lib/signing/signing-jwks.js';
import { SIGNING_RING } from '../../lib/signing/signing-key-policy.js';
import { DynamoDbKeyRingRepository } from '../../lib/store/key-ring-repository.js';
import { buildInstance, withFreshTables, type Instance } from '../support/dataprotection-worker.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let jwksModule: typeof import('../../functions/jwks.js');
const instances: Instance[] = [];

before(async () => {
  // functions/jwks.ts builds its clients from the environment at import time.
  stack = await startTestStack();
  Object.assign(process.env, stack.env);
  jwksModule = await import('../../functions/jwks.js');
});
after(async () => {
  for (const instance of instances) instance.close();
  await stack.close();
});

function start(config = stack.config, clock?: Clock): Instance {
  const instance = buildInstance(config, clock ? { clock } : {});
  instances.push(instance);
  return instance;
}

const event = {
  version: '2.0',
  rawPath: '/jwks',
  headers: {},
  requestContext: { http: { method: 'GET', path: '/jwks' }, requestId: 'test' },
} as unknown as APIGatewayProxyEventV2;
const context = { awsRequestId: 'test' } as Context;

describe('SigningKeyRing', () => {
  it('signs ES256 tokens that verify against the published keys', async () => {
    const config = await withFreshTables(stack.config);
    const signer = start(config);
    const key = await signer.signing.currentSigningKey();
    assert.equal(key.alg, 'ES256');
    assert.equal(key.privateKey.asymmetricKeyType, 'ec');
    const token = await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: key.alg, kid: key.kid }).setIssuer(config.issuer).sign(key.privateKey);

    const published = await new SigningKeyPublisher({ config, repository: start(config).repository }).publishedKeys();
    assert.deepEqual(published, [key.publicJwk]);
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet({ keys: published }), { issuer: config.issuer });
    assert.equal(payload.sub, 'alice');
    assert.equal(protectedHeader.kid, key.kid);
  });

  it('a JWKS instance that cached an empty ring publishes the first key soon, not after the refresh interval', async () => {
    const config = await withFreshTables(stack.config);
    let now = Date.now();
    const publisher = new SigningKeyPublisher({ config, repository: start(config).repository, clock: () => now });
    assert.deepEqual(await publisher.publishedKeys(), []);
    const key = await start(config).signing.currentSigningKey();
    // Within the rate limit the cached (empty) ring is answered: a flood costs no reads.
    assert.deepEqual(await publisher.publishedKeys(), []);
    now += config.dataProtection.unknownKeyRefreshMinIntervalS * 1000 + 1;
    assert.ok(now < Date.now() + config.dataProtection.refreshIntervalS * 1000, 'still inside the normal refresh interval');
    assert.deepEqual((await publisher.publishedKeys()).filter((k) => k.alg === 'ES256').map((k) => k.kid), [key.kid]);
  });

  it('a cold signer costs one Query and one KMS Decrypt, then signs with no calls', async () => {
    const config = await withFreshTables(stack.config);
    await start(config).signing.currentSigningKey();
    const cold = start(config);
    stack.kms.resetCalls();
    const keys = await Promise.all(Array.from({ length: 10 }, () => cold.signing.currentSigningKey()));
    assert.equal(new Set(keys.map((k) => k.kid)).size, 1);
    for (let i = 0; i < 10; i++) await cold.signing.currentSigningKey();
    assert.deepEqual(cold.dynamo.counts(), { Query: 1 });
    assert.deepEqual(stack.kms.calls(), { Decrypt: 1 });
  });

  it('the private key is stored wrapped only; the public JWK in clear', async () => {
    const config = await withFreshTables(stack.config);
    const signer = start(config);
    const key = await signer.signing.currentSigningKey();
    const [record] = await signer.repository.load(SIGNING_RING, { consistent: true });
    assert.ok(record);
    const pkcs8 = key.privateKey.export({ format: 'der', type: 'pkcs8' });
    assert.equal(Buffer.from(record.wrapped).includes(pkcs8.subarray(-32)), false, 'the private scalar is not in the stored record');
    const { kid: _kid, alg: _alg, use: _use, ...params } = key.publicJwk;
    assert.deepEqual(record.publicJwk, params);
    assert.equal(record.alg, 'ES256');
  });

  it('the JWKS publisher needs no KMS at all', async () => {
    const config = await withFreshTables(stack.config);
    await start(config).signing.currentSigningKey();
    stack.kms.resetCalls();
    stack.kms.setFault({ status: 500 });
    try {
      const publisher = new SigningKeyPublisher({ config, repository: start(config).repository });
      assert.equal((await publisher.publishedKeys()).length, 1);
      assert.deepEqual(stack.kms.calls(), {});
    } finally {
      stack.kms.setFault(null);
    }
  });

  it('publishedKey(kid) finds a published key and rejects unknown ones', async () => {
    const config = await withFreshTables(stack.config);
    const key = await start(config).signing.currentSigningKey();
    const publisher = new SigningKeyPublisher({ config, repository: start(config).repository });
    assert.deepEqual(await publisher.publishedKey(key.kid), key.publicJwk);
    assert.equal(await publisher.publishedKey('00000000-0000-4000-8000-000000000000'), undefined);
  });
});

describe('GET /jwks', () => {
  it('answers the published keys, public parameters only, briefly cacheable JSON', async () => {
    const config = await withFreshTables(stack.config);
    const key = await start(config).signing.currentSigningKey();
    const handler = jwksModule.jwksHandler(new SigningKeyPublisher({ config, repository: start(config).repository }));
    const response = await handler(event, context);
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers?.['Content-Type'], 'application/json');
    assert.equal(response.headers?.['Cache-Control'], 'public, max-age=300');
    const body = JSON.parse(String(response.body)) as { keys: Record<string, unknown>[] };
    assert.equal(body.keys.length, 1);
    assert.deepEqual(Object.keys(body.keys[0]!).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    assert.equal(body.keys[0]!['kid'], key.kid);
    assert.equal(body.keys[0]!['use'], 'sig');
    assert.equal(body.keys[0]!['alg'], 'ES256');
    assert.equal('d' in body.keys[0]!, false);
  });

  it('the module-scope handler serves the configured table', async () => {
    await start().signing.currentSigningKey(); // in the stack's own keys table
    const response = await jwksModule.handler(event, context);
    assert.equal(response.statusCode, 200);
    assert.equal((JSON.parse(String(response.body)) as { keys: unknown[] }).keys.length, 1);
  });

  it('answers 503, not a stack trace, when DynamoDB is unreachable', async () => {
    // Nothing listens on port 1: the real client reports the refused connection as an outage.
    const unreachable = createDocumentClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:1', maxAttempts: 1 });
    const repository = new DynamoDbKeyRingRepository({ client: unreachable, tableName: stack.config.tables.keys });
    const publisher = new SigningKeyPublisher({ config: stack.config, repository });
    const response = await jwksModule.jwksHandler(publisher)(event, context);
    assert.equal(response.statusCode, 503);
    assert.doesNotMatch(String(response.body), /ECONNREFUSED|at /);
  });
});

describe('revoking signing keys (several instances, driven clock)', () => {
  const S = 1000;
  /** The hardening target: no instance signs with a revoked key later than this after the revocation. */
  const BOUND_S = 60;

  /** A ring of its own, a clock the test drives, and a record of every JWKS a fresh /jwks read answered. */
  async function ring() {
    const config = await withFreshTables(stack.config);
    const time = { now: Date.parse('2031-01-01T00:00:00Z') };
    const clock = () => time.now;
    const rotator = start(config, clock);
    const rotate = () => rotateApplicationRings({ config, repository: rotator.repository, keyWrapper: rotator.keyWrapper }, new Date(time.now));
    const jwksLog: { at: number; kids: string[] }[] = [];
    const jwksNow = async () => {
      const kids = (await new SigningKeyPublisher({ config, repository: rotator.repository, clock }).publishedKeys()).filter((key) => key.alg === 'ES256').map((key) => key.kid);
      jwksLog.push({ at: time.now, kids });
      return kids;
    };
    /** Whether `kid` was in a JWKS answered at least the propagation time before `at`. */
    const propagatedBy = (kid: string, at: number) => jwksLog.some((jwks) => jwks.at <= at - config.signing.propagationS * S && jwks.kids.includes(kid));
    return { config, time, clock, rotator, rotate, jwksNow, propagatedBy };
  }

  it('revoking the current key: within the bound every instance signs with the successor JWKS already published', async (t) => {
    const { config, time, clock, rotator, rotate, jwksNow, propagatedBy } = await ring();
    await rotate();
    const atCreation = await jwksNow();
    assert.equal(atCreation.length, 2, 'rotation keeps a published successor besides the signing key');
    time.now += (config.signing.propagationS + 3600) * S;
    await rotate();
    assert.deepEqual((await jwksNow()).sort(), [...atCreation].sort());

    const instances = [start(config, clock), start(config, clock), start(config, clock)];
    const warmJwks = new SigningKeyPublisher({ config, repository: start(config, clock).repository, clock });
    const revokedAt = time.now + 30 * S;
    // The instances read the ring at different moments, the last just before the revocation (the worst case).
    const signings: { at: number; kid: string }[] = [];
    for (const [index, instance] of instances.entries()) {
      time.now = revokedAt - [29, 15, 1][index]! * S;
      signings.push({ at: time.now, kid: (await instance.signing.currentSigningKey()).kid });
    }
    await warmJwks.publishedKeys();
    const revokedKid = signings[0]!.kid;
    assert.ok(signings.every((signing) => signing.kid === revokedKid));
    const successor = atCreation.find((kid) => kid !== revokedKid)!;

    time.now = revokedAt;
    assert.ok(await rotator.repository.revoke(SIGNING_RING, revokedKid, new Date(time.now)));
    for (let second = 0; second <= 2 * BOUND_S; second++) {
      time.now = revokedAt + second * S;
      const served = (await warmJwks.publishedKeys()).filter((key) => key.alg === 'ES256').map((key) => key.kid);
      await jwksNow();
      for (const instance of instances) {
        const kid = (await instance.signing.currentSigningKey()).kid;
        signings.push({ at: time.now, kid });
        assert.ok(served.includes(kid), `a warm /jwks serves the key that signs (${second} s after the revocation)`);
      }
    }

    const lastRevokedUse = Math.max(...signings.filter((signing) => signing.kid === revokedKid).map((signing) => signing.at));
    const measuredS = (lastRevokedUse - revokedAt) / S;
    t.diagnostic(`revoked signing key last used ${measuredS} s after the revocation (bound ${BOUND_S} s)`);
    assert.ok(measuredS < BOUND_S, `the revoked key signed ${measuredS} s after the revocation`);
    const afterBound = signings.filter((signing) => signing.at >= revokedAt + BOUND_S * S);
    assert.ok(afterBound.length > 0 && afterBound.every((signing) => signing.kid === successor), 'after the bound only the successor signs');
    for (const signing of signings.filter((s) => s.kid !== revokedKid)) {
      assert.ok(propagatedBy(signing.kid, signing.at), `key ${signing.kid} signed at ${new Date(signing.at).toISOString()} before being published for the propagation time`);
    }
  });

  it('revoking every key: signing is refused (503, Retry-After) until a replacement has been published for the propagation time', async () => {
    const { config, time, clock, rotator, rotate, jwksNow, propagatedBy } = await ring();
    await rotate();
    const signer = start(config, clock);
    await signer.signing.currentSigningKey();
    time.now += (config.signing.propagationS + 3600) * S;

    const revokedAt = time.now;
    await rotator.repository.revokeCreatedBefore(SIGNING_RING, new Date(revokedAt), new Date(revokedAt));
    time.now = revokedAt + BOUND_S * S;
    // Whoever makes the replacement (the first request or the operator), it must not sign yet.
    await assert.rejects(signer.signing.currentSigningKey(), (error: unknown) => {
      assert.ok(error instanceof DependencyUnavailableError, String(error));
      assert.ok(error.retryAfterSeconds > 0 && error.retryAfterSeconds <= config.signing.propagationS, `Retry-After ${error.retryAfterSeconds}`);
      return true;
    });
    await rotate();
    const replacements = await jwksNow();
    assert.ok(replacements.length > 0, 'the replacement is published at once');

    await assert.rejects(start(config, clock).signing.currentSigningKey(), DependencyUnavailableError, 'a cold instance refuses too');
    time.now = revokedAt + BOUND_S * S + config.signing.propagationS * S;
    const key = await signer.signing.currentSigningKey();
    assert.ok(replacements.includes(key.kid));
    assert.ok(propagatedBy(key.kid, time.now), 'it signs once it has been published for the propagation time');
  });
});
