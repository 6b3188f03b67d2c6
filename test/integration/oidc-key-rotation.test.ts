/**
 * Signing-key rotation during a session, with a driven clock: tokens signed before the
 * hand-over keep validating (userinfo here, and any client through the JWKS) until the old key's
 * retention ends; tokens issued after it carry the new kid.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { authorizeHandler } from '../../functions/authorize.js';
import { tokenHandler } from '../../functions/token.js';
import { userinfoHandler } from '../../functions/userinfo.js';
import { rotateApplicationRings } from '../../lib/runtime/key-rotation.js';
import { createKmsClient } from '../../lib/runtime/kms-client.js';
import { KmsKeyWrapper } from '../../lib/kms/kms-key-wrapper.js';
import { SigningKeyPublisher } from '../../lib/signing/signing-jwks.js';
import { createOidcProvider, type OidcProvider } from '../../lib/runtime/oidc-provider.js';
import { TokenRejectedError } from '../../lib/signing/token-signer.js';
import { DynamoDbKeyRingRepository } from '../../lib/store/key-ring-repository.js';
import type { HttpResponse } from '../../lib/http/response.js';
import { runKeysCli } from '../../scripts/keys.js';
import { fakeContext, fakeEvent } from '../support/fake-http-event.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const S = 1000;
const T0 = Date.parse('2041-01-01T00:00:00Z');
const LIFETIME_S = 3600;
const PROPAGATION_S = 600;
const RETENTION_S = 1200;
const REDIRECT = 'https://app.example/cb';

let stack: TestStack;
const time = { now: T0 };
const clock = () => time.now;
let provider: OidcProvider;
let sessionCookie: string;

function event(method: string, path: string, init: { query?: URLSearchParams; form?: URLSearchParams; headers?: Record<string, string>; cookies?: string[] }): APIGatewayProxyEventV2 {
  const base = fakeEvent();
  return fakeEvent({
    rawPath: path,
    rawQueryString: init.query?.toString() ?? '',
    headers: { ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...init.headers },
    ...(init.cookies ? { cookies: init.cookies } : {}),
    ...(init.form ? { body: init.form.toString() } : {}),
    requestContext: { ...base.requestContext, http: { ...base.requestContext.http, method, path } },
  });
}

/** A full sign-in through /authorize and /token; returns the token endpoint's answer. */
async function exchangeCode(): Promise<HttpResponse> {
  const verifier = randomBytes(32).toString('base64url');
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: 'spa',
    redirect_uri: REDIRECT,
    scope: 'openid offline_access',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  const authorized = await authorizeHandler(() => provider)(event('GET', '/authorize', { query, cookies: [sessionCookie] }), fakeContext);
  const code = new URL(String(authorized.headers?.Location)).searchParams.get('code');
  assert.ok(code);
  const form = new URLSearchParams({ grant_type: 'authorization_code', client_id: 'spa', code, redirect_uri: REDIRECT, code_verifier: verifier });
  return tokenHandler(() => provider)(event('POST', '/token', { form }), fakeContext);
}

/** A full sign-in that must succeed; returns the token response. */
async function signIn(): Promise<Record<string, string>> {
  const answer = await exchangeCode();
  assert.equal(answer.statusCode, 200, answer.body);
  return JSON.parse(answer.body!);
}

async function userinfoStatus(accessToken: string): Promise<number | undefined> {
  const answer = await userinfoHandler(() => provider)(event('GET', '/userinfo', { headers: { authorization: `Bearer ${accessToken}` } }), fakeContext);
  return answer.statusCode;
}

before(async () => {
  stack = await startTestStack({
    env: {
      SIGNING_KEY_LIFETIME_S: String(LIFETIME_S),
      SIGNING_PROPAGATION_S: String(PROPAGATION_S),
      SIGNING_RETENTION_S: String(RETENTION_S),
      ACCESS_TOKEN_TTL_S: '600',
      ID_TOKEN_TTL_S: '600',
      DP_REFRESH_INTERVAL_S: '60',
      DP_SUCCESSOR_LEAD_S: '3600',
    },
  });
  provider = createOidcProvider({
    config: stack.config,
    clock,
    documentClient: stack.documentClient(),
    keyWrapper: new KmsKeyWrapper({ client: createKmsClient({ region: stack.config.region, endpoint: stack.kms.url }), keyId: stack.config.kmsKeyId }),
  });
  await provider.clients.register({ clientId: 'spa', firstParty: true, redirectUris: [REDIRECT] });
  const user = await provider.users.create({ email: 'grace@example.com', name: 'Grace Hopper', emailVerified: true });
  sessionCookie = (await provider.sessions.start({ subject: user.id, methods: ['pwd'] })).cookie.split(';')[0]!;
});
after(() => stack.close());

describe('signing key rotation during a session', () => {
  it('keeps old tokens valid through the JWKS until retention ends, and signs new ones with the new key', async () => {
    const config = stack.config;
    const repository = new DynamoDbKeyRingRepository({ client: stack.documentClient(), tableName: config.tables.keys });
    const keyWrapper = new KmsKeyWrapper({ client: createKmsClient({ region: config.region, endpoint: stack.kms.url }), keyId: config.kmsKeyId });
    const publisher = new SigningKeyPublisher({ config, repository, clock });
    const jwksNow = async () => createLocalJWKSet({ keys: await publisher.publishedKeys() });

    const first = await signIn();
    const oldKid = decodeProtectedHeader(first.access_token!).kid!;

    // Scheduled rotation inside the lead time creates the successor, published but not signing yet.
    time.now = T0 + (LIFETIME_S - PROPAGATION_S) * S;
    const rotations = await rotateApplicationRings({ config, repository, keyWrapper }, new Date(time.now));
    const successor = rotations.find((r) => r.ring === 'signing')?.successor;
    assert.ok(successor, JSON.stringify(rotations));
    assert.notEqual(successor.keyId, oldKid);
    const created = rotations.find((r) => r.ring === 'signing')!.created.map((key) => key.keyId);
    assert.equal(created[0], successor.keyId);
    assert.equal(created.length, 2, "the hand-over is within the lead time, so the successor's successor too");
    assert.deepEqual((await publisher.publishedKeys()).filter((k) => k.alg === 'ES256').map((k) => k.kid).sort(), [oldKid, ...created].sort());

    // Shortly before the hand-over: still the old key.
    time.now = T0 + (LIFETIME_S - 100) * S;
    const beforeHandOver = await signIn();
    assert.equal(decodeProtectedHeader(beforeHandOver.access_token!).kid, oldKid);

    // After the hand-over: the new key signs; the old key's recent token still validates.
    time.now = T0 + (LIFETIME_S + 200) * S;
    const afterHandOver = await signIn();
    assert.equal(decodeProtectedHeader(afterHandOver.access_token!).kid, successor.keyId);
    assert.equal(decodeProtectedHeader(afterHandOver.id_token!).kid, successor.keyId);
    assert.equal(await userinfoStatus(beforeHandOver.access_token!), 200);
    assert.equal(await userinfoStatus(afterHandOver.access_token!), 200);
    const jwks = await jwksNow();
    for (const token of [beforeHandOver.id_token!, afterHandOver.id_token!]) {
      await jwtVerify(token, jwks, { issuer: config.issuer, audience: 'spa', currentDate: new Date(time.now) });
    }

    // Refresh after the hand-over: new tokens, new key, same session.
    const refreshed = await tokenHandler(() => provider)(
      event('POST', '/token', { form: new URLSearchParams({ grant_type: 'refresh_token', client_id: 'spa', refresh_token: beforeHandOver.refresh_token! }) }),
      fakeContext,
    );
    assert.equal(decodeProtectedHeader(JSON.parse(refreshed.body!).access_token).kid, successor.keyId);

    // Retention ends: the old key leaves the JWKS, and what it signed no longer verifies.
    time.now = T0 + (LIFETIME_S + RETENTION_S + 1) * S;
    assert.deepEqual((await publisher.publishedKeys()).filter((k) => k.alg === 'ES256').map((k) => k.kid), [created[1], successor.keyId]);
    await assert.rejects(provider.verifier.verifyIdTokenHint(beforeHandOver.id_token!), (e: unknown) => e instanceof TokenRejectedError && e.reason === 'unknown_key');
    await provider.verifier.verifyIdTokenHint(afterHandOver.id_token!);
  });
});

describe('revoking every signing key (the emergency path)', () => {
  it('token issuance answers 503 with Retry-After until the replacement the CLI made has been published for the propagation time', async () => {
    const config = stack.config;
    const repository = new DynamoDbKeyRingRepository({ client: stack.documentClient(), tableName: config.tables.keys });
    const keyWrapper = new KmsKeyWrapper({ client: createKmsClient({ region: config.region, endpoint: stack.kms.url }), keyId: config.kmsKeyId });
    const jwks = async () => (await new SigningKeyPublisher({ config, repository, clock }).publishedKeys()).filter((key) => key.alg === 'ES256').map((key) => key.kid);
    time.now = T0 + 2 * LIFETIME_S * S; // the session (idle timeout 8 h) is still alive
    await rotateApplicationRings({ config, repository, keyWrapper }, new Date(time.now));
    await signIn();

    const revokedAt = time.now;
    const printed: string[] = [];
    await runKeysCli(['revoke', '--created-before', new Date(revokedAt).toISOString(), '--ring', 'signing'], {
      config,
      repository,
      keyWrapper: () => keyWrapper,
      now: () => new Date(time.now),
      print: (line) => printed.push(line),
    });
    const replacements = await jwks();
    assert.ok(replacements.length > 0, `the CLI made a replacement at once, and JWKS publishes it (${printed.join(' | ')})`);

    // Past the revocation bound: no instance may sign with the revoked keys, and none with the unpropagated replacement.
    time.now = revokedAt + 60 * S;
    const refused = await exchangeCode();
    assert.equal(refused.statusCode, 503, refused.body);
    const retryAfter = Number(refused.headers?.['Retry-After']);
    assert.ok(retryAfter > 0 && retryAfter <= PROPAGATION_S, `Retry-After ${retryAfter}`);
    assert.equal(JSON.parse(refused.body!).error, 'temporarily_unavailable');

    time.now = revokedAt + PROPAGATION_S * S - S;
    assert.equal((await exchangeCode()).statusCode, 503, 'still inside the propagation time');

    time.now = revokedAt + PROPAGATION_S * S;
    const recovered = await signIn();
    const kid = decodeProtectedHeader(recovered.access_token!).kid!;
    assert.ok(replacements.includes(kid), 'the replacement published since the revocation signs');
    assert.equal(await userinfoStatus(recovered.access_token!), 200);
  });
});
