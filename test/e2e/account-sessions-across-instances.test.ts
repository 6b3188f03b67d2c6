/**
 * Ending access from another browser, across three independent instances: a session used on
 * one instance is signed out by the same user's other browser through a second instance, and
 * is refused on the third; an app's access removed through one instance makes its refresh
 * token useless on the others. The forms carry the page's antiforgery token (the home page
 * issues one bound to the session); the other session's id is read from the session index, as
 * the account page's "where you are signed in" reads it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { systemClock } from '../../lib/clock.js';
import { PasswordHasher } from '../../lib/auth/password-hasher.js';
import { createDocumentClient } from '../../lib/runtime/dynamodb-client.js';
import { SessionIndex } from '../../lib/session/session-index.js';
import { ClientRegistry } from '../../lib/store/client-registry.js';
import { TtlCache } from '../../lib/store/ttl-cache.js';
import { UserDirectory } from '../../lib/store/user-directory.js';
import { e2eCluster, type E2eCluster } from '../support/e2e-cluster.js';
import { codeRequestQuery, pkcePair } from '../support/oidc-instances.js';
import { SessionClient, type Page } from '../support/session-client.js';

const PASSWORD = 'correct horse battery staple 42';
const APP = { id: `acct-app-${randomBytes(3).toString('hex')}`, redirect: 'https://app.example/cb' };
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const SAFARI = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

let cluster: E2eCluster;
let documentClient: ReturnType<typeof createDocumentClient>;
let sessionIndex: SessionIndex;
let email: string;
let userId: string;

before(async () => {
  cluster = await e2eCluster();
  documentClient = createDocumentClient({ region: cluster.config.region, endpoint: cluster.dynamodbEndpoint });
  const { tables, session } = cluster.config;
  sessionIndex = new SessionIndex(new TtlCache({ client: documentClient, tableName: tables.cache, clock: systemClock }), systemClock, session.absoluteLifetimeS);
  await new ClientRegistry({ client: documentClient, tableName: tables.directory, clock: systemClock }).register({ clientId: APP.id, firstParty: true, redirectUris: [APP.redirect] });
  email = `acct-${randomBytes(4).toString('hex')}@example.com`;
  const users = new UserDirectory({ client: documentClient, tableName: tables.directory, clock: systemClock });
  userId = (await users.create({ email, name: 'Two Browsers', emailVerified: true, passwordHash: await new PasswordHasher(cluster.config.password).hash(PASSWORD) })).id;
});
after(() => documentClient?.destroy());

/** A browser (its own cookie jar and User-Agent) signed in with the password; the form on one instance, the POST on `on`. */
async function signedIn(userAgent: string, on: number): Promise<SessionClient> {
  const browser = new SessionClient({ proxyUrl: cluster.proxyUrl, instanceUrls: cluster.instanceUrls, target: 'rotate' });
  const headers = { 'user-agent': userAgent };
  const form = await browser.get('/login', { on: (on + 1) % 3, headers });
  const answer = await browser.submit(form, { on, headers, overrides: { email, password: PASSWORD } });
  assert.equal(answer.status, 303, answer.describe());
  return browser;
}

/** The home page on `on`: signed in or not, and its antiforgery token (bound to the session). */
async function home(browser: SessionClient, on: number): Promise<{ signedIn: boolean; page: Page; antiforgeryToken?: string }> {
  const page = await browser.get('/', { on });
  assert.equal(page.status, 200, page.describe());
  assert.equal(page.servedBy, on);
  const token = /name="_af" value="([^"]+)"/.exec(page.body)?.[1];
  return { signedIn: page.text.includes(`Signed in as ${email}`), page, ...(token !== undefined ? { antiforgeryToken: token } : {}) };
}

describe('ending access from another browser, across instances', () => {
  test('a session used on instance 0 is signed out from the other browser through instance 1 and refused on instance 2', async () => {
    const laptop = await signedIn(FIREFOX, 0);
    const phone = await signedIn(SAFARI, 1);
    assert.equal((await home(phone, 0)).signedIn, true, 'the phone uses its session on instance 0');

    const listed = await sessionIndex.list(userId);
    const phoneSession = listed.find((s) => s.browser === 'Safari 17' && s.os === 'iOS');
    assert.ok(phoneSession, `the phone is listed: ${JSON.stringify(listed)}`);
    const { antiforgeryToken } = await home(laptop, 2);
    assert.ok(antiforgeryToken);
    const ended = await laptop.post('/account/sessions/sign-out', { _af: antiforgeryToken, session: phoneSession.sessionId }, { on: 1 });
    assert.equal(ended.status, 303, ended.describe());
    assert.equal(ended.location, '/account#sessions');

    assert.equal((await home(phone, 2)).signedIn, false, 'the phone is signed out on instance 2');
    assert.equal((await home(phone, 0)).signedIn, false, 'and on the instance it used');
    assert.equal((await home(laptop, 0)).signedIn, true, 'the laptop is still signed in');
    assert.ok(!(await sessionIndex.list(userId)).some((s) => s.sessionId === phoneSession.sessionId));
  });

  test('an app whose access was removed through one instance cannot refresh on any other', async () => {
    const browser = await signedIn(FIREFOX, 2);
    const { verifier, challenge } = pkcePair();
    const authorize = await browser.get(`/authorize?${codeRequestQuery({ clientId: APP.id, redirectUri: APP.redirect, challenge, state: 's', scope: 'openid offline_access' })}`, { on: 0 });
    assert.equal(authorize.status, 302, authorize.describe());
    const code = new URL(authorize.location!).searchParams.get('code')!;
    const exchanged = await browser.post('/token', { grant_type: 'authorization_code', client_id: APP.id, code, redirect_uri: APP.redirect, code_verifier: verifier }, { on: 1, keepJar: true });
    assert.equal(exchanged.status, 200, exchanged.describe());
    const { refresh_token: refreshToken } = JSON.parse(exchanged.body) as { refresh_token: string };
    const refreshOn = (on: number, token: string) => browser.post('/token', { grant_type: 'refresh_token', client_id: APP.id, refresh_token: token }, { on, keepJar: true });
    const refreshed = await refreshOn(2, refreshToken);
    assert.equal(refreshed.status, 200, 'the app refreshes before');
    const successor = (JSON.parse(refreshed.body) as { refresh_token: string }).refresh_token;

    const { antiforgeryToken } = await home(browser, 0);
    const removed = await browser.post('/account/apps/remove', { _af: antiforgeryToken!, client: APP.id }, { on: 1 });
    assert.equal(removed.status, 303, removed.describe());
    for (const on of [0, 2]) {
      const refused = await refreshOn(on, successor);
      assert.equal(refused.status, 400, refused.describe());
      assert.equal((JSON.parse(refused.body) as { error: string }).error, 'invalid_grant');
    }
  });

  test('refuses the forms without the antiforgery token, on any instance', async () => {
    const browser = await signedIn(FIREFOX, 1);
    for (const [on, path] of [[0, '/account/sessions/sign-out-others'], [2, '/account/apps/remove']] as const) {
      const refused = await browser.post(path, { client: APP.id }, { on });
      assert.equal(refused.status, 400, refused.describe());
    }
    assert.equal((await home(browser, 2)).signedIn, true);
  });
});
