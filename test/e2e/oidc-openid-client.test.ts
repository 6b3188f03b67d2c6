/**
 * The provider as a relying party sees it: openid-client v6, given only the discovery URL, a
 * client id and a redirect URI, signs a user in through the real login form, against three
 * independent `osls offline` instances behind a round-robin proxy (the issuer). Every step may
 * land on another instance, so nothing can work that lives in one instance's memory.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import * as oidc from 'openid-client';
import { PasswordHasher } from '../../lib/auth/password-hasher.js';
import { systemClock } from '../../lib/clock.js';
import { ClientRegistry } from '../../lib/store/client-registry.js';
import { createDocumentClient } from '../../lib/runtime/dynamodb-client.js';
import { UserDirectory } from '../../lib/store/user-directory.js';
import { DEMO_CLIENT, seedDemoClient } from '../../scripts/seed.js';
import { E2E_CLUSTER_ENV, e2eCluster, type E2eCluster } from '../support/e2e-cluster.js';
import { SessionClient, type Page } from '../support/session-client.js';

const CODE_TTL_S = Number(E2E_CLUSTER_ENV.AUTHORIZATION_CODE_TTL_S);
const PASSWORD = 'correct horse battery staple 42';
const WEB = { id: 'e2e-web', secret: 'e2e-web-secret-0123456789abcdefghijklmnop', redirect: 'http://127.0.0.1:9090/cb', postLogout: 'http://127.0.0.1:9090/bye' };
const MACHINE = { id: 'e2e-machine', secret: 'e2e-machine-secret-0123456789abcdefghij' };
const SPA_REDIRECT = DEMO_CLIENT.redirectUris[0];
const SPA_POST_LOGOUT = DEMO_CLIENT.postLogoutRedirectUris[0];

let cluster: E2eCluster;
let email: string;
let userId: string;
const insecure = { execute: [oidc.allowInsecureRequests] };

before(async () => {
  cluster = await e2eCluster();

  const seeded = await seedDemoClient(cluster.env);
  assert.deepEqual(seeded, { clientId: DEMO_CLIENT.clientId, redirectUris: [SPA_REDIRECT] });
  assert.deepEqual(await seedDemoClient(cluster.env), seeded, 'seeding twice is harmless');

  const documentClient = createDocumentClient({ region: cluster.config.region, endpoint: cluster.dynamodbEndpoint });
  const hasher = new PasswordHasher(cluster.config.password);
  const registry = new ClientRegistry({ client: documentClient, tableName: cluster.config.tables.directory, clock: systemClock });
  await registry.register({ clientId: WEB.id, firstParty: true, secret: WEB.secret, redirectUris: [WEB.redirect], postLogoutRedirectUris: [WEB.postLogout], grantTypes: ['authorization_code', 'refresh_token'] });
  await registry.register({ clientId: MACHINE.id, secret: MACHINE.secret, redirectUris: [], grantTypes: ['client_credentials'] });
  email = `rp-${randomBytes(4).toString('hex')}@example.com`;
  const users = new UserDirectory({ client: documentClient, tableName: cluster.config.tables.directory, clock: systemClock });
  userId = (await users.create({ email, name: 'Relying Party User', passwordHash: await hasher.hash(PASSWORD), emailVerified: true })).id;
  documentClient.destroy();

  // Wake every function on every instance once, so a cold start cannot eat the short code lifetime.
  await Promise.all(
    cluster.instanceUrls.flatMap((base) => [
      fetch(`${base}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=x' }).then((r) => r.text()),
      fetch(`${base}/authorize`).then((r) => r.text()),
      fetch(`${base}/userinfo`).then((r) => r.text()),
      fetch(`${base}/introspect`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=x' }).then((r) => r.text()),
      fetch(`${base}/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=x' }).then((r) => r.text()),
      fetch(`${base}/logout`).then((r) => r.text()),
      fetch(`${base}/login`).then((r) => r.text()),
    ]),
  );
});

function browser(): SessionClient {
  return new SessionClient({ proxyUrl: cluster.proxyUrl, instanceUrls: cluster.instanceUrls });
}

function publicClient(): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(cluster.proxyUrl), DEMO_CLIENT.clientId, undefined, oidc.None(), insecure);
}

function webClient(auth: 'post' | 'basic', secret = WEB.secret): Promise<oidc.Configuration> {
  const method = auth === 'post' ? oidc.ClientSecretPost(secret) : oidc.ClientSecretBasic(secret);
  return oidc.discovery(new URL(cluster.proxyUrl), WEB.id, undefined, method, insecure);
}

interface Started {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

async function startSignIn(config: oidc.Configuration, redirectUri: string, extra: Record<string, string> = {}): Promise<Started> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid email profile offline_access',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  return { url, verifier, state, nonce };
}

/** GETs `path` and follows redirects on the site until one leaves it for `redirectUri`. */
async function browseToCallback(b: SessionClient, start: Page, redirectUri: string): Promise<URL> {
  let page = start;
  for (let hop = 0; hop < 10; hop++) {
    assert.ok([302, 303].includes(page.status) && page.location, `expected a redirect: ${page.describe()}`);
    if (page.location!.startsWith(redirectUri)) return new URL(page.location!);
    page = await b.get(page.location!);
  }
  throw new Error('no callback after 10 redirects');
}

/** The browser part: authorize -> login form (filled and submitted on another instance) -> callback URL. */
async function signInThroughLoginForm(b: SessionClient, started: Started, redirectUri: string): Promise<URL> {
  const toLogin = await b.get(started.url.pathname + started.url.search);
  assert.equal(toLogin.status, 302, toLogin.describe());
  const loginPage = await b.get(toLogin.location!);
  assert.equal(loginPage.status, 200, loginPage.describe());
  const submitted = await b.submit(loginPage, { on: b.otherThan(loginPage.servedBy), overrides: { email, password: PASSWORD } });
  assert.equal(submitted.status, 303, submitted.describe());
  return browseToCallback(b, submitted, redirectUri);
}

/** The OAuth error code a failed openid-client call carries, whichever way the server answered. */
async function errorCode(error: unknown): Promise<string | undefined> {
  if (error instanceof oidc.ResponseBodyError || error instanceof oidc.AuthorizationResponseError) return error.error;
  if (error instanceof oidc.WWWAuthenticateChallengeError) {
    const fromChallenge = error.cause.find((c) => c.parameters.error)?.parameters.error;
    if (fromChallenge) return fromChallenge;
    const body = (await error.response.json().catch(() => ({}))) as { error?: string };
    return body.error;
  }
  return undefined;
}

async function rejectsWith(promise: Promise<unknown>, code: string, status?: number): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught !== undefined, `expected a rejection with ${code}`);
  assert.equal(await errorCode(caught), code, String(caught));
  if (status !== undefined) assert.equal((caught as { status?: number }).status, status);
}

describe('openid-client v6 against three instances', () => {
  it('signs in with a public client: discovery, login form, code + PKCE, JWKS-validated ID token, userinfo, refresh, revocation, introspection, logout', async () => {
    const config = await publicClient();
    const metadata = config.serverMetadata();
    assert.equal(metadata.issuer, cluster.proxyUrl);
    assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
    assert.equal(metadata.authorization_response_iss_parameter_supported, true);

    const b = browser();
    const started = await startSignIn(config, SPA_REDIRECT);
    const callback = await signInThroughLoginForm(b, started, SPA_REDIRECT);
    assert.equal(callback.searchParams.get('iss'), cluster.proxyUrl);

    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: started.verifier,
      expectedState: started.state,
      expectedNonce: started.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    assert.ok(claims);
    assert.equal(claims.sub, userId);
    assert.equal(claims.email, email);
    assert.ok(tokens.refresh_token);

    const { updated_at: updatedAt, ...info } = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    assert.deepEqual(info, { sub: userId, name: 'Relying Party User', email, email_verified: true });
    assert.equal(typeof updatedAt, 'number', 'the profile scope releases updated_at');

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token);
    assert.ok(refreshed.refresh_token);
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token, 'refresh tokens rotate');
    assert.equal(refreshed.claims()?.sub, userId);
    assert.equal((await oidc.tokenIntrospection(config, refreshed.access_token)).active, true);

    await oidc.tokenRevocation(config, refreshed.refresh_token);
    assert.equal((await oidc.tokenIntrospection(config, refreshed.refresh_token)).active, false);
    assert.equal((await oidc.tokenIntrospection(config, refreshed.access_token)).active, false, 'revoking the refresh token revokes its grant');

    const sessionCookie = b.cookie('__Host-session')?.value;
    assert.ok(sessionCookie);
    const logoutUrl = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: SPA_POST_LOGOUT, state: 'bye' });
    const loggedOut = await b.get(logoutUrl.pathname + logoutUrl.search);
    assert.equal(loggedOut.status, 302, loggedOut.describe());
    assert.equal(loggedOut.location, `${SPA_POST_LOGOUT}?state=bye`);
    assert.equal(b.cookie('__Host-session'), undefined, 'the session cookie is cleared');

    // The old cookie, replayed, is revoked on every instance: prompt=none now answers login_required.
    const again = await startSignIn(config, SPA_REDIRECT, { prompt: 'none' });
    for (let i = 0; i < cluster.instanceUrls.length; i++) {
      const answer = await b.get(again.url.pathname + again.url.search, { on: i, cookies: { '__Host-session': sessionCookie } });
      const back = new URL(answer.location!);
      assert.equal(back.searchParams.get('error'), 'login_required', answer.describe());
    }
  });

  it('asks before a logout without id_token_hint; the confirmation form signs out and returns with state', async () => {
    const config = await publicClient();
    const b = browser();
    await signInThroughLoginForm(b, await startSignIn(config, SPA_REDIRECT), SPA_REDIRECT);
    const sessionCookie = b.cookie('__Host-session')?.value;
    assert.ok(sessionCookie);

    const logoutUrl = oidc.buildEndSessionUrl(config, { client_id: DEMO_CLIENT.clientId, post_logout_redirect_uri: SPA_POST_LOGOUT, state: 'bye' });
    const confirm = await b.get(logoutUrl.pathname + logoutUrl.search);
    assert.equal(confirm.status, 200, confirm.describe());
    assert.match(confirm.text, /Sign out of .+\?/);
    assert.equal(b.cookie('__Host-session')?.value, sessionCookie, 'nothing is ended by the GET');
    assert.ok(confirm.headers.get('content-security-policy')?.includes(`form-action 'self' ${new URL(SPA_POST_LOGOUT).origin}`));

    const out = await b.submit(confirm, { on: b.otherThan(confirm.servedBy) });
    assert.equal(out.status, 303, out.describe());
    assert.equal(out.location, `${SPA_POST_LOGOUT}?state=bye`);
    assert.equal(b.cookie('__Host-session'), undefined, 'the session cookie is cleared');
    const again = await startSignIn(config, SPA_REDIRECT, { prompt: 'none' });
    const answer = await b.get(again.url.pathname + again.url.search, { cookies: { '__Host-session': sessionCookie } });
    assert.equal(new URL(answer.location!).searchParams.get('error'), 'login_required', answer.describe());
  });

  it('lets a browser app call discovery, jwks, token, userinfo and revoke cross-origin (preflight routes in serverless.yml)', async () => {
    const origin = 'http://localhost:5173';
    for (const [path, methods] of [['/.well-known/openid-configuration', 'GET'], ['/jwks', 'GET'], ['/token', 'POST'], ['/userinfo', 'GET, POST'], ['/revoke', 'POST']] as const) {
      const preflight = await fetch(`${cluster.proxyUrl}${path}`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' } });
      // The function's 204 passes through, as API Gateway passes it on.
      assert.equal(preflight.status, 204, path);
      assert.equal(preflight.headers.get('access-control-allow-origin'), '*', path);
      assert.equal(preflight.headers.get('access-control-allow-credentials'), null, path);
      assert.equal(preflight.headers.get('access-control-allow-methods'), methods, path);
      assert.equal(preflight.headers.get('access-control-allow-headers'), 'authorization, content-type', path);
      assert.equal(preflight.headers.get('access-control-max-age'), '600', path);
    }
    const keys = await fetch(`${cluster.proxyUrl}/jwks`, { headers: { origin } });
    assert.equal(keys.status, 200);
    assert.equal(keys.headers.get('access-control-allow-origin'), '*');
  });

  it('answers CORS as the deployed API does: no CORS headers for pages and /authorize, * without credentials for /token', async () => {
    const origin = 'https://elsewhere.example';
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const corsHeaders = (answer: Response) => [...answer.headers.keys()].filter((name) => name.startsWith('access-control-'));
    for (const [method, path] of [['GET', '/login'], ['POST', '/login'], ['GET', '/authorize'], ['GET', '/'], ['OPTIONS', '/login'], ['OPTIONS', '/authorize']] as const) {
      const answer = await fetch(`${cluster.proxyUrl}${path}`, {
        method,
        redirect: 'manual',
        headers: { origin, ...(method === 'POST' && form), ...(method === 'OPTIONS' && { 'access-control-request-method': 'POST' }) },
        ...(method === 'POST' && { body: 'email=a%40example.com' }),
      });
      await answer.arrayBuffer();
      assert.deepEqual(corsHeaders(answer), [], `${method} ${path}: ${answer.status}`);
    }
    const token = await fetch(`${cluster.proxyUrl}/token`, { method: 'POST', headers: { origin, ...form }, body: 'grant_type=authorization_code&code=nope' });
    assert.equal(token.status, 401, await token.text()); // invalid_client, readable by the script
    assert.equal(token.headers.get('access-control-allow-origin'), '*');
    assert.equal(token.headers.get('access-control-allow-credentials'), null);
  });

  it('signs in with a confidential client (client_secret_post and client_secret_basic)', async () => {
    for (const auth of ['post', 'basic'] as const) {
      const config = await webClient(auth);
      const b = browser();
      const started = await startSignIn(config, WEB.redirect);
      const callback = await signInThroughLoginForm(b, started, WEB.redirect);
      const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce });
      assert.equal(tokens.claims()?.sub, userId, auth);
      assert.equal((await oidc.fetchUserInfo(config, tokens.access_token, userId)).email, email);
      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
      await oidc.tokenRevocation(config, refreshed.access_token);
      assert.equal((await oidc.tokenIntrospection(config, refreshed.access_token)).active, false);
      assert.equal((await oidc.tokenIntrospection(config, refreshed.refresh_token!)).active, true, 'revoking an access token leaves the refresh token');
    }
  });

  it('issues client_credentials tokens', async () => {
    const config = await oidc.discovery(new URL(cluster.proxyUrl), MACHINE.id, undefined, oidc.ClientSecretBasic(MACHINE.secret), insecure);
    const tokens = await oidc.clientCredentialsGrant(config);
    assert.equal(tokens.token_type, 'bearer');
    assert.equal(tokens.id_token, undefined);
    const introspection = await oidc.tokenIntrospection(config, tokens.access_token);
    assert.equal(introspection.active, true);
    assert.equal(introspection.client_id, MACHINE.id);
  });
});

describe('what a relying party must be refused', () => {
  it('unknown client and unregistered redirect URI: an error page, no redirect', async () => {
    const config = await publicClient();
    const b = browser();
    for (const [clientId, redirectUri] of [
      ['no-such-client', SPA_REDIRECT],
      [DEMO_CLIENT.clientId, 'http://localhost:8080/elsewhere'],
    ]) {
      const url = oidc.buildAuthorizationUrl(config, { redirect_uri: redirectUri!, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: 'S256' });
      url.searchParams.set('client_id', clientId!);
      const page = await b.get(url.pathname + url.search);
      assert.equal(page.status, 400, page.describe());
      assert.equal(page.location, null);
      assert.match(page.contentType, /text\/html/);
    }
  });

  it('a redirect URI that only starts with the registered one: an error page even when signed in, never a redirect there', async () => {
    const config = await publicClient();
    const b = browser();
    await signInThroughLoginForm(b, await startSignIn(config, SPA_REDIRECT), SPA_REDIRECT);
    for (const redirectUri of [`${SPA_REDIRECT}/evil`, `${SPA_REDIRECT}.evil.com`, `${SPA_REDIRECT}?extra=1`]) {
      const started = await startSignIn(config, redirectUri);
      const page = await b.get(started.url.pathname + started.url.search);
      assert.equal(page.status, 400, `${redirectUri}: ${page.describe()}`);
      assert.equal(page.location, null, redirectUri);
      assert.match(page.contentType, /text\/html/);
    }
    // The same signed-in browser with the registered URI goes straight back with a code, so the
    // refusals above are about the URI, not a missing session.
    const exact = await startSignIn(config, SPA_REDIRECT);
    const back = await b.get(exact.url.pathname + exact.url.search);
    assert.equal(back.status, 302, back.describe());
    assert.ok(new URL(back.location!).searchParams.get('code'), back.describe());
    assert.ok(back.location!.startsWith(`${SPA_REDIRECT}?`), back.location!);
  });

  it('prompt=none without a session: login_required', async () => {
    const config = await publicClient();
    const started = await startSignIn(config, SPA_REDIRECT, { prompt: 'none' });
    const page = await browser().get(started.url.pathname + started.url.search);
    const callback = new URL(page.location!);
    await rejectsWith(oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: started.verifier, expectedState: started.state }), 'login_required');
  });

  it('plain PKCE: invalid_request at the redirect URI', async () => {
    const config = await publicClient();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: SPA_REDIRECT, scope: 'openid', code_challenge: verifier, code_challenge_method: 'plain', state });
    const page = await browser().get(url.pathname + url.search);
    await rejectsWith(oidc.authorizationCodeGrant(config, new URL(page.location!), { pkceCodeVerifier: verifier, expectedState: state }), 'invalid_request');
  });

  it('missing or wrong PKCE verifier, replayed code (which revokes its tokens), expired code: invalid_grant', async () => {
    const config = await publicClient();
    const b = browser();
    const first = await startSignIn(config, SPA_REDIRECT);
    await signInThroughLoginForm(b, first, SPA_REDIRECT);

    const freshCode = async () => {
      const started = await startSignIn(config, SPA_REDIRECT);
      return { started, callback: await browseToCallback(b, await b.get(started.url.pathname + started.url.search), SPA_REDIRECT) };
    };

    const missing = await freshCode();
    await rejectsWith(oidc.authorizationCodeGrant(config, missing.callback, { expectedState: missing.started.state, expectedNonce: missing.started.nonce }), 'invalid_grant');

    const wrong = await freshCode();
    await rejectsWith(
      oidc.authorizationCodeGrant(config, wrong.callback, { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: wrong.started.state, expectedNonce: wrong.started.nonce }),
      'invalid_grant',
    );

    const replayed = await freshCode();
    const checks = { pkceCodeVerifier: replayed.started.verifier, expectedState: replayed.started.state, expectedNonce: replayed.started.nonce };
    const tokens = await oidc.authorizationCodeGrant(config, replayed.callback, checks);
    await oidc.fetchUserInfo(config, tokens.access_token, userId);
    await rejectsWith(oidc.authorizationCodeGrant(config, replayed.callback, checks), 'invalid_grant');
    await rejectsWith(oidc.fetchUserInfo(config, tokens.access_token, userId), 'invalid_token', 401);
    await rejectsWith(oidc.refreshTokenGrant(config, tokens.refresh_token!), 'invalid_grant');

    const expired = await freshCode();
    await sleep((CODE_TTL_S + 1.5) * 1000);
    await rejectsWith(
      oidc.authorizationCodeGrant(config, expired.callback, { pkceCodeVerifier: expired.started.verifier, expectedState: expired.started.state, expectedNonce: expired.started.nonce }),
      'invalid_grant',
    );
  });

  it('refresh-token reuse: invalid_grant, and the whole family is revoked', async () => {
    const config = await publicClient();
    const b = browser();
    const started = await startSignIn(config, SPA_REDIRECT);
    const callback = await signInThroughLoginForm(b, started, SPA_REDIRECT);
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce });
    const rotated = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    // Its successor is used, so the first token coming back is reuse even within the retry
    // grace window (REFRESH_TOKEN_REUSE_GRACE_S, which only covers a lost answer).
    const latest = await oidc.refreshTokenGrant(config, rotated.refresh_token!);
    await rejectsWith(oidc.refreshTokenGrant(config, tokens.refresh_token!), 'invalid_grant');
    await rejectsWith(oidc.refreshTokenGrant(config, latest.refresh_token!), 'invalid_grant');
    await rejectsWith(oidc.fetchUserInfo(config, latest.access_token, userId), 'invalid_token', 401);
  });

  it('wrong client secret: 401 invalid_client', async () => {
    for (const auth of ['post', 'basic'] as const) {
      const config = await webClient(auth, 'not-the-right-secret-at-all-0123456789abc');
      await rejectsWith(oidc.refreshTokenGrant(config, 'whatever'), 'invalid_client', 401);
    }
  });

  it('tampered access token at userinfo: 401 invalid_token', async () => {
    const config = await oidc.discovery(new URL(cluster.proxyUrl), MACHINE.id, undefined, oidc.ClientSecretBasic(MACHINE.secret), insecure);
    const users = await publicClient();
    const b = browser();
    const started = await startSignIn(users, SPA_REDIRECT);
    const callback = await signInThroughLoginForm(b, started, SPA_REDIRECT);
    const tokens = await oidc.authorizationCodeGrant(users, callback, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce });
    const [header, payload, signature] = tokens.access_token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url')}.${signature}`;
    await rejectsWith(oidc.fetchUserInfo(users, tampered, oidc.skipSubjectCheck), 'invalid_token', 401);
    // A client_credentials token is valid, but not for userinfo.
    const machineToken = (await oidc.clientCredentialsGrant(config)).access_token;
    await rejectsWith(oidc.fetchUserInfo(users, machineToken, oidc.skipSubjectCheck), 'invalid_token', 401);
  });
});
