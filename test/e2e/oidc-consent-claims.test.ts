/**
 * Consent, the claims parameter and userinfo as the OpenID conformance suite exercises them
 * (docs/conformance.md), driven by openid-client v6 against three `osls offline` instances
 * behind a round-robin proxy: the consent page shown on one instance is answered on another, the
 * remembered consent and the single-use prompt=consent answer hold on every instance.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as oidc from 'openid-client';
import { PasswordHasher } from '../../lib/auth/password-hasher.js';
import { systemClock } from '../../lib/clock.js';
import { createDocumentClient } from '../../lib/runtime/dynamodb-client.js';
import { ClientRegistry } from '../../lib/store/client-registry.js';
import { UserDirectory } from '../../lib/store/user-directory.js';
import { e2eCluster, type E2eCluster } from '../support/e2e-cluster.js';
import { SessionClient, type Page } from '../support/session-client.js';

const PASSWORD = 'correct horse battery staple 42';
const THIRD = { id: 'e2e-third-party', name: 'Third Party Mail', secret: 'e2e-third-party-secret-0123456789abcdefg', redirect: 'http://127.0.0.1:9091/cb' };
const insecure = { execute: [oidc.allowInsecureRequests] };

let cluster: E2eCluster;
let email: string;

before(async () => {
  cluster = await e2eCluster();
  const documentClient = createDocumentClient({ region: cluster.config.region, endpoint: cluster.dynamodbEndpoint });
  const registry = new ClientRegistry({ client: documentClient, tableName: cluster.config.tables.directory, clock: systemClock });
  await registry.register(
    { clientId: THIRD.id, name: THIRD.name, secret: THIRD.secret, redirectUris: [THIRD.redirect], grantTypes: ['authorization_code', 'refresh_token'] },
    { replace: true },
  );
  email = `consent-${randomBytes(4).toString('hex')}@example.com`;
  const users = new UserDirectory({ client: documentClient, tableName: cluster.config.tables.directory, clock: systemClock });
  const user = await users.create({ email, name: 'Consenting User', passwordHash: await new PasswordHasher(cluster.config.password).hash(PASSWORD), emailVerified: true });
  await documentClient.send(
    new UpdateCommand({
      TableName: cluster.config.tables.directory,
      Key: { pk: `user#${user.id}`, sk: 'user' },
      UpdateExpression: 'SET profile = :profile',
      ExpressionAttributeValues: { ':profile': { given_name: 'Consenting', family_name: 'User', locale: 'en' } },
    }),
  );
  documentClient.destroy();

  // Wake every function this file uses on every instance: codes live 4 s here (E2E_CLUSTER_ENV),
  // which a cold start between the consent answer and the token request could eat.
  const form = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'x=y' };
  await Promise.all(
    cluster.instanceUrls.flatMap((base) =>
      [`${base}/authorize`, `${base}/consent`, `${base}/login`, `${base}/userinfo`].map((url) => fetch(url).then((r) => r.text())).concat(fetch(`${base}/token`, form).then((r) => r.text())),
    ),
  );
});

function client(): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(cluster.proxyUrl), THIRD.id, undefined, oidc.ClientSecretPost(THIRD.secret), insecure);
}

interface Started {
  url: URL;
  verifier: string;
  state: string;
}

async function authorizationUrl(config: oidc.Configuration, extra: Record<string, string>): Promise<Started> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: THIRD.redirect,
    scope: 'openid email offline_access',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...extra,
  });
  return { url, verifier, state };
}

/** Follows redirects on the site until a page is shown (200) or one leaves it for the client. */
async function follow(b: SessionClient, start: Page): Promise<{ page?: Page; callback?: URL }> {
  let page = start;
  for (let hop = 0; hop < 10; hop++) {
    if (page.status === 200) return { page };
    assert.ok([302, 303].includes(page.status) && page.location, `expected a redirect: ${page.describe()}`);
    if (page.location!.startsWith(THIRD.redirect)) return { callback: new URL(page.location!) };
    page = await b.get(page.location!);
  }
  throw new Error('no page or callback after 10 redirects');
}

/** A browser signed in through the real login form (its first /authorize ends wherever `started` leads). */
async function signedIn(started: Started): Promise<{ b: SessionClient; next: { page?: Page; callback?: URL } }> {
  const b = new SessionClient({ proxyUrl: cluster.proxyUrl, instanceUrls: cluster.instanceUrls });
  const toLogin = await b.get(started.url.pathname + started.url.search);
  assert.equal(toLogin.status, 302, toLogin.describe());
  const loginPage = await b.get(toLogin.location!);
  const submitted = await b.submit(loginPage, { on: b.otherThan(loginPage.servedBy), overrides: { email, password: PASSWORD } });
  assert.equal(submitted.status, 303, submitted.describe());
  return { b, next: await follow(b, submitted) };
}

function assertConsentPage(page: Page | undefined): Page {
  assert.ok(page, 'a consent page');
  assert.match(page.text, new RegExp(THIRD.name));
  assert.match(page.text, /127\.0\.0\.1:9091/);
  return page;
}

/** Answers the consent page on another instance than the one that showed it. */
async function answer(b: SessionClient, page: Page, decision: 'allow' | 'deny'): Promise<URL> {
  const answered = await b.submit(page, { form: '/consent', on: b.otherThan(page.servedBy), overrides: { decision } });
  assert.equal(answered.status, 303, answered.describe());
  const next = await follow(b, answered);
  assert.ok(next.callback, 'back at the client');
  return next.callback;
}

function exchange(config: oidc.Configuration, callback: URL, started: Started) {
  return oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: started.verifier, expectedState: started.state });
}

describe('consent and claims through openid-client, across instances', () => {
  it('consent is shown, remembered, forced by prompt=consent and denied; offline access needs it once', async () => {
    const config = await client();
    const first = await authorizationUrl(config, {});
    const { b, next } = await signedIn(first);
    const page = assertConsentPage(next.page);
    assert.match(page.text, /when you are not using it/, 'offline access in plain words');
    const tokens = await exchange(config, await answer(b, page, 'allow'), first);
    assert.ok(tokens.refresh_token, 'offline_access granted with consent (OIDC Core 11)');
    assert.ok((await oidc.refreshTokenGrant(config, tokens.refresh_token)).access_token);

    // Remembered: the next request goes straight back to the client, whichever instance serves it.
    for (let i = 0; i < 3; i++) {
      const again = await authorizationUrl(config, {});
      const remembered = await follow(b, await b.get(again.url.pathname + again.url.search));
      assert.ok(remembered.callback, `remembered on round ${i}`);
      assert.ok((await exchange(config, remembered.callback, again)).access_token);
    }

    // prompt=consent asks again even so (the conformance suite's oidcc-refresh-token does this).
    const forced = await authorizationUrl(config, { prompt: 'consent' });
    const forcedPage = assertConsentPage((await follow(b, await b.get(forced.url.pathname + forced.url.search))).page);
    const forcedCallback = await answer(b, forcedPage, 'allow');
    assert.ok((await exchange(config, forcedCallback, forced)).refresh_token);

    // Denied: access_denied at the client.
    const denied = await authorizationUrl(config, { prompt: 'consent' });
    const deniedPage = assertConsentPage((await follow(b, await b.get(denied.url.pathname + denied.url.search))).page);
    const deniedCallback = await answer(b, deniedPage, 'deny');
    assert.equal(deniedCallback.searchParams.get('error'), 'access_denied');
    await assert.rejects(exchange(config, deniedCallback, denied), (error: unknown) => error instanceof oidc.AuthorizationResponseError && error.error === 'access_denied');

    // prompt=none for more than was allowed: consent_required.
    const silent = await authorizationUrl(config, { prompt: 'none', scope: 'openid profile' });
    const refused = await follow(b, await b.get(silent.url.pathname + silent.url.search));
    assert.equal(refused.callback?.searchParams.get('error'), 'consent_required');
  });

  it('the claims parameter releases what it asks for where it asks; userinfo answers by header and by POST body only', async () => {
    const config = await client();
    const started = await authorizationUrl(config, {
      scope: 'openid',
      claims: JSON.stringify({ userinfo: { name: { essential: true }, given_name: null }, id_token: { email: null } }),
    });
    const { b, next } = await signedIn(started);
    const page = assertConsentPage(next.page);
    assert.match(page.text, /See your name/);
    assert.match(page.text, /See your email address/);
    const tokens = await exchange(config, await answer(b, page, 'allow'), started);
    const idToken = tokens.claims()!;
    assert.equal(idToken.email, email);
    assert.equal(idToken.name, undefined, 'name was asked for userinfo only (the suite warns otherwise)');

    const sub = idToken.sub;
    const byHeader = await oidc.fetchUserInfo(config, tokens.access_token, sub);
    assert.equal(byHeader.name, 'Consenting User');
    assert.equal(byHeader.given_name, 'Consenting');
    assert.equal(byHeader.email, undefined);

    const userinfo = `${cluster.proxyUrl}/userinfo`;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const byBody = await fetch(userinfo, { method: 'POST', headers: form, body: new URLSearchParams({ access_token: tokens.access_token }) });
    assert.equal(byBody.status, 200);
    assert.deepEqual(await byBody.json(), byHeader);
    const inQuery = await fetch(`${userinfo}?${new URLSearchParams({ access_token: tokens.access_token })}`);
    assert.equal(inQuery.status, 400);
    assert.equal(((await inQuery.json()) as { error?: string }).error, 'invalid_request');
    const both = await fetch(userinfo, {
      method: 'POST',
      headers: { ...form, authorization: `Bearer ${tokens.access_token}` },
      body: new URLSearchParams({ access_token: tokens.access_token }),
    });
    assert.equal(both.status, 400);
  });
});
