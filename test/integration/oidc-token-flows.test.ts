/**
 * The OIDC handlers invoked directly (the functions' own guards around them) against DynamoDB
 * Local and the local KMS, with a driven clock. Several "instances" (providers with their own
 * clients and caches) share only the stack, as Lambda instances would.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DeleteCommand, GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { authorizeHandler } from '../../functions/authorize.js';
import { endSessionHandler } from '../../functions/end-session.js';
import { introspectHandler } from '../../functions/introspect.js';
import { logoutHandler } from '../../functions/logout.js';
import { revokeHandler } from '../../functions/revoke.js';
import { tokenHandler } from '../../functions/token.js';
import { userinfoHandler } from '../../functions/userinfo.js';
import type { HttpResponse } from '../../lib/http/response.js';
import { createDocumentClient } from '../../lib/runtime/dynamodb-client.js';
import { createKmsClient } from '../../lib/runtime/kms-client.js';
import { KmsKeyWrapper } from '../../lib/kms/kms-key-wrapper.js';
import { createOidcProvider, type OidcProvider } from '../../lib/runtime/oidc-provider.js';
import { startDynamoDbFaultProxy, type DynamoDbFaultProxy } from '../support/dynamodb-fault-proxy.js';
import { fakeContext, fakeEvent } from '../support/fake-http-event.js';
import { parseForms, submitFields } from '../support/html-forms.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const T0 = Date.parse('2040-01-01T00:00:00Z');
const REDIRECT = 'https://app.example/cb';
/** URIs that start with REDIRECT (a prefix match would take them) but are not it. */
const EXTENDED_REDIRECTS = [`${REDIRECT}/evil`, `${REDIRECT}.evil.com`, `${REDIRECT}?extra=1`, `${REDIRECT}?`, `${REDIRECT}%2F..%2Fevil`, `${REDIRECT}@evil.example`];
const WEB_SECRET = 'web-client-secret-0123456789abcdefghij';
const MACHINE_SECRET = 'machine-secret-0123456789abcdefghijklm';

let stack: TestStack;
const time = { now: T0 };
const clock = () => time.now;
let instances: OidcProvider[];
let userId: string;
let sessionCookie: string;
let sessionId: string;

function newInstance(documentClient: DynamoDBDocumentClient = stack.documentClient()): OidcProvider {
  const config = stack.config;
  return createOidcProvider({
    config,
    clock,
    documentClient,
    keyWrapper: new KmsKeyWrapper({ client: createKmsClient({ region: config.region, endpoint: stack.kms.url }), keyId: config.kmsKeyId }),
  });
}

let turn = 0;
/** The next instance, round robin: no request relies on the instance that served the previous one. */
function next(): OidcProvider {
  return instances[turn++ % instances.length]!;
}

function event(method: 'GET' | 'POST' | 'OPTIONS', path: string, options: { query?: URLSearchParams; form?: URLSearchParams; headers?: Record<string, string>; cookies?: string[] } = {}): APIGatewayProxyEventV2 {
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
  return { status: response.statusCode ?? 200, headers, body, cookies: response.cookies ?? [], json: () => JSON.parse(body) as Record<string, any> };
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

/** Submits the form of a GET /logout confirmation page, with its antiforgery cookie and `cookies`; `overrides` edit its fields. */
async function submitLogoutForm(page: { body: string; cookies: string[] }, cookies: string[], overrides: Record<string, string | undefined> = {}) {
  const forms = parseForms(page.body);
  assert.equal(forms.length, 1, page.body);
  const form = forms[0]!;
  assert.equal(form.action, '/logout');
  assert.equal(form.method, 'POST');
  const af = page.cookies.filter((line) => line.startsWith('__Host-af=')).map((line) => line.split(';')[0]!);
  return call(logoutHandler(next), event('POST', '/logout', { form: submitFields(form, overrides), cookies: [...cookies, ...af] }));
}

/** POST /logout with `fields` as the form, on the next instance. */
function postLogout(fields: Record<string, string>, cookies: string[]) {
  return call(logoutHandler(next), event('POST', '/logout', { form: new URLSearchParams(fields), cookies }));
}

function basic(id: string, secret: string) {
  return { authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}` };
}

before(async () => {
  stack = await startTestStack();
  instances = [newInstance(), newInstance(), newInstance()];
  const setup = instances[0]!;
  await setup.clients.register({ clientId: 'spa', firstParty: true, redirectUris: [REDIRECT], postLogoutRedirectUris: ['https://app.example/bye'] });
  await setup.clients.register({ clientId: 'web', firstParty: true, secret: WEB_SECRET, redirectUris: ['https://web.example/cb'], grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'] });
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
    assert.match(body.refresh_token, /^[A-Za-z0-9_-]{32}\.[A-Za-z0-9_-]{43}$/, '<grant id>.<secret>');

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
    // updated_at: the profile never changed since the account was made, at T0.
    assert.deepEqual(info.json(), { sub: userId, name: 'Ada Lovelace', updated_at: T0 / 1000, email: 'ada@example.com', email_verified: true });
  });

  it('answers userinfo without a Bearer token with a bare challenge, and a bad one with invalid_token', async () => {
    const ask = (authorization?: string) =>
      call(userinfoHandler(next), event('GET', '/userinfo', { headers: authorization === undefined ? {} : { authorization } }));
    // RFC 6750 section 3.1: no credentials, or another scheme, gets no error code in the challenge.
    for (const authorization of [undefined, 'Basic c3BhOg==', 'DPoP abc']) {
      const answer = await ask(authorization);
      assert.equal(answer.status, 401, String(authorization));
      assert.equal(answer.headers['WWW-Authenticate'], 'Bearer realm="userinfo"', String(authorization));
    }
    for (const authorization of ['Bearer a.b.c', 'Bearer ', 'Bearer bad"token']) {
      const answer = await ask(authorization);
      assert.equal(answer.status, 401, authorization);
      assert.equal(answer.headers['WWW-Authenticate'], 'Bearer realm="userinfo", error="invalid_token"', authorization);
      assert.equal(answer.json().error, 'invalid_token');
    }
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

    for (const other of ['https://app.example/other', ...EXTENDED_REDIRECTS]) {
      const otherRedirect = await issueCode();
      const answer = await token({ grant_type: 'authorization_code', client_id: 'spa', code: otherRedirect.code, redirect_uri: other, code_verifier: otherRedirect.verifier });
      assert.equal(answer.json().error, 'invalid_grant', other);
      // A mismatch spends the code: the retry with the right URI is a replay.
      assert.equal((await exchange(otherRedirect.code, otherRedirect.verifier)).json().error, 'invalid_grant', other);
    }

    const stolen = await issueCode();
    const byOther = await token(
      { grant_type: 'authorization_code', code: stolen.code, redirect_uri: REDIRECT, code_verifier: stolen.verifier },
      basic('web', WEB_SECRET),
    );
    assert.equal(byOther.json().error, 'invalid_grant');
  });
});

describe('a redirect URI registered with a query of its own', () => {
  const REGISTERED = 'https://query.example/cb?x=a%20b&flag';
  const query = (extra: Record<string, string> = {}) => ({
    response_type: 'code',
    client_id: 'query-spa',
    redirect_uri: REGISTERED,
    scope: 'openid',
    state: 'st',
    ...extra,
  });
  before(() => instances[0]!.clients.register({ clientId: 'query-spa', firstParty: true, redirectUris: [REGISTERED], postLogoutRedirectUris: [`${REGISTERED}&bye`] }));

  it('gets the code appended to the query exactly as registered, and exchanges it with that exact URI only', async () => {
    for (const other of ['https://query.example/cb', 'https://query.example/cb?x=a+b&flag=']) {
      const { verifier, challenge } = pkce();
      const answer = await authorize(query({ code_challenge: challenge, code_challenge_method: 'S256' }));
      assert.equal(answer.status, 302, answer.body);
      const location = answer.headers.Location!;
      assert.ok(location.startsWith(`${REGISTERED}&code=`), location);
      const code = new URL(location).searchParams.get('code')!;
      const refused = await token({ grant_type: 'authorization_code', client_id: 'query-spa', code, redirect_uri: other, code_verifier: verifier });
      assert.equal(refused.json().error, 'invalid_grant', `${other} is not the registered URI`);
    }
    const { verifier, challenge } = pkce();
    const code = new URL((await authorize(query({ code_challenge: challenge, code_challenge_method: 'S256' }))).headers.Location!).searchParams.get('code')!;
    const answer = await token({ grant_type: 'authorization_code', client_id: 'query-spa', code, redirect_uri: REGISTERED, code_verifier: verifier });
    assert.equal(answer.status, 200, answer.body);
  });

  it('gets an error response appended the same way, and the post-logout state too', async () => {
    const error = await authorize(query({ prompt: 'none', code_challenge: pkce().challenge, code_challenge_method: 'S256' }), []);
    const location = error.headers.Location!;
    assert.ok(location.startsWith(`${REGISTERED}&error=login_required&`), location);
    assert.ok(location.endsWith(`&state=st&iss=${encodeURIComponent(stack.config.issuer)}`), location);
    const bye = await call(endSessionHandler(next), event('GET', '/logout', { query: new URLSearchParams({ client_id: 'query-spa', post_logout_redirect_uri: `${REGISTERED}&bye`, state: 'b' }) }));
    assert.equal(bye.headers.Location, `${REGISTERED}&bye&state=b`);
  });

  it('cannot be registered with a response parameter in its query', async () => {
    for (const uri of ['https://query.example/cb?state=fixed', 'https://query.example/cb?code=', 'https://query.example/cb?a=1&iss=x']) {
      await assert.rejects(instances[0]!.clients.register({ clientId: 'query-bad', redirectUris: [uri] }), { code: 'invalid_client_metadata' }, uri);
    }
    assert.equal(await instances[1]!.clients.find('query-bad'), undefined);
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

  it('are not spent by a refused scope: the retry without it succeeds instead of looking like reuse', async () => {
    const { code, verifier } = await issueCode({ scope: 'openid email offline_access' });
    const first = (await exchange(code, verifier)).json();
    for (const scope of ['openid profile', '', 'openid "quoted"']) {
      const refused = await token({ grant_type: 'refresh_token', client_id: 'spa', refresh_token: first.refresh_token, scope });
      assert.equal(refused.json().error, 'invalid_scope', `scope=${scope}`);
    }
    const retry = await refresh(first.refresh_token);
    assert.equal(retry.status, 200, retry.body);
    assert.equal((await userinfo(retry.json().access_token)).status, 200);
  });

  it('are not spent when issuing fails (503): the retry succeeds instead of revoking the family', async () => {
    const { code, verifier } = await issueCode();
    const first = (await exchange(code, verifier)).json();
    // A cold instance must unwrap the signing key with KMS before it can sign anything.
    const cold = newInstance();
    stack.kms.setFault({ operations: ['Decrypt'], status: 503 });
    let failed;
    try {
      failed = await token({ grant_type: 'refresh_token', client_id: 'spa', refresh_token: first.refresh_token }, {}, cold);
    } finally {
      stack.kms.setFault(null);
    }
    assert.equal(failed.status, 503, failed.body);
    assert.ok(failed.headers['Retry-After']);
    const retry = await token({ grant_type: 'refresh_token', client_id: 'spa', refresh_token: first.refresh_token }, {}, cold);
    assert.equal(retry.status, 200, retry.body);
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
    // RFC 7662 section 2.2: the token type of RFC 6749 section 5.1, as the token response said.
    assert.equal(active.token_type, 'Bearer');
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
    const unregistered = ['https://evil.example/cb', ...EXTENDED_REDIRECTS].map((uri) => ({ redirect_uri: uri }));
    for (const bad of [{ client_id: 'nobody' }, ...unregistered] as Record<string, string>[]) {
      const answer = await authorize(query(bad));
      assert.equal(answer.status, 400, JSON.stringify(bad));
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

    // Without an ID token the user confirms, and the form's POST ends the session.
    const confirm = await call(endSessionHandler(next), event('GET', '/logout', { query: new URLSearchParams({ client_id: 'spa', post_logout_redirect_uri: 'https://app.example/bye', state: 'bye-state' }), cookies: [cookie] }));
    assert.equal(confirm.status, 200);
    const logout = await submitLogoutForm(confirm, [cookie]);
    assert.equal(logout.status, 303);
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

describe('RP-initiated logout without an ID token that vouches for the session', () => {
  const BYE = 'https://app.example/bye';

  async function signIn() {
    const started = await instances[0]!.sessions.start({ subject: userId, methods: ['pwd'] });
    return { cookie: started.cookie.split(';')[0]!, sid: started.session.sessionId };
  }

  function getLogout(params: Record<string, string>, cookies: string[]) {
    return call(endSessionHandler(next), event('GET', '/logout', { query: new URLSearchParams(params), cookies }));
  }

  /** The session verifies (not revoked) on every instance. */
  async function assertSignedIn(cookie: string, message: string) {
    for (const instance of instances) {
      assert.ok(await instance.sessions.verify(event('GET', '/', { cookies: [cookie] })), message);
    }
  }

  function clearsSession(answer: { cookies: string[] }): boolean {
    return answer.cookies.some((line) => line.startsWith('__Host-session=') && /Max-Age=0/i.test(line));
  }

  function hiddenFields(answer: { body: string }): Record<string, string> {
    return Object.fromEntries(parseForms(answer.body)[0]!.fields);
  }

  function formAction(answer: { headers: Record<string, string> }): string | undefined {
    return answer.headers['Content-Security-Policy']?.split('; ').find((d) => d.startsWith('form-action '));
  }

  /** An ID token issued in the session of `cookie`. */
  async function idTokenFor(cookie: string): Promise<string> {
    const { challenge, verifier } = pkce();
    const answer = await authorize({ response_type: 'code', client_id: 'spa', redirect_uri: REDIRECT, scope: 'openid', state: 's', code_challenge: challenge, code_challenge_method: 'S256' }, [cookie]);
    const code = new URL(answer.headers.Location!).searchParams.get('code')!;
    return (await exchange(code, verifier)).json().id_token as string;
  }

  it('asks "Sign out of <issuer>?" and ends nothing; the form then signs out and returns to the registered URI with state', async () => {
    const { cookie } = await signIn();
    const confirm = await getLogout({ client_id: 'spa', post_logout_redirect_uri: BYE, state: 'bye <state>' }, [cookie]);
    assert.equal(confirm.status, 200);
    assert.equal(confirm.headers.Location, undefined);
    assert.match(confirm.headers['Content-Type']!, /text\/html/);
    assert.ok(confirm.body.includes(`Sign out of ${stack.config.issuer}?`), confirm.body);
    assert.ok(!clearsSession(confirm));
    const fields = hiddenFields(confirm);
    assert.deepEqual(Object.keys(fields).sort(), ['_af', 'client_id', 'post_logout_redirect_uri', 'state']);
    assert.equal(fields.client_id, 'spa');
    assert.equal(fields.post_logout_redirect_uri, BYE);
    assert.equal(fields.state, 'bye <state>');
    // The POST answers 303 to the client: CSP form-action must allow its origin.
    assert.equal(formAction(confirm), "form-action 'self' https://app.example");
    await assertSignedIn(cookie, 'the GET alone signs nobody out');

    const out = await submitLogoutForm(confirm, [cookie]);
    assert.equal(out.status, 303);
    assert.equal(out.headers.Location, `${BYE}?state=bye+%3Cstate%3E`);
    assert.ok(clearsSession(out));
    for (const instance of instances) {
      assert.equal(await instance.sessions.verify(event('GET', '/', { cookies: [cookie] })), undefined);
    }
  });

  it('never trusts the hidden fields: an edited or unregistered redirect goes home', async () => {
    const { cookie } = await signIn();
    const confirm = await getLogout({ client_id: 'spa', post_logout_redirect_uri: BYE, state: 'x' }, [cookie]);
    const edited = await submitLogoutForm(confirm, [cookie], { post_logout_redirect_uri: 'https://evil.example/bye' });
    assert.equal(edited.status, 303);
    assert.equal(edited.headers.Location, '/');
    assert.ok(clearsSession(edited));

    const other = await signIn();
    const otherClient = await getLogout({ client_id: 'spa', post_logout_redirect_uri: BYE }, [other.cookie]);
    const moved = await submitLogoutForm(otherClient, [other.cookie], { client_id: 'web' });
    assert.equal(moved.headers.Location, '/', 'the URI is not registered for the client now named');

    const third = await signIn();
    const unregistered = await getLogout({ client_id: 'spa', post_logout_redirect_uri: 'https://evil.example/bye', state: 'x' }, [third.cookie]);
    assert.equal(unregistered.status, 200);
    assert.deepEqual(Object.keys(hiddenFields(unregistered)), ['_af'], 'no redirect fields for an unregistered URI');
    assert.equal(formAction(unregistered), "form-action 'self'");
    assert.ok(!unregistered.body.includes('evil.example'));
    const home = await submitLogoutForm(unregistered, [third.cookie], { post_logout_redirect_uri: BYE, client_id: 'spa' });
    assert.equal(home.status, 303);
    assert.equal(home.headers.Location, `${BYE}`, 'a field added by hand is checked like any other, and only a registered URI passes');
  });

  it('a cross-site GET /logout (a link, an image) no longer revokes the session', async () => {
    const { cookie } = await signIn();
    for (const params of [{}, { client_id: 'spa', post_logout_redirect_uri: BYE }, { id_token_hint: 'not.a.token', client_id: 'spa', post_logout_redirect_uri: BYE }] as Record<string, string>[]) {
      const answer = await getLogout(params, [cookie]);
      assert.equal(answer.status, 200, JSON.stringify(params));
      assert.equal(answer.headers.Location, undefined);
      assert.ok(!clearsSession(answer));
      if (params.id_token_hint) assert.deepEqual(Object.keys(hiddenFields(answer)), ['_af'], 'a rejected hint never leads to a redirect');
    }
    await assertSignedIn(cookie, 'still signed in after hint-less GETs');
    assert.ok(new URL((await authorize({ response_type: 'code', client_id: 'spa', redirect_uri: REDIRECT, scope: 'openid', state: 's', code_challenge: pkce().challenge, code_challenge_method: 'S256' }, [cookie])).headers.Location!).searchParams.get('code'));
  });

  it('refuses the confirmation POST with a forged antiforgery token, or from another session, and signs nobody out', async () => {
    const { cookie } = await signIn();
    const confirm = await getLogout({ client_id: 'spa', post_logout_redirect_uri: BYE }, [cookie]);
    const forged = await postLogout({ _af: 'forged', client_id: 'spa', post_logout_redirect_uri: BYE }, [cookie]);
    assert.equal(forged.status, 400);
    assert.equal(forged.headers.Location, undefined);
    // Without any antiforgery field the POST is an RP-initiated logout request: it only asks.
    const unvouched = await postLogout({ client_id: 'spa', post_logout_redirect_uri: BYE }, [cookie]);
    assert.equal(unvouched.status, 200);
    assert.ok(!clearsSession(unvouched));
    assert.equal(parseForms(unvouched.body)[0]?.action, '/logout', 'the confirmation form');
    const other = await signIn();
    const lifted = await submitLogoutForm(confirm, [other.cookie]);
    assert.equal(lifted.status, 400);
    await assertSignedIn(cookie, 'the forged POST signed nobody out');
    await assertSignedIn(other.cookie, 'a token of another session signs nobody out');
  });

  it('asks when the ID token was issued in another session, and ends that session', async () => {
    const earlier = await signIn();
    const hint = await idTokenFor(earlier.cookie);
    const { cookie } = await signIn();
    const answer = await getLogout({ id_token_hint: hint, post_logout_redirect_uri: BYE, state: 'st' }, [cookie]);
    assert.equal(answer.status, 200);
    assert.ok(!clearsSession(answer));
    assert.deepEqual(hiddenFields(answer).client_id, 'spa', 'the client is the audience of the valid hint');
    await assertSignedIn(cookie, 'the current session waits for the user');
    assert.equal(await next().sessions.isRevoked(earlier.sid), true, "the hint's own session is ended");
    const out = await submitLogoutForm(answer, [cookie]);
    assert.equal(out.headers.Location, `${BYE}?state=st`);
  });

  // RP-Initiated Logout 1.0 section 2: the request may come as a GET or as a form POST.
  for (const [method, send] of [['GET', getLogout], ['POST', postLogout]] as const) {
    it(`signs out at once with an ID token of the current session (no question), by ${method}`, async () => {
      const { cookie } = await signIn();
      const hint = await idTokenFor(cookie);
      const answer = await send({ id_token_hint: hint, post_logout_redirect_uri: BYE, state: 'st' }, [cookie]);
      assert.equal(answer.status, 302);
      assert.equal(answer.headers.Location, `${BYE}?state=st`);
      assert.ok(clearsSession(answer));
      assert.equal(await next().sessions.verify(event('GET', '/', { cookies: [cookie] })), undefined);
    });
  }

  it('without a session and without a hint: the registered URI as before, else the signed-out page', async () => {
    const back = await getLogout({ client_id: 'spa', post_logout_redirect_uri: BYE, state: 'st' }, []);
    assert.equal(back.status, 302);
    assert.equal(back.headers.Location, `${BYE}?state=st`);
    const page = await getLogout({}, []);
    assert.equal(page.status, 200);
    assert.match(page.body, /You are signed out/);
    assert.equal(parseForms(page.body).length, 0);

    const revoked = await signIn();
    await next().sessions.revoke({ sessionId: revoked.sid, expiresAt: Math.floor(time.now / 1000) + 3600 });
    const stale = await getLogout({}, [revoked.cookie]);
    assert.match(stale.body, /You are signed out/, 'a revoked session is no session to ask about');
    assert.ok(clearsSession(stale));
  });
});

describe('CORS for browser apps', () => {
  const ORIGIN = { origin: 'https://spa.example' };
  let discovery: typeof import('../../functions/discovery.js');
  let jwks: typeof import('../../functions/jwks.js');

  before(async () => {
    // These modules read the environment at import (cold start).
    Object.assign(process.env, stack.env);
    discovery = await import('../../functions/discovery.js');
    jwks = await import('../../functions/jwks.js');
  });

  type Handler = (e: APIGatewayProxyEventV2, c: typeof fakeContext) => Promise<HttpResponse>;
  const endpoints = (): Array<{ path: string; methods: string; handler: Handler; request: APIGatewayProxyEventV2; exposes: boolean }> => [
    { path: '/token', methods: 'POST', handler: tokenHandler(next), request: event('POST', '/token', { form: new URLSearchParams({ grant_type: 'client_credentials' }), headers: { ...ORIGIN, ...basic('machine', 'wrong-secret-0123456789abcdefghijklmnop') } }), exposes: true },
    { path: '/userinfo', methods: 'GET, POST', handler: userinfoHandler(next), request: event('GET', '/userinfo', { headers: ORIGIN }), exposes: true },
    { path: '/revoke', methods: 'POST', handler: revokeHandler(next), request: event('POST', '/revoke', { form: new URLSearchParams({ client_id: 'spa', token: 'x' }), headers: ORIGIN }), exposes: true },
    { path: '/jwks', methods: 'GET', handler: jwks.jwksHandler(next().signingKeys), request: event('GET', '/jwks', { headers: ORIGIN }), exposes: false },
    { path: '/.well-known/openid-configuration', methods: 'GET', handler: discovery.discoveryHandler(stack.config), request: event('GET', '/.well-known/openid-configuration', { headers: ORIGIN }), exposes: false },
  ];

  it('answers token, userinfo, revoke, jwks and discovery with Access-Control-Allow-Origin: * and no credentials', async () => {
    for (const { path, handler, request, exposes } of endpoints()) {
      const answer = await call(handler, request);
      assert.equal(answer.headers['Access-Control-Allow-Origin'], '*', path);
      assert.equal(answer.headers['Access-Control-Allow-Credentials'], undefined, path);
      assert.equal(answer.headers['Access-Control-Expose-Headers'], exposes ? 'WWW-Authenticate' : undefined, path);
    }
  });

  it('lets a script read WWW-Authenticate on a 401 and the OAuth error body', async () => {
    const [tokenEndpoint, userinfoEndpoint] = endpoints();
    const denied = await call(tokenEndpoint!.handler, tokenEndpoint!.request);
    assert.equal(denied.status, 401);
    assert.ok(denied.headers['WWW-Authenticate']);
    assert.equal(denied.json().error, 'invalid_client');
    const unauthenticated = await call(userinfoEndpoint!.handler, userinfoEndpoint!.request);
    assert.equal(unauthenticated.status, 401);
    assert.match(unauthenticated.headers['WWW-Authenticate']!, /^Bearer/);
    assert.equal(unauthenticated.headers['Access-Control-Expose-Headers'], 'WWW-Authenticate');
  });

  it('answers the preflight with 204, the route methods, authorization and content-type, max age 600', async () => {
    for (const { path, methods, handler } of endpoints()) {
      const preflight = await call(handler, event('OPTIONS', path, { headers: { ...ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' } }));
      assert.equal(preflight.status, 204, path);
      assert.equal(preflight.body, '', path);
      assert.equal(preflight.headers['Access-Control-Allow-Origin'], '*', path);
      assert.equal(preflight.headers['Access-Control-Allow-Methods'], methods, path);
      assert.equal(preflight.headers['Access-Control-Allow-Headers'], 'authorization, content-type', path);
      assert.equal(preflight.headers['Access-Control-Max-Age'], '600', path);
      assert.equal(preflight.headers['Access-Control-Allow-Credentials'], undefined, path);
    }
  });

  it('leaves /authorize, /introspect and GET /logout without CORS headers', async () => {
    const answers = [
      await call(authorizeHandler(next), event('GET', '/authorize', { query: new URLSearchParams({ client_id: 'spa' }), headers: ORIGIN, cookies: [sessionCookie] })),
      await call(introspectHandler(next), event('POST', '/introspect', { form: new URLSearchParams({ client_id: 'spa', token: 'x' }), headers: ORIGIN })),
      await call(endSessionHandler(next), event('GET', '/logout', { headers: ORIGIN })),
    ];
    for (const answer of answers) {
      assert.deepEqual(Object.keys(answer.headers).filter((name) => name.toLowerCase().startsWith('access-control-')), []);
    }
  });
});

describe('exchanges write once, atomically, and survive retries', () => {
  let proxy: DynamoDbFaultProxy;
  /** An instance whose DynamoDB calls go through the fault proxy; `maxAttempts: 1` lets a fault reach the handler. */
  const proxied = (maxAttempts?: number) =>
    newInstance(createDocumentClient({ region: stack.config.region, endpoint: proxy.url, ...(maxAttempts !== undefined ? { maxAttempts } : {}) }));
  const cacheItem = async (pk: string) =>
    (await stack.documentClient().send(new GetCommand({ TableName: stack.config.tables.cache, Key: { pk }, ConsistentRead: true }))).Item;
  const codeItem = (code: string) => cacheItem(`oidc-code#${createHash('sha256').update(code).digest('base64url')}`);
  const refreshOn = (on: OidcProvider, refreshToken: string, scope?: string) =>
    token({ grant_type: 'refresh_token', client_id: 'spa', refresh_token: refreshToken, ...(scope !== undefined ? { scope } : {}) }, {}, on);

  before(async () => {
    proxy = await startDynamoDbFaultProxy(stack.dynamodbEndpoint);
  });
  after(() => proxy.close());

  it('a code exchange costs 3 DynamoDB calls on a warm instance, a refresh 2 (3 when it narrows the scope), client_credentials none', async () => {
    const instance = proxied();
    // Warm: signing keys loaded, clients cached.
    const warm = (await exchange((await issueCode()).code, 'x', instance)).json();
    assert.equal(warm.error, 'invalid_grant');
    const { code, verifier } = await issueCode();
    const first = (await exchange(code, verifier, instance)).json();
    assert.equal((await token({ grant_type: 'client_credentials' }, basic('machine', MACHINE_SECRET), instance)).status, 200);

    const fresh = await issueCode();
    proxy.resetCalls();
    assert.equal((await exchange(fresh.code, fresh.verifier, instance)).status, 200);
    assert.deepEqual(proxy.calls(), { GetItem: 2, UpdateItem: 1 }, 'code, user; the grant activated with its first refresh token');

    proxy.resetCalls();
    const refreshed = await refreshOn(instance, first.refresh_token);
    assert.equal(refreshed.status, 200);
    assert.deepEqual(proxy.calls(), { UpdateItem: 1, GetItem: 1 }, 'rotation on the grant, conditioned on its being usable, answering its facts; the user');

    proxy.resetCalls();
    assert.equal((await refreshOn(instance, refreshed.json().refresh_token, 'openid')).status, 200);
    assert.deepEqual(proxy.calls(), { GetItem: 2, UpdateItem: 1 }, 'the grant read first to check the narrowed scope');

    proxy.resetCalls();
    assert.equal((await token({ grant_type: 'client_credentials' }, basic('machine', MACHINE_SECRET), instance)).status, 200);
    assert.deepEqual(proxy.calls(), {});
  });

  it('answers 200 when the SDK retries a code exchange whose write committed but whose answer was lost', async () => {
    const { code, verifier } = await issueCode();
    const instance = proxied();
    proxy.inject({ kind: 'forward-then-drop', call: 1, operation: 'UpdateItem' });
    const answer = await exchange(code, verifier, instance);
    assert.equal(proxy.fired()?.hit, 'UpdateItem');
    assert.equal(answer.status, 200, answer.body);
    const tokens = answer.json();
    assert.equal((await userinfo(tokens.access_token)).status, 200);
    assert.equal((await refresh(tokens.refresh_token)).status, 200);
  });

  it('leaves the code redeemable and nothing half-written when the exchange write fails', async () => {
    const { code, verifier } = await issueCode();
    const grantId = (await codeItem(code))?.grantId as string;
    proxy.inject({ kind: 'unavailable', call: 1, operation: 'UpdateItem' });
    const failed = await exchange(code, verifier, proxied(1));
    assert.equal(proxy.fired()?.hit, 'UpdateItem');
    assert.equal(failed.status, 503, failed.body);
    assert.ok(await codeItem(code), 'the code is not spent');
    assert.equal((await cacheItem(`oidc-grant#${grantId}`))?.status, 'pending', 'the grant is not activated');
    const retry = await exchange(code, verifier);
    assert.equal(retry.status, 200, retry.body);
    assert.equal((await refresh(retry.json().refresh_token)).status, 200);
  });

  it('leaves the code redeemable when no signing key is ready (503)', async () => {
    const { code, verifier } = await issueCode();
    const cold = newInstance();
    stack.kms.setFault({ operations: ['Decrypt'], status: 503 });
    let failed;
    try {
      failed = await exchange(code, verifier, cold);
    } finally {
      stack.kms.setFault(null);
    }
    assert.equal(failed.status, 503, failed.body);
    const retry = await exchange(code, verifier, cold);
    assert.equal(retry.status, 200, retry.body);
  });

  it('gives a refresh retried after a lost answer the same successor instead of revoking the family', async () => {
    const { code, verifier } = await issueCode();
    const first = (await exchange(code, verifier)).json();
    // The rotation commits, the handler never hears so (one attempt): the client sees 503 and retries.
    proxy.inject({ kind: 'forward-then-drop', call: 1, operation: 'UpdateItem' });
    const lost = await refreshOn(proxied(1), first.refresh_token);
    assert.equal(lost.status, 503, lost.body);
    const retry = await refresh(first.refresh_token);
    assert.equal(retry.status, 200, retry.body);
    const again = await refresh(first.refresh_token);
    assert.equal(again.json().refresh_token, retry.json().refresh_token, 'the same successor, on any instance');
    const next = await refresh(retry.json().refresh_token);
    assert.equal(next.status, 200, 'the successor works and the family lives');
    assert.equal((await userinfo(next.json().access_token)).status, 200);
  });

  it('treats a rotated refresh token as reuse after the grace window, or once its successor is used', async () => {
    const grace = stack.config.tokens.refreshReuseGraceS;
    const signIn = async () => {
      const { code, verifier } = await issueCode();
      return (await exchange(code, verifier)).json();
    };
    const late = await signIn();
    const rotated = (await refresh(late.refresh_token)).json();
    time.now += grace * 1000;
    assert.equal((await refresh(late.refresh_token)).json().error, 'invalid_grant');
    assert.equal((await refresh(rotated.refresh_token)).json().error, 'invalid_grant', 'the family is revoked');

    const used = await signIn();
    const successor = (await refresh(used.refresh_token)).json();
    assert.equal((await refresh(successor.refresh_token)).status, 200);
    assert.equal((await refresh(used.refresh_token)).json().error, 'invalid_grant', 'within the window, but the successor was used');
    assert.deepEqual(await introspect(successor.access_token), { active: false });
  });

  it('refuses to refresh for a user who no longer exists', async () => {
    const setup = instances[0]!;
    const user = await setup.users.create({ email: `gone-${randomBytes(4).toString('hex')}@example.com`, name: 'Gone', emailVerified: true });
    const session = await setup.sessions.start({ subject: user.id, methods: ['pwd'] });
    const { verifier, challenge } = pkce();
    const answer = await authorize(
      { response_type: 'code', client_id: 'spa', redirect_uri: REDIRECT, scope: 'openid offline_access', code_challenge: challenge, code_challenge_method: 'S256' },
      [session.cookie.split(';')[0]!],
    );
    const code = new URL(answer.headers.Location!).searchParams.get('code')!;
    const tokens = (await exchange(code, verifier)).json();
    assert.ok(tokens.refresh_token);
    await stack.documentClient().send(new DeleteCommand({ TableName: stack.config.tables.directory, Key: { pk: `user#${user.id}`, sk: 'user' } }));
    assert.equal((await refresh(tokens.refresh_token)).json().error, 'invalid_grant');
    // The rotation went out with the read of the user; the user being gone revokes what it wrote.
    const grantId = (tokens.refresh_token as string).split('.')[0];
    assert.equal((await cacheItem(`oidc-grant#${grantId}`))?.revoked, true);
  });
});

describe('the per-instance client cache', () => {
  it('accepts a removed client or a replaced secret for at most CLIENT_CACHE_TTL_S, then refuses it', async () => {
    const ttlS = stack.config.tokens.clientCacheTtlS;
    const secret = 'cached-secret-0123456789abcdefghijklmnop';
    const registry = instances[0]!.clients;
    await registry.register({ clientId: 'cached', secret, redirectUris: [], grantTypes: ['client_credentials'] });
    const instance = newInstance();
    const grant = (withSecret: string) => token({ grant_type: 'client_credentials' }, basic('cached', withSecret), instance);
    assert.equal((await grant(secret)).status, 200);

    await registry.register({ clientId: 'cached', secret: `${secret}-new`, redirectUris: [], grantTypes: ['client_credentials'] }, { replace: true });
    time.now += (ttlS - 1) * 1000;
    assert.equal((await grant(secret)).status, 200, 'the old secret, still within the bound');
    time.now += 1000;
    assert.equal((await grant(secret)).status, 401, 'the old secret, once the bound has passed');
    assert.equal((await grant(`${secret}-new`)).status, 200);

    await registry.remove('cached');
    time.now += (ttlS - 1) * 1000;
    assert.equal((await grant(`${secret}-new`)).status, 200, 'removed, still within the bound');
    time.now += 1000;
    assert.equal((await grant(`${secret}-new`)).status, 401, 'removed, once the bound has passed');
  });
});
