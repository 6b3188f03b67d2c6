/**
 * ES256 and RS256 side by side: a client's registered `id_token_signed_response_alg` picks its
 * ID tokens' algorithm, access tokens stay ES256, and every token verifies against what /jwks
 * serves (the function's handler, read by a relying party's JWKS client). Several instances,
 * each with its own signing rings, take turns.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, importJWK, jwtVerify, SignJWT } from 'jose';
import { authorizeHandler } from '../../functions/authorize.js';
import { tokenHandler } from '../../functions/token.js';
import { userinfoHandler } from '../../functions/userinfo.js';
import { SESSION_COOKIE } from '../../lib/session/sessions.js';
import { SigningKeyPublisher } from '../../lib/signing/signing-jwks.js';
import { TokenRejectedError } from '../../lib/signing/token-signer.js';
import { DynamoDbKeyRingRepository } from '../../lib/store/key-ring-repository.js';
import { httpEvent } from '../support/fake-http-event.js';
import { call, codeRequestQuery, oidcInstances, pkcePair, signIn, type OidcInstances } from '../support/oidc-instances.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const T0 = Date.parse('2040-06-01T00:00:00Z');
const REDIRECT = 'https://app.example/cb';
const SECRET = 'signing-alg-client-secret-0123456789abc';

let stack: TestStack;
let jwksModule: typeof import('../../functions/jwks.js');
let oidc: OidcInstances;
let userId: string;
const time = { now: T0 };

before(async () => {
  stack = await startTestStack();
  // functions/jwks.ts builds its clients from the environment at import time.
  Object.assign(process.env, stack.env);
  jwksModule = await import('../../functions/jwks.js');
  oidc = oidcInstances(stack, () => time.now);
  const setup = oidc.all[0]!;
  await setup.clients.register({ clientId: 'es-app', secret: SECRET, firstParty: true, redirectUris: [REDIRECT] });
  await setup.clients.register({ clientId: 'rs-app', secret: SECRET, firstParty: true, redirectUris: [REDIRECT], idTokenSignedResponseAlg: 'RS256' });
  await setup.clients.register({ clientId: 'jwt-userinfo', secret: SECRET, firstParty: true, redirectUris: [REDIRECT], userinfoSignedResponseAlg: 'RS256' });
  userId = (await setup.users.create({ email: 'alg@example.com', name: 'Alg User', emailVerified: true })).id;
});
after(() => stack.close());

/** The code flow for `clientId` across instances: the token response. */
async function codeFlow(clientId: string): Promise<{ id_token: string; access_token: string }> {
  const { cookie } = await signIn(oidc.next(), userId);
  const { verifier, challenge } = pkcePair();
  const query = codeRequestQuery({ clientId, redirectUri: REDIRECT, challenge, state: 's', scope: 'openid email' });
  const authorized = await call(authorizeHandler(oidc.next), httpEvent('GET', `/authorize?${query}`, { cookies: { [SESSION_COOKIE]: cookie } }));
  assert.equal(authorized.status, 302, authorized.body);
  const code = new URL(authorized.headers.Location!).searchParams.get('code');
  assert.ok(code, authorized.headers.Location);
  const form = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier });
  const basic = `Basic ${Buffer.from(`${clientId}:${SECRET}`).toString('base64')}`;
  const answer = await call(tokenHandler(oidc.next), httpEvent('POST', '/token', { body: form.toString(), headers: { authorization: basic } }));
  assert.equal(answer.status, 200, answer.body);
  return JSON.parse(answer.body) as { id_token: string; access_token: string };
}

/** What a relying party reads from GET /jwks. */
async function servedJwks() {
  const publisher = new SigningKeyPublisher({ config: stack.config, repository: new DynamoDbKeyRingRepository({ client: stack.documentClient(), tableName: stack.config.tables.keys }), clock: () => time.now });
  const answer = await call(jwksModule.jwksHandler(publisher), httpEvent('GET', '/jwks'));
  assert.equal(answer.status, 200);
  return JSON.parse(answer.body) as { keys: { kid: string; alg: string; kty: string }[] };
}

describe('ID token signing algorithms', () => {
  it("signs each client's ID tokens with its registered algorithm, access tokens always ES256, all verifiable with /jwks", async () => {
    const es = await codeFlow('es-app');
    const rs = await codeFlow('rs-app');
    assert.equal(decodeProtectedHeader(es.id_token).alg, 'ES256');
    assert.equal(decodeProtectedHeader(rs.id_token).alg, 'RS256');
    assert.equal(decodeProtectedHeader(rs.access_token).alg, 'ES256', 'access tokens keep ES256');

    const jwks = await servedJwks();
    assert.deepEqual([...new Set(jwks.keys.map((key) => `${key.alg}/${key.kty}`))].sort(), ['ES256/EC', 'RS256/RSA']);
    const keySet = createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]);
    const options = { issuer: stack.config.issuer, currentDate: new Date(time.now) };
    assert.equal((await jwtVerify(rs.id_token, keySet, { ...options, audience: 'rs-app', algorithms: ['RS256'] })).payload.sub, userId);
    assert.equal((await jwtVerify(es.id_token, keySet, { ...options, audience: 'es-app', algorithms: ['ES256'] })).payload.sub, userId);
    // Each instance verifies both as an id_token_hint.
    for (const instance of oidc.all) {
      assert.equal((await instance.verifier.verifyIdTokenHint(rs.id_token)).claims.aud, 'rs-app');
      assert.equal((await instance.verifier.verifyIdTokenHint(es.id_token)).claims.aud, 'es-app');
    }
  });

  it('answers userinfo as an RS256 JWT for a client that registered userinfo_signed_response_alg, JSON for others', async () => {
    const signed = await codeFlow('jwt-userinfo');
    const asJwt = await call(userinfoHandler(oidc.next), httpEvent('GET', '/userinfo', { headers: { authorization: `Bearer ${signed.access_token}` } }));
    assert.equal(asJwt.status, 200, asJwt.body);
    assert.equal(asJwt.headers['Content-Type'], 'application/jwt');
    const keySet = createLocalJWKSet((await servedJwks()) as Parameters<typeof createLocalJWKSet>[0]);
    const { payload, protectedHeader } = await jwtVerify(asJwt.body, keySet, { issuer: stack.config.issuer, audience: 'jwt-userinfo', algorithms: ['RS256'], currentDate: new Date(time.now) });
    assert.equal(protectedHeader.alg, 'RS256');
    assert.equal(payload.sub, userId);
    assert.equal(payload.email, 'alg@example.com');

    const plain = await codeFlow('es-app');
    const asJson = await call(userinfoHandler(oidc.next), httpEvent('GET', '/userinfo', { headers: { authorization: `Bearer ${plain.access_token}` } }));
    assert.equal(asJson.headers['Content-Type'], 'application/json');
    assert.equal(JSON.parse(asJson.body).sub, userId);
  });

  it('an RS256 access token, or a header naming the other algorithm for a kid, is refused', async () => {
    const rs = await codeFlow('rs-app');
    const verifier = oidc.next().verifier;
    // The RS256 ID token's signature is real, but access tokens are ES256 only.
    await assert.rejects(verifier.verifyAccessToken(rs.id_token), TokenRejectedError);
    // An RS256 header over an EC key's kid finds no key: the ring is chosen by the header's alg.
    const esKid = (await servedJwks()).keys.find((key) => key.alg === 'ES256')!.kid;
    const attackerKey = await importJWK(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), 'RS256');
    const forged = await new SignJWT({ sub: userId, aud: 'rs-app' }).setProtectedHeader({ alg: 'RS256', kid: esKid }).setIssuer(stack.config.issuer).sign(attackerKey);
    await assert.rejects(verifier.verifyIdTokenHint(forged), (error: unknown) => error instanceof TokenRejectedError && error.reason === 'unknown_key');
  });
});
