/**
 * The OIDC handlers invoked directly (the functions' own guards around them) against DynamoDB
 * Local and the local KMS, with a driven clock. Several "instances" (providers with their own
 * clients and caches) share only the stack, as Lambda instances would.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { authorizeHandler } from '../../functions/authorize.js';
import { endSessionHandler } from '../../functions/end-session.js';
import { introspectHandler } from '../../functions/introspect.js';
import { revokeHandler } from '../../functions/revoke.js';
import { tokenHandler } from '../../functions/token.js';
import { userinfoHandler } from '../../functions/userinfo.js';
import type { HttpResponse } from '../../lib/http/response.js';
import { createKmsClient } from '../../lib/keys/kms-client.js';
import { KmsKeyWrapper } from '../../lib/keys/kms-key-wrapper.js';
import { createOidcProvider, type OidcProvider } from '../../lib/oidc/provider.js';
import { fakeContext, fakeEvent } from '../support/fake-http-event.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const T0 = Date.parse('2040-01-01T00:00:00Z');
const REDIRECT = 'https://app.example/cb';
const WEB_SECRET = 'web-client-secret-0123456789abcdefghij';
const MACHINE_SECRET = 'machine-secret-0123456789abcdefghijklm';

let stack: TestStack;
const time = { now: T0 };
const clock = () => time.now;
let instances: OidcProvider[];
let userId: string;
let sessionCookie: string;
let sessionId: string;

function newInstance(): OidcProvider {
  const config = stack.config;
  return createOidcProvider({
    config,
    clock,
    documentClient: stack.documentClient(),
    keyWrapper: new KmsKeyWrapper({ client: createKmsClient({ region: config.region, endpoint: stack.kms.url }), keyId: config.kmsKeyId }),
  });
}

let turn = 0;
/** The next instance, round robin: no request relies on the instance that served the previous one. */
function next(): OidcProvider {
  return instances[turn++ % instances.length]!;
}

function event(method: 'GET' | 'POST', path: string, options: { query?: URLSearchParams; form?: URLSearchParams; headers?: Record<string, string>; cookies?: string[] } = {}): APIGatewayProxyEventV2 {
  const base = fakeEvent();
  return fakeEvent({
    rawPath: path,
    rawQueryString: options.query?.toString() ?? '',
    headers: { ...(options.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...options.headers },
    ...(options.cookies ? { cookies: options.cookies } : {}),
    ...(options.form ? { body: options.form.toString() } : {}),
    requestContext: { ...base.requestContext, http: { ...base.requestContext.http, method, path } },
  });
}

async function call(handler: (e: APIGatewayProxyEventV2, c: typeof fakeContext) => Promise<HttpResponse>, e: APIGatewayProxyEventV2) {
  const response = await handler(e, fakeContext);
  const headers = (response.headers ?? {}) as Record<string, string>;
  const body = response.body ?? '';
  return { status: response.statusCode ?? 200, headers, body, json: () => JSON.parse(body) as Record<string, any> };
}

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

async function authorize(query: Record<string, string>, cookies: string[] = [sessionCookie]) {
  return call(authorizeHandler(next), event('GET', '/authorize', { query: new URLSearchParams(query), cookies }));
}

/** Runs /authorize for the public client with a session and returns the code and verifier. */
async function issueCode(extra: Record<string, string> = {}) {
  const { verifier, challenge } = pkce();
  const answer = await authorize({
    response_type: 'code',
    client_id: 'spa',
    redirect_uri: REDIRECT,
    scope: 'openid email profile offline_access',
    state: 'state-1',
    nonce: 'nonce-1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  });
  assert.equal(answer.status, 302, answer.body);
  const location = new URL(answer.headers.Location!);
  assert.equal(`${location.origin}${location.pathname}`, REDIRECT);
  assert.equal(location.searchParams.get('state'), 'state-1');
  assert.equal(location.searchParams.get('iss'), stack.config.issuer);
  const code = location.searchParams.get('code');
  assert.ok(code, `no code in ${location}`);
  return { code, verifier };
}

async function token(fields: Record<string, string>, headers: Record<string, string> = {}, on: OidcProvider = next()) {
  return call(tokenHandler(() => on), event('POST', '/token', { form: new URLSearchParams(fields), headers }));
}

function exchange(code: string, verifier: string, on?: OidcProvider) {
  return token({ grant_type: 'authorization_code', client_id: 'spa', code, redirect_uri: REDIRECT, code_verifier: verifier }, {}, on);
}

function refresh(refreshToken: string) {
  return token({ grant_type: 'refresh_token', client_id: 'spa', refresh_token: refreshToken });
}

async function userinfo(accessToken: string) {
  return call(userinfoHandler(next), event('GET', '/userinfo', { headers: { authorization: `Bearer ${accessToken}` } }));
}

async function introspect(tokenValue: string) {
  return (await call(introspectHandler(next), event('POST', '/introspect', { form: new URLSearchParams({ client_id: 'spa', token: tokenValue }) }))).json();
}

function basic(id: string, secret: string) {
  return { authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}` };
}

before(async () => {
  stack = await startTestStack();
  instances = [newInstance(), newInstance(), newInstance()];
  const setup = instances[0]!;
  await setup.clients.register({ clientId: 'spa', redirectUris: [REDIRECT], postLogoutRedirectUris: ['https://app.example/bye'] });
  await setup.clients.register({ clientId: 'web', secret: WEB_SECRET, redirectUris: ['https://web.example/cb'], grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'] });
  await setup.clients.register({ clientId: 'machine', secret: MACHINE_SECRET, redirectUris: [], grantTypes: ['client_credentials'] });
  const user = await setup.users.create({ email: 'ada@example.com', name: 'Ada Lovelace', emailVerified: true });
  userId = user.id;
  const started = await setup.sessions.start({ subject: userId, methods: ['pwd'] });
  sessionCookie = started.cookie.split(';')[0]!;
  sessionId = started.session.sessionId;
});
after(() => stack.close());

describe('authorization code flow', () => {
  it('issues a code, then tokens whose ID token verifies against the JWKS, then userinfo', async () => {
    const { code, verifier } = await issueCode();
    const answer = await exchange(code, verifier);
    assert.equal(answer.status, 200, answer.body);
    assert.equal(answer.headers['Cache-Control'], 'no-store');
    const body = answer.json();
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, stack.config.tokens.accessTokenTtlS);
    assert.equal(body.scope, 'openid email profile offline_access');
    assert.match(body.refresh_token, /^[A-Za-z0-9_-]{43}$/);

    const jwks = createLocalJWKSet({ keys: await instances[1]!.signingKeys.publishedKeys() });
    const id = await jwtVerify(body.id_token, jwks, { issuer: stack.config.issuer, audience: 'spa', currentDate: new Date(time.now) });
    assert.equal(id.payload.sub, userId);
    assert.equal(id.payload.nonce, 'nonce-1');
    assert.equal(id.payload.sid, sessionId);
    assert.deepEqual(id.payload.amr, ['pwd']);
    assert.equal(id.payload.email, 'ada@example.com');
    assert.equal(id.payload.name, 'Ada Lovelace');
    assert.equal(typeof id.payload.auth_time, 'number');
    assert.equal(id.payload.at_hash, createHash('sha256').update(body.access_token).digest().subarray(0, 16).toString('base64url'));

    const access = await jwtVerify(body.access_token, jwks, { issuer: stack.config.issuer, typ: 'at+jwt', currentDate: new Date(time.now) });
    assert.equal(access.payload.client_id, 'spa');
    assert.equal(access.payload.aud, `${stack.config.issuer}/userinfo`);
    assert.equal(typeof access.payload.jti, 'string');

    const info = await userinfo(body.access_token);
    assert.equal(info.status, 200, info.body);
    assert.deepEqual(info.json(), { sub: userId, name: 'Ada Lovelace', email: 'ada@example.com', email_verified: true });
  });

  it('of 10 concurrent exchanges of one code on several instances, exactly one succeeds, and the replays revoke its tokens', async () => {
    const { code, verifier } = await issueCode();
    const racers = Array.from({ length: 10 }, () => newInstance());
    const answers = await Promise.all(racers.map((instance) => exchange(code, verifier, instance)));
    const winners = answers.filter((a) => a.status === 200);
    assert.equal(winners.length, 1, answers.map((a) => `${a.status} ${a.body}`).join('\n'));
    for (const loser of answers.filter((a) => a.status !== 200)) {
      assert.equal(loser.status, 400);
      assert.equal(loser.json().error, 'invalid_grant');
    }
    const tokens = winners[0]!.json();
    assert.deepEqual(await introspect(tokens.access_token), { active: false });
    assert.equal((await refresh(tokens.refresh_token)).json().error, 'invalid_grant');
  });

  it('refuses a replayed code with invalid_grant and revokes the access and refresh tokens issued from it', async () => {
    const { code, verifier } = await issueCode();
    const first = await exchange(code, verifier);
    assert.equal(first.status, 200);
    const tokens = first.json();
    assert.equal((await userinfo(tokens.access_token)).status, 200);
    assert.equal((await introspect(tokens.refresh_token)).active, true);

    const replay = await exchange(code, verifier);
    assert.equal(replay.status, 400);
    assert.equal(replay.json().error, 'invalid_grant');

    const info = await userinfo(tokens.access_token);
    assert.equal(info.status, 401);
    assert.match(info.headers['WWW-Authenticate']!, /error="invalid_token"/);
    assert.deepEqual(await introspect(tokens.access_token), { active: false });
    assert.deepEqual(await introspect(tokens.refresh_token), { active: false });
    assert.equal((await refresh(tokens.refresh_token)).json().error, 'invalid_grant');
  });

  it('refuses a code whose expiry has passed while the item is still in the table', async () => {
    const { code, verifier } = await issueCode();
    time.now += (stack.config.tokens.authorizationCodeTtlS + 1) * 1000;
    const raw = await stack.documentClient().send(
      new GetCommand({ TableName: stack.config.tables.cache, Key: { pk: `oidc-code#${createHash('sha256').update(code).digest('base64url')}` } }),
    );
    assert.ok(raw.Item, 'the expired code item is physically still there');
    const answer = await exchange(code, verifier);
    assert.equal(answer.status, 400);
    assert.equal(answer.json().error, 'invalid_grant');
  });

  it('checks PKCE, redirect_uri and the client at the token endpoint', async () => {
    const wrongVerifier = await issueCode();
    const wrong = await exchange(wrongVerifier.code, pkce().verifier);
    assert.equal(wrong.json().error, 'invalid_grant');
    // The failed attempt spent the code.
    assert.equal((await exchange(wrongVerifier.code, wrongVerifier.verifier)).json().error, 'invalid_grant');

    const missing = await issueCode();
    assert.equal((await token({ grant_type: 'authorization_code', client_id: 'spa', code: missing.code, redirect_uri: REDIRECT })).json().error, 'invalid_grant');

    const otherRedirect = await issueCode();
    const answer = await token({ grant_type: 'authorization_code', client_id: 'spa', code: otherRedirect.code, redirect_uri: 'https://app.example/other', code_verifier: otherRedirect.verifier });
    assert.equal(answer.json().error, 'invalid_grant');

    const stolen = await issueCode();
    const byOther = await token(
      { grant_type: 'authorization_code', code: stolen.code, redirect_uri: REDIRECT, code_verifier: stolen.verifier },
      basic('web', WEB_SECRET),
    );
    assert.equal(byOther.json().error, 'invalid_grant');
  });
});

describe('refresh tokens', () => {
  it('rotate on every use; reusing a rotated one revokes the whole family', async () => {
    const { code, verifier } = await issueCode();
    const first = (await exchange(code, verifier)).json();
    const second = await refresh(first.refresh_token);
    assert.equal(second.status, 200, second.body);
    const r2 = second.json();
    assert.notEqual(r2.refresh_token, first.refresh_token);
    assert.notEqual(r2.access_token, first.access_token);
    const jwks = createLocalJWKSet({ keys: await instances[0]!.signingKeys.publishedKeys() });
    const refreshedId = await jwtVerify(r2.id_token, jwks, { issuer: stack.config.issuer, audience: 'spa', currentDate: new Date(time.now) });
    assert.equal(refreshedId.payload.sub, userId);
    assert.equal(refreshedId.payload.nonce, undefined);

    const r3 = (await refresh(r2.refresh_token)).json();
    assert.ok(r3.refresh_token);
    assert.equal((await userinfo(r3.access_token)).status, 200);

    const reuse = await refresh(first.refresh_token);
    assert.equal(reuse.status, 400);
    assert.equal(reuse.json().error, 'invalid_grant');
    // The whole family is dead now, including the newest members.
    assert.equal((await refresh(r3.refresh_token)).json().error, 'invalid_grant');
    assert.equal((await userinfo(r3.access_token)).status, 401);
    assert.deepEqual(await introspect(r3.access_token), { active: false });
  });

  it('may narrow the scope but not widen it', async () => {
    const { code, verifier } = await issueCode({ scope: 'openid email offline_access' });
    const first = (await exchange(code, verifier)).json();
    const narrowed = await token({ grant_type: 'refresh_token', client_id: 'spa', refresh_token: first.refresh_token, scope: 'openid' });
    assert.equal(narrowed.json().scope, 'openid');
    const widened = await token({ grant_type: 'refresh_token', client_id: 'spa', refresh_token: narrowed.json().refresh_token, scope: 'openid profile' });
    assert.equal(widened.json().error, 'invalid_scope');
  });

  it('are not issued without offline_access', async () => {
    const { code, verifier } = await issueCode({ scope: 'openid' });
    const body = (await exchange(code, verifier)).json();
    assert.equal(body.refresh_token, undefined);
    assert.equal(body.scope, 'openid');
  });

  it('of another client are refused without harming the family', async () => {
    const { code, verifier } = await issueCode();
    const tokens = (await exchange(code, verifier)).json();
    const foreign = await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, basic('web', WEB_SECRET));
    assert.equal(foreign.json().error, 'invalid_grant');
    assert.equal((await refresh(tokens.refresh_token)).status, 200);
  });
});

describe('client authentication and other grants', () => {
  it('answers a wrong secret with 401 invalid_client and a Basic challenge, by either method', async () => {
    for (const [fields, headers] of [
      [{ grant_type: 'client_credentials' }, basic('machine', 'wrong-secret-0123456789abcdefghijklmnop')],
      [{ grant_type: 'client_credentials', client_id: 'machine', client_secret: 'wrong-secret-0123456789abcdefghijklmnop' }, {}],
      [{ grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'x' }, {}],
    ] as const) {
      const answer = await token({ ...fields }, { ...headers });
      assert.equal(answer.status, 401);
      assert.equal(answer.json().error, 'invalid_client');
      assert.match(answer.headers['WWW-Authenticate']!, /^Basic /);
    }
  });

  it('issues client_credentials access tokens to confidential clients allowed to', async () => {
    const answer = await token({ grant_type: 'client_credentials' }, basic('machine', MACHINE_SECRET));
    assert.equal(answer.status, 200, answer.body);
    const body = answer.json();
    assert.equal(body.id_token, undefined);
    assert.equal(body.refresh_token, undefined);
    const claims = JSON.parse(Buffer.from(body.access_token.split('.')[1], 'base64url').toString());
    assert.equal(claims.sub, 'machine');
    assert.equal(claims.client_id, 'machine');
    // Not a user's token: userinfo refuses it.
    assert.equal((await userinfo(body.access_token)).status, 401);
    const public_ = await token({ grant_type: 'client_credentials', client_id: 'spa' });
    assert.equal(public_.json().error, 'unauthorized_client');
  });

  it('answers unknown grants and malformed requests with RFC 6749 errors, never 500', async () => {
    assert.equal((await token({ grant_type: 'password', client_id: 'spa' })).json().error, 'unsupported_grant_type');
    assert.equal((await token({ client_id: 'spa' })).json().error, 'invalid_request');
    assert.equal((await token({ grant_type: 'authorization_code', client_id: 'spa', code: 'x', code_verifier: 'y' })).json().error, 'invalid_request');
    assert.equal((await token({ grant_type: 'authorization_code', client_id: 'spa', code: 'nonsense', redirect_uri: REDIRECT })).json().error, 'invalid_grant');
    const repeated = await call(tokenHandler(next), event('POST', '/token', { form: new URLSearchParams('grant_type=client_credentials&grant_type=client_credentials&client_id=spa') }));
    assert.equal(repeated.json().error, 'invalid_request');
    const notForm = await call(tokenHandler(next), fakeEvent({ ...event('POST', '/token'), headers: { 'content-type': 'application/json' }, body: '{}' }));
    assert.equal(notForm.status, 400);
    assert.equal(JSON.parse(notForm.body ?? '{}').error, 'invalid_request');
  });
});

describe('revocation and introspection', () => {
  it('revokes an access token alone, and a refresh token with its whole grant; unknown tokens get 200', async () => {
    const { code, verifier } = await issueCode();
    const tokens = (await exchange(code, verifier)).json();
    const revoke = (value: string) => call(revokeHandler(next), event('POST', '/revoke', { form: new URLSearchParams({ client_id: 'spa', token: value }) }));

    assert.equal((await revoke(tokens.access_token)).status, 200);
    assert.equal((await userinfo(tokens.access_token)).status, 401);
    assert.equal((await introspect(tokens.refresh_token)).active, true, 'revoking the access token leaves the refresh token');

    const refreshed = (await refresh(tokens.refresh_token)).json();
    assert.equal((await revoke(refreshed.refresh_token)).status, 200);
    assert.deepEqual(await introspect(refreshed.refresh_token), { active: false });
    assert.deepEqual(await introspect(refreshed.access_token), { active: false });

    assert.equal((await revoke('unknown-token')).status, 200);
    assert.equal((await revoke('a.b.c')).status, 200);
  });

  it('introspects only the caller\'s own tokens', async () => {
    const { code, verifier } = await issueCode();
    const tokens = (await exchange(code, verifier)).json();
    const active = await introspect(tokens.access_token);
    assert.equal(active.active, true);
    assert.equal(active.client_id, 'spa');
    assert.equal(active.sub, userId);
    assert.equal(active.token_type, 'access_token');
    const byWeb = await call(introspectHandler(next), event('POST', '/introspect', { form: new URLSearchParams({ token: tokens.access_token }), headers: basic('web', WEB_SECRET) }));
    assert.deepEqual(byWeb.json(), { active: false });
    const noAuth = await call(introspectHandler(next), event('POST', '/introspect', { form: new URLSearchParams({ token: tokens.access_token }) }));
    assert.equal(noAuth.status, 401);
  });
});

describe('authorize endpoint with sessions', () => {
  const query = (extra: Record<string, string> = {}) => ({
    response_type: 'code',
    client_id: 'spa',
    redirect_uri: REDIRECT,
    scope: 'openid',
    state: 's',
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
    ...extra,
  });

  it('sends a user without a session to sign in, with the request in return_to and login_hint passed on', async () => {
    const answer = await authorize(query({ login_hint: 'ada@example.com' }), []);
    assert.equal(answer.status, 302);
    const location = new URL(answer.headers.Location!, 'http://x');
    assert.equal(location.pathname, '/login');
    assert.equal(location.searchParams.get('login_hint'), 'ada@example.com');
    const returnTo = location.searchParams.get('return_to')!;
    assert.ok(returnTo.startsWith('/authorize?'));
    assert.equal(new URLSearchParams(returnTo.split('?')[1]).get('client_id'), 'spa');
  });

  it('answers prompt=none without a session with login_required at the redirect URI', async () => {
    const answer = await authorize(query({ prompt: 'none' }), []);
    const location = new URL(answer.headers.Location!);
    assert.equal(location.searchParams.get('error'), 'login_required');
    assert.equal(location.searchParams.get('state'), 's');
    assert.equal(location.searchParams.get('iss'), stack.config.issuer);
  });

  it('shows an error page, not a redirect, for an unknown client or unregistered redirect URI', async () => {
    for (const bad of [{ client_id: 'nobody' }, { redirect_uri: 'https://evil.example/cb' }] as Record<string, string>[]) {
      const answer = await authorize(query(bad));
      assert.equal(answer.status, 400);
      assert.equal(answer.headers.Location, undefined);
      assert.match(answer.headers['Content-Type']!, /text\/html/);
    }
  });

  it('redirects plain PKCE back as invalid_request', async () => {
    const answer = await authorize(query({ code_challenge_method: 'plain' }));
    assert.equal(new URL(answer.headers.Location!).searchParams.get('error'), 'invalid_request');
  });

  it('re-authenticates for prompt=login and a stale max_age, and comes back without a loop', async () => {
    time.now += 3600_000;
    for (const extra of [{ prompt: 'login' }, { max_age: '60' }] as Record<string, string>[]) {
      const answer = await authorize(query(extra));
      const location = new URL(answer.headers.Location!, 'http://x');
      assert.equal(location.pathname, '/login', JSON.stringify(extra));
      const returnTo = location.searchParams.get('return_to')!;
      // A fresh sign-in, then the return trip: that one issues a code.
      const fresh = await instances[0]!.sessions.start({ subject: userId, methods: ['pwd'] });
      const back = await call(authorizeHandler(next), event('GET', '/authorize', { query: new URLSearchParams(returnTo.split('?')[1]), cookies: [fresh.cookie.split(';')[0]!] }));
      assert.ok(new URL(back.headers.Location!).searchParams.get('code'), JSON.stringify(extra));
      // The old session is still not fresh enough for the same return trip.
      const stale = await call(authorizeHandler(next), event('GET', '/authorize', { query: new URLSearchParams(returnTo.split('?')[1]), cookies: [sessionCookie] }));
      assert.equal(new URL(stale.headers.Location!, 'http://x').pathname, '/login');
    }
  });

  it('treats a session revoked by logout as no session, on every instance', async () => {
    const signedIn = await instances[0]!.sessions.start({ subject: userId, methods: ['pwd'] });
    const cookie = signedIn.cookie.split(';')[0]!;
    assert.ok(new URL((await authorize(query(), [cookie])).headers.Location!).searchParams.get('code'));

    const logout = await call(endSessionHandler(next), event('GET', '/logout', { query: new URLSearchParams({ client_id: 'spa', post_logout_redirect_uri: 'https://app.example/bye', state: 'bye-state' }), cookies: [cookie] }));
    assert.equal(logout.status, 302);
    assert.equal(logout.headers.Location, 'https://app.example/bye?state=bye-state');

    for (let i = 0; i < instances.length; i++) {
      const after = await authorize(query(), [cookie]);
      assert.equal(new URL(after.headers.Location!, 'http://x').pathname, '/login');
    }
  });

  it('logs out with an id_token_hint, redirecting only to a registered post-logout URI', async () => {
    const signedIn = await instances[0]!.sessions.start({ subject: userId, methods: ['pwd'] });
    const cookie = signedIn.cookie.split(';')[0]!;
    const { challenge, verifier } = pkce();
    const code = new URL((await authorize({ ...query(), code_challenge: challenge }, [cookie])).headers.Location!).searchParams.get('code')!;
    const tokens = (await exchange(code, verifier)).json();
    time.now += 2 * stack.config.tokens.idTokenTtlS * 1000; // an expired hint is fine

    const unregistered = await call(endSessionHandler(next), event('GET', '/logout', { query: new URLSearchParams({ id_token_hint: tokens.id_token, post_logout_redirect_uri: 'https://evil.example/' }), cookies: [cookie] }));
    assert.equal(unregistered.status, 200);
    assert.match(unregistered.body, /signed out/i);
    assert.equal(unregistered.headers.Location, undefined);
    assert.equal(new URL((await authorize(query(), [cookie])).headers.Location!, 'http://x').pathname, '/login');

    const registered = await call(endSessionHandler(next), event('GET', '/logout', { query: new URLSearchParams({ id_token_hint: tokens.id_token, post_logout_redirect_uri: 'https://app.example/bye' }) }));
    assert.equal(registered.headers.Location, 'https://app.example/bye');

    const mismatch = await call(endSessionHandler(next), event('GET', '/logout', { query: new URLSearchParams({ id_token_hint: tokens.id_token, client_id: 'web' }) }));
    assert.equal(mismatch.status, 400);
  });
});
