/**
 * The OpenID conformance suite's Dynamic OP plan in miniature, with openid-client v6 against
 * three `osls offline` instances behind a round-robin proxy (REGISTRATION_MODE=token in the
 * shared cluster's environment): a client registers with an initial access token, its
 * registration is read on another instance, it completes the code flow authenticating with
 * private_key_jwt, openid-client verifies its RS256 ID token with the keys /jwks serves, and a
 * replayed client assertion is refused by another instance. The user's consent is written
 * beforehand with the consent store (the consent page has its own e2e file).
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID, webcrypto } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { decodeProtectedHeader, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { PasswordHasher } from '../../lib/auth/password-hasher.js';
import { systemClock } from '../../lib/clock.js';
import { CLIENT_ASSERTION_TYPE } from '../../lib/oidc/client-assertion.js';
import { InitialAccessTokens } from '../../lib/oidc/client-registration-tokens.js';
import { createDocumentClient } from '../../lib/runtime/dynamodb-client.js';
import { ConsentDirectory } from '../../lib/store/consent-directory.js';
import { TtlCache } from '../../lib/store/ttl-cache.js';
import { UserDirectory } from '../../lib/store/user-directory.js';
import { e2eCluster, type E2eCluster } from '../support/e2e-cluster.js';
import { SessionClient } from '../support/session-client.js';

const PASSWORD = 'correct horse battery staple 42';
const REDIRECT = 'https://rp.dynamic.example/cb';
const insecure = { execute: [oidc.allowInsecureRequests] };

let cluster: E2eCluster;
let email: string;
let userId: string;
let initialToken: string;

before(async () => {
  cluster = await e2eCluster();
  const documentClient = createDocumentClient({ region: cluster.config.region, endpoint: cluster.dynamodbEndpoint });
  const cache = new TtlCache({ client: documentClient, tableName: cluster.config.tables.cache, clock: systemClock });
  initialToken = (await new InitialAccessTokens(cache, systemClock).issue(600)).token;
  email = `dynamic-${randomBytes(4).toString('hex')}@example.com`;
  const users = new UserDirectory({ client: documentClient, tableName: cluster.config.tables.directory, clock: systemClock });
  userId = (await users.create({ email, name: 'Dynamic User', passwordHash: await new PasswordHasher(cluster.config.password).hash(PASSWORD), emailVerified: true })).id;
});

async function register(body: unknown, token = initialToken, base = cluster.proxyUrl): Promise<{ status: number; json: Record<string, any> }> {
  const response = await fetch(`${base}/connect/register`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, any> };
}

describe('dynamic registration with openid-client (Dynamic OP plan)', () => {
  it('registers with an initial access token, reads the registration on another instance, and refuses a missing token', async () => {
    assert.equal((await register({ redirect_uris: [REDIRECT] }, 'not-a-token')).status, 401);
    const discovered = (await (await fetch(`${cluster.proxyUrl}/.well-known/openid-configuration`)).json()) as Record<string, any>;
    assert.equal(discovered.registration_endpoint, `${cluster.config.issuer}/connect/register`);
    assert.ok(discovered.token_endpoint_auth_methods_supported.includes('private_key_jwt'));
    assert.deepEqual(discovered.id_token_signing_alg_values_supported, ['ES256', 'RS256']);

    const registered = await register({ redirect_uris: [REDIRECT], client_name: 'Dynamic RP' }, initialToken, cluster.instanceUrls[0]);
    assert.equal(registered.status, 201);
    const path = new URL(registered.json.registration_client_uri).pathname;
    for (const base of cluster.instanceUrls.slice(1)) {
      const read = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${registered.json.registration_access_token}` } });
      assert.equal(read.status, 200);
      assert.equal(((await read.json()) as Record<string, unknown>).client_name, 'Dynamic RP');
    }
  });

  it('completes the code flow with private_key_jwt; the RS256 ID token verifies with /jwks; a replayed assertion is refused', async () => {
    const keys = (await webcrypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const jwk = { ...(await webcrypto.subtle.exportKey('jwk', keys.publicKey)), kid: 'rp-key', use: 'sig' };
    const registered = await register({
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [jwk] },
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'openid email offline_access',
    });
    assert.equal(registered.status, 201, JSON.stringify(registered.json));
    const clientId = registered.json.client_id as string;
    assert.equal(registered.json.id_token_signed_response_alg, 'RS256');
    const documentClient = createDocumentClient({ region: cluster.config.region, endpoint: cluster.dynamodbEndpoint });
    await new ConsentDirectory({ client: documentClient, tableName: cluster.config.tables.directory, clock: systemClock }).grant(userId, clientId, ['openid', 'email', 'offline_access']);
    documentClient.destroy();

    const config = await oidc.discovery(new URL(cluster.proxyUrl), clientId, { id_token_signed_response_alg: 'RS256' }, oidc.PrivateKeyJwt({ key: keys.privateKey, kid: 'rp-key' }), insecure);
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid email offline_access',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const browser = new SessionClient({ proxyUrl: cluster.proxyUrl, instanceUrls: cluster.instanceUrls });
    const toLogin = await browser.get(url.pathname + url.search);
    assert.equal(toLogin.status, 302, toLogin.describe());
    const loginPage = await browser.get(toLogin.location!);
    let page = await browser.submit(loginPage, { on: browser.otherThan(loginPage.servedBy), overrides: { email, password: PASSWORD } });
    for (let hop = 0; hop < 5 && !page.location?.startsWith(REDIRECT); hop++) {
      assert.ok([302, 303].includes(page.status), page.describe());
      page = await browser.get(page.location!);
    }
    assert.ok(page.location?.startsWith(REDIRECT), page.describe());

    const tokens = await oidc.authorizationCodeGrant(config, new URL(page.location!), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    assert.equal(decodeProtectedHeader(tokens.id_token!).alg, 'RS256');
    assert.equal(tokens.claims()?.sub, userId, 'openid-client verified the ID token with the keys /jwks serves');
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    assert.ok(refreshed.access_token);

    // One assertion presented twice, each time to another instance: the second is a replay.
    const nowS = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ iss: clientId, sub: clientId, aud: `${cluster.config.issuer}/token`, jti: randomUUID(), iat: nowS, exp: nowS + 60 })
      .setProtectedHeader({ alg: 'RS256', kid: 'rp-key' })
      .sign(keys.privateKey);
    const refresh = (base: string) =>
      fetch(`${base}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshed.refresh_token!, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion }),
      });
    assert.equal((await refresh(cluster.instanceUrls[0]!)).status, 200);
    const replay = await refresh(cluster.instanceUrls[1]!);
    assert.equal(replay.status, 401);
    assert.equal(((await replay.json()) as Record<string, unknown>).error, 'invalid_client');
  });
});
