/**
 * Dynamic client registration (RFC 7591) and its management protocol (RFC 7592) through the
 * function's handler, against DynamoDB Local, in each REGISTRATION_MODE; then a registered
 * client's whole code flow with private_key_jwt across several instances. The user's consent to
 * the (third-party) registered client is written with the consent store directly: the consent
 * page has its own tests (oidc-consent.test.ts).
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { authorizeHandler } from '../../functions/authorize.js';
import { clientRegistrationHandler } from '../../functions/client-registration.js';
import { tokenHandler } from '../../functions/token.js';
import { userinfoHandler } from '../../functions/userinfo.js';
import type { Config } from '../../lib/config.js';
import { CLIENT_ASSERTION_TYPE } from '../../lib/oidc/client-assertion.js';
import { InitialAccessTokens } from '../../lib/oidc/client-registration-tokens.js';
import { discoveryDocument } from '../../lib/oidc/discovery.js';
import { createClientRegistrationEndpoint } from '../../lib/runtime/client-registration-endpoints.js';
import { SESSION_COOKIE } from '../../lib/session/sessions.js';
import { SigningKeyPublisher } from '../../lib/signing/signing-jwks.js';
import { ConsentDirectory } from '../../lib/store/consent-directory.js';
import { DynamoDbKeyRingRepository } from '../../lib/store/key-ring-repository.js';
import { TtlCache } from '../../lib/store/ttl-cache.js';
import { httpEvent } from '../support/fake-http-event.js';
import { call, codeRequestQuery, oidcInstances, pkcePair, signIn, type Answer, type OidcInstances } from '../support/oidc-instances.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const T0 = Date.parse('2040-07-01T00:00:00Z');
const REDIRECT = 'https://rp.example/cb';

let stack: TestStack;
let oidc: OidcInstances;
const time = { now: T0 };
const clock = () => time.now;

before(async () => {
  stack = await startTestStack({ env: { REGISTRATION_MODE: 'open' } });
  oidc = oidcInstances(stack, clock);
});
after(() => stack.close());

function registrationIn(mode: Config['clientRegistration']['mode'], overrides: Partial<Config['clientRegistration']> = {}) {
  const config: Config = { ...stack.config, clientRegistration: { ...stack.config.clientRegistration, mode, ...overrides } };
  const endpoint = createClientRegistrationEndpoint({ config, clock, documentClient: stack.documentClient() });
  return clientRegistrationHandler(() => endpoint);
}

type Handler = ReturnType<typeof registrationIn>;
interface Sent {
  method?: string;
  path?: string;
  body?: unknown;
  token?: string;
  ip?: string;
}

async function send(handler: Handler, sent: Sent): Promise<Answer & { json: Record<string, any> }> {
  const event = httpEvent(sent.method ?? 'POST', sent.path ?? '/connect/register', {
    ...(sent.ip !== undefined ? { ip: sent.ip } : {}),
    headers: { ...(sent.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(sent.token !== undefined ? { authorization: `Bearer ${sent.token}` } : {}) },
  });
  if (sent.body !== undefined) event.body = JSON.stringify(sent.body);
  const answer = await call(handler, event);
  return { ...answer, json: answer.body === '' ? {} : (JSON.parse(answer.body) as Record<string, any>) };
}

/** The token with its last character changed. */
function tampered(token: string): string {
  return token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
}

const webClient = { redirect_uris: [REDIRECT], client_name: 'Relying Party' };
// The rate limit has its own case; the others register far more than 20 from one test address.
const open = () => registrationIn('open', { maxPerSourcePerHour: 10_000 });

describe('registration policy', () => {
  it('off: no endpoint, and discovery names none', async () => {
    const answer = await send(registrationIn('off'), { body: webClient });
    assert.equal(answer.status, 404);
    assert.equal(discoveryDocument({ ...stack.config, clientRegistration: { ...stack.config.clientRegistration, mode: 'off' } }).registration_endpoint, undefined);
    assert.equal(discoveryDocument(stack.config).registration_endpoint, `${stack.config.issuer}/connect/register`);
  });

  it('token: only with a live initial access token from the CLI store; an expired one the table still holds is refused', async () => {
    const handler = registrationIn('token');
    const tokens = new InitialAccessTokens(new TtlCache({ client: stack.documentClient(), tableName: stack.config.tables.cache, clock }), clock);
    const issued = await tokens.issue(60);
    const missing = await send(handler, { body: webClient });
    assert.equal(missing.status, 401);
    assert.match(missing.headers['WWW-Authenticate'] ?? '', /^Bearer /);
    assert.equal((await send(handler, { body: webClient, token: tampered(issued.token) })).status, 401);
    assert.equal((await send(handler, { body: webClient, token: issued.token })).status, 201);
    assert.equal((await send(handler, { body: webClient, token: issued.token })).status, 201, 'any number of registrations until it expires');
    time.now += 61_000;
    assert.equal((await send(handler, { body: webClient, token: issued.token })).status, 401);
  });

  it('open: anyone, but at most REGISTRATION_MAX_PER_SOURCE_PER_HOUR per source and hour', async () => {
    const handler = registrationIn('open', { maxPerSourcePerHour: 2 });
    const ip = '203.0.113.77';
    assert.equal((await send(handler, { body: webClient, ip })).status, 201);
    assert.equal((await send(handler, { body: webClient, ip })).status, 201);
    const third = await send(handler, { body: webClient, ip });
    assert.equal(third.status, 429);
    assert.ok(Number(third.headers['Retry-After']) > 0);
    assert.equal((await send(handler, { body: webClient, ip: '203.0.113.78' })).status, 201, 'another source has its own budget');
  });
});

describe('registration and management (RFC 7591, RFC 7592)', () => {
  it('registers a confidential web client with RS256 ID tokens, never first-party; reads, updates and deletes it with its registration token', async () => {
    const handler = open();
    const registered = await send(handler, { body: { ...webClient, first_party: true, scope: 'openid email' } });
    assert.equal(registered.status, 201, registered.body);
    const body = registered.json;
    assert.equal(body.token_endpoint_auth_method, 'client_secret_basic');
    assert.equal(body.id_token_signed_response_alg, 'RS256');
    assert.equal(body.client_secret_expires_at, 0);
    assert.match(body.client_secret, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(body.registration_client_uri, `${stack.config.issuer}/connect/register/${body.client_id}`);
    const stored = (await oidc.next().clients.find(body.client_id))!;
    assert.equal(stored.firstParty, undefined, 'a dynamically registered client is never first-party');
    assert.ok(!JSON.stringify(stored).includes(body.client_secret) && !JSON.stringify(stored).includes(body.registration_access_token), 'secrets stored hashed only');
    assert.equal(await oidc.next().clients.verifySecret(stored, body.client_secret), true);

    const clientPath = new URL(body.registration_client_uri).pathname;
    const read = await send(handler, { method: 'GET', path: clientPath, token: body.registration_access_token });
    assert.equal(read.status, 200);
    assert.equal(read.json.client_name, 'Relying Party');
    assert.equal(read.json.scope, 'openid email');
    assert.equal(read.json.client_secret, undefined, 'kept only hashed, so never shown again');

    const other = await send(handler, { body: webClient });
    for (const token of [other.json.registration_access_token, tampered(body.registration_access_token), 'x']) {
      const refused = await send(handler, { method: 'GET', path: clientPath, token });
      assert.equal(refused.status, 401);
      assert.equal(refused.json.error, 'invalid_token');
    }
    assert.equal((await send(handler, { method: 'GET', path: clientPath })).status, 401);

    const update = { client_id: body.client_id, redirect_uris: ['https://rp.example/cb2'], client_name: 'Renamed', id_token_signed_response_alg: 'ES256' };
    const mismatched = await send(handler, { method: 'PUT', path: clientPath, token: body.registration_access_token, body: { ...update, client_id: other.json.client_id } });
    assert.equal(mismatched.status, 400);
    const wrongSecret = await send(handler, { method: 'PUT', path: clientPath, token: body.registration_access_token, body: { ...update, client_secret: other.json.client_secret } });
    assert.equal(wrongSecret.status, 400, 'a client_secret in an update must be the current one');
    assert.equal((await send(handler, { method: 'PUT', path: clientPath, token: body.registration_access_token, body: { ...update, client_secret: body.client_secret } })).status, 200);
    const updated = await send(handler, { method: 'PUT', path: clientPath, token: body.registration_access_token, body: update });
    assert.equal(updated.status, 200, updated.body);
    assert.deepEqual(updated.json.redirect_uris, ['https://rp.example/cb2']);
    const after = (await oidc.next().clients.find(body.client_id))!;
    assert.equal(after.name, 'Renamed');
    assert.equal(after.idTokenSignedResponseAlg, 'ES256');
    assert.equal(after.createdAt, stored.createdAt);
    assert.equal(await oidc.next().clients.verifySecret(after, body.client_secret), true, 'the secret survives an update');

    assert.equal((await send(handler, { method: 'DELETE', path: clientPath, token: body.registration_access_token })).status, 204);
    assert.equal(await oidc.next().clients.find(body.client_id), undefined);
    assert.equal((await send(handler, { method: 'GET', path: clientPath, token: body.registration_access_token })).status, 401);
    assert.equal((await send(handler, { method: 'DELETE', path: clientPath, token: body.registration_access_token })).status, 401);
  });

  it('refuses invalid metadata, rule by rule, with RFC 7591 error JSON', async () => {
    const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    const cases: [string, unknown, 'invalid_redirect_uri' | 'invalid_client_metadata'][] = [
      ['no redirect URI for the code grant', { client_name: 'x' }, 'invalid_redirect_uri'],
      ['http redirect for a web client', { redirect_uris: ['http://rp.example/cb'] }, 'invalid_redirect_uri'],
      ['loopback redirect for a web client', { redirect_uris: ['https://localhost/cb'] }, 'invalid_redirect_uri'],
      ['fragment in a redirect URI', { redirect_uris: ['https://rp.example/cb#x'] }, 'invalid_redirect_uri'],
      ['javascript: redirect', { redirect_uris: ['javascript:alert(1)'] }, 'invalid_redirect_uri'],
      ['a native client on plain http elsewhere', { application_type: 'native', redirect_uris: ['http://rp.example/cb'] }, 'invalid_redirect_uri'],
      ['redirect_uris not an array', { redirect_uris: REDIRECT }, 'invalid_redirect_uri'],
      ['unknown application type', { ...webClient, application_type: 'desktop' }, 'invalid_client_metadata'],
      ['implicit grant', { ...webClient, grant_types: ['implicit'] }, 'invalid_client_metadata'],
      ['token response type', { ...webClient, response_types: ['token'] }, 'invalid_client_metadata'],
      ['code response without the code grant', { ...webClient, grant_types: ['client_credentials'], response_types: ['code'] }, 'invalid_client_metadata'],
      ['code grant without the code response', { ...webClient, grant_types: ['authorization_code'], response_types: [] }, 'invalid_client_metadata'],
      ['unknown auth method', { ...webClient, token_endpoint_auth_method: 'client_secret_jwt' }, 'invalid_client_metadata'],
      ['public client with client_credentials', { token_endpoint_auth_method: 'none', grant_types: ['client_credentials'], response_types: [] }, 'invalid_client_metadata'],
      ['private_key_jwt without keys', { ...webClient, token_endpoint_auth_method: 'private_key_jwt' }, 'invalid_client_metadata'],
      ['jwks and jwks_uri together', { ...webClient, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [jwk] }, jwks_uri: 'https://rp.example/jwks' }, 'invalid_client_metadata'],
      ['jwks_uri over http', { ...webClient, token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'http://rp.example/jwks' }, 'invalid_client_metadata'],
      ['a private key in jwks', { ...webClient, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ ...jwk, d: 'x' }] } }, 'invalid_client_metadata'],
      ['empty jwks', { ...webClient, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [] } }, 'invalid_client_metadata'],
      ['id_token alg none', { ...webClient, id_token_signed_response_alg: 'none' }, 'invalid_client_metadata'],
      ['id_token alg HS256', { ...webClient, id_token_signed_response_alg: 'HS256' }, 'invalid_client_metadata'],
      ['userinfo alg PS512', { ...webClient, userinfo_signed_response_alg: 'PS512' }, 'invalid_client_metadata'],
      ['unknown scope', { ...webClient, scope: 'openid admin' }, 'invalid_client_metadata'],
      ['pairwise subject', { ...webClient, subject_type: 'pairwise' }, 'invalid_client_metadata'],
      ['a name with control characters', { ...webClient, client_name: 'a\u0007b' }, 'invalid_client_metadata'],
      ['not an object', [webClient], 'invalid_client_metadata'],
    ];
    const handler = open();
    for (const [label, body, error] of cases) {
      const answer = await send(handler, { body });
      assert.equal(answer.status, 400, `${label}: ${answer.body}`);
      assert.equal(answer.json.error, error, label);
      assert.equal(typeof answer.json.error_description, 'string', label);
    }
    const notJson = await call(handler, httpEvent('POST', '/connect/register', { body: 'redirect_uris=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }));
    assert.equal(JSON.parse(notJson.body).error, 'invalid_client_metadata');
    // The same rules pass: a native app with a loopback and a private-use redirect.
    const native = await send(handler, { body: { application_type: 'native', token_endpoint_auth_method: 'none', redirect_uris: ['http://127.0.0.1:4711/cb', 'com.example.app:/cb'] } });
    assert.equal(native.status, 201, native.body);
    assert.equal(native.json.client_secret, undefined);
  });
});

describe('metadata the server does not use', () => {
  it('registers a client with logo_uri, policy_uri and tos_uri, and keeps none of them (no remote logo on the consent page)', async () => {
    const answer = await send(open(), { body: { ...webClient, logo_uri: 'https://rp.example/logo.png', policy_uri: 'https://rp.example/policy', tos_uri: 'https://rp.example/tos' } });
    assert.equal(answer.status, 201, answer.body);
    assert.equal(answer.json.logo_uri, undefined);
    assert.ok(!JSON.stringify(await oidc.next().clients.find(answer.json.client_id)).includes('logo.png'));
  });
});

describe('a dynamically registered client with private_key_jwt', () => {
  let userId: string;
  before(async () => {
    userId = (await oidc.all[0]!.users.create({ email: `dyn-${randomUUID()}@example.com`, name: 'Dyn User', emailVerified: true })).id;
  });

  function assertion(clientId: string, key: KeyObject, claims: Record<string, unknown> = {}): Promise<string> {
    const nowS = Math.floor(time.now / 1000);
    const payload = { iss: clientId, sub: clientId, aud: `${stack.config.issuer}/token`, iat: nowS, exp: nowS + 60, jti: randomUUID(), ...claims };
    return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: 'rp-1' }).sign(key);
  }

  async function token(form: Record<string, string>): Promise<Answer & { json: Record<string, any> }> {
    const answer = await call(tokenHandler(oidc.next), httpEvent('POST', '/token', { body: new URLSearchParams(form).toString() }));
    return { ...answer, json: JSON.parse(answer.body) as Record<string, any> };
  }

  it('completes the code flow; its RS256 ID token verifies against /jwks; a replayed, mis-addressed or long-lived assertion is refused; deletion ends its refresh tokens', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'rp-1', use: 'sig', alg: 'RS256' };
    const registered = await send(open(), {
      body: { ...webClient, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [jwk] }, grant_types: ['authorization_code', 'refresh_token'], scope: 'openid email offline_access' },
    });
    assert.equal(registered.status, 201, registered.body);
    const clientId = registered.json.client_id as string;
    assert.equal(registered.json.client_secret, undefined);
    await new ConsentDirectory({ client: stack.documentClient(), tableName: stack.config.tables.directory, clock }).grant(userId, clientId, ['openid', 'email', 'offline_access']);

    const { cookie } = await signIn(oidc.next(), userId);
    const { verifier, challenge } = pkcePair();
    const query = codeRequestQuery({ clientId, redirectUri: REDIRECT, challenge, state: 'st', scope: 'openid email offline_access' });
    const authorized = await call(authorizeHandler(oidc.next), httpEvent('GET', `/authorize?${query}&nonce=n-1`, { cookies: { [SESSION_COOKIE]: cookie } }));
    assert.equal(authorized.status, 302, authorized.body);
    const code = new URL(authorized.headers.Location!).searchParams.get('code');
    assert.ok(code, authorized.headers.Location);

    const signed = await assertion(clientId, privateKey);
    const exchange = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: signed };
    const issued = await token(exchange);
    assert.equal(issued.status, 200, issued.body);
    assert.equal(decodeProtectedHeader(issued.json.id_token).alg, 'RS256');
    const publisher = new SigningKeyPublisher({ config: stack.config, repository: new DynamoDbKeyRingRepository({ client: stack.documentClient(), tableName: stack.config.tables.keys }), clock });
    const { payload } = await jwtVerify(issued.json.id_token, createLocalJWKSet({ keys: await publisher.publishedKeys() }), {
      issuer: stack.config.issuer,
      audience: clientId,
      algorithms: ['RS256'],
      currentDate: new Date(time.now),
    });
    assert.equal(payload.sub, userId);
    assert.equal(payload.nonce, 'n-1');

    const refresh = (assertionValue: string) => token({ grant_type: 'refresh_token', refresh_token: issued.json.refresh_token, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertionValue });
    const replayed = await refresh(signed);
    assert.equal(replayed.status, 401, 'the same assertion again, on another instance');
    assert.equal(replayed.json.error, 'invalid_client');
    const results = await Promise.all([1, 2, 3].map(async () => refresh(await assertion(clientId, privateKey, { jti: 'racing-jti' }))));
    assert.equal(results.filter((result) => result.status !== 401).length, 1, 'of racing presentations of one jti, one gets through');
    for (const [label, claims] of [
      ['another audience', { aud: 'https://elsewhere.example/token' }],
      ['an hour-long assertion', { exp: Math.floor(time.now / 1000) + 3600 }],
      ['an expired one', { exp: Math.floor(time.now / 1000) - 120 }],
      ['no jti', { jti: undefined }],
    ] as const) {
      const answer = await refresh(await assertion(clientId, privateKey, claims));
      assert.equal(answer.status, 401, label);
    }
    const foreignKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    assert.equal((await refresh(await assertion(clientId, foreignKey))).status, 401, 'signed by a key the client did not register');
    const secretInstead = await token({ grant_type: 'refresh_token', refresh_token: issued.json.refresh_token, client_id: clientId, client_secret: 'x'.repeat(43) });
    assert.equal(secretInstead.status, 401, 'a private_key_jwt client has no secret');

    const liveUserinfo = await call(userinfoHandler(oidc.next), httpEvent('GET', '/userinfo', { headers: { authorization: `Bearer ${issued.json.access_token}` } }));
    assert.equal(liveUserinfo.status, 200, 'the access token works while the client exists');
    const management = new URL(registered.json.registration_client_uri).pathname;
    assert.equal((await send(open(), { method: 'DELETE', path: management, token: registered.json.registration_access_token })).status, 204);
    // Instances may trust their cached copy of the client for CLIENT_CACHE_TTL_S, not longer.
    time.now += (stack.config.tokens.clientCacheTtlS + 1) * 1000;
    for (let i = 0; i < oidc.all.length; i++) {
      const afterDelete = await refresh(await assertion(clientId, privateKey));
      assert.equal(afterDelete.status, 401, 'a deleted client authenticates nowhere: its refresh tokens are dead');
      const userinfo = await call(userinfoHandler(oidc.next), httpEvent('GET', '/userinfo', { headers: { authorization: `Bearer ${issued.json.access_token}` } }));
      assert.equal(userinfo.status, 401, 'and its access tokens too');
    }
  });
});
