/**
 * The consent step of /authorize and the /consent page, in-process over DynamoDB Local with
 * every request served by the next of three provider "instances": shown to a third-party
 * client once, remembered per user, client and scopes, asked again for more, forced by
 * prompt=consent with a single-use answer, refused by prompt=none, denied to the client, skipped
 * for a first-party client; and what a browser may do to the URLs on the way.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { authorizeHandler } from '../../functions/authorize.js';
import { consentHandler } from '../../functions/consent.js';
import { CONSENT_MARKER_LIFETIME_S } from '../../lib/oidc/consent-marker.js';
import { CONSENT_MARKER_PARAM } from '../../lib/oidc/request-markers.js';
import { ConsentDirectory } from '../../lib/store/consent-directory.js';
import { SESSION_COOKIE } from '../../lib/session/sessions.js';
import { submitFields } from '../support/html-forms.js';
import { InProcessBrowser, type BrowserAnswer } from '../support/in-process-browser.js';
import { oidcInstances, pkcePair, signIn, type OidcInstances } from '../support/oidc-instances.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const T0 = Date.parse('2040-05-01T00:00:00Z');
const REDIRECT = 'https://mail.example/cb';
const NATIVE_REDIRECT = 'com.example.notes:/cb';

let stack: TestStack;
let oidc: OidcInstances;
let consents: ConsentDirectory;
const time = { now: T0 };
const nowS = () => Math.floor(time.now / 1000);
let userCount = 0;

before(async () => {
  stack = await startTestStack();
  oidc = oidcInstances(stack, () => time.now);
  consents = new ConsentDirectory({ client: stack.documentClient(), tableName: stack.config.tables.directory, clock: () => time.now });
  const clients = oidc.all[0]!.clients;
  await clients.register({ clientId: 'mail', name: 'Mail <b>Pro</b>', redirectUris: [REDIRECT, NATIVE_REDIRECT], allowedScopes: ['openid', 'profile', 'email', 'offline_access'] });
  await clients.register({ clientId: 'narrow', redirectUris: [REDIRECT], allowedScopes: ['openid'] });
  await clients.register({ clientId: 'own', firstParty: true, redirectUris: [REDIRECT] });
});
after(() => stack.close());

/** A browser signed in as a new user (so no test sees another's consents). */
async function signedIn(authTimeS?: number): Promise<{ browser: InProcessBrowser; userId: string }> {
  const userId = (await oidc.all[0]!.users.create({ email: `consent-${++userCount}@example.com`, name: 'Con Sent', emailVerified: true })).id;
  const browser = new InProcessBrowser({ '/authorize': authorizeHandler(oidc.next), '/consent': consentHandler(oidc.next) });
  browser.jar.set(SESSION_COOKIE, (await signIn(oidc.next(), userId, authTimeS)).cookie);
  return { browser, userId };
}

function request(extra: Record<string, string> = {}): string {
  return `/authorize?${new URLSearchParams({
    response_type: 'code',
    client_id: 'mail',
    redirect_uri: REDIRECT,
    scope: 'openid email',
    state: 'state-1',
    code_challenge: pkcePair().challenge,
    code_challenge_method: 'S256',
    ...extra,
  })}`;
}

/** Where an answer sends the browser: 'code' or `error=<code>` at the client, else the path. */
function destination(answer: BrowserAnswer): string {
  assert.ok(answer.status === 302 || answer.status === 303, `status ${answer.status}: ${answer.body}`);
  const location = new URL(answer.location!, stack.config.issuer);
  if (location.href.startsWith(REDIRECT)) {
    assert.equal(location.searchParams.get('state'), 'state-1');
    assert.equal(location.searchParams.get('iss'), stack.config.issuer);
    return location.searchParams.has('code') ? 'code' : `error=${location.searchParams.get('error')}`;
  }
  return location.pathname;
}

/** Submits the consent page's form with the button `decision` (or `overrides`), as a browser clicking it would. */
function answer(browser: InProcessBrowser, page: BrowserAnswer, decision: string | undefined, overrides: Record<string, string | undefined> = {}): Promise<BrowserAnswer> {
  assert.equal(page.status, 200, page.body);
  const form = page.forms.find((f) => f.action === '/consent' && f.method === 'POST');
  assert.ok(form, page.body);
  const fields = submitFields(form, { ...(decision !== undefined ? { decision } : {}), ...overrides });
  return browser.post('/consent', Object.fromEntries(fields));
}

/** /authorize, then the consent page it leads to. */
async function consentPage(browser: InProcessBrowser, authorizeUrl: string): Promise<BrowserAnswer> {
  const first = await browser.get(authorizeUrl);
  assert.equal(destination(first), '/consent');
  return browser.get(first.location!);
}

describe('consent', () => {
  it('is asked of a third-party client, naming it as text, its redirect host and the scopes in plain words', async () => {
    const { browser, userId } = await signedIn();
    const page = await consentPage(browser, request({ scope: 'openid profile email offline_access' }));
    assert.match(page.body, /Mail &lt;b&gt;Pro&lt;\/b&gt;/);
    assert.doesNotMatch(page.body, /<b>Pro<\/b>/);
    assert.match(page.body, /<strong>mail\.example<\/strong>/);
    for (const words of [/Sign you in/, /See your name/, /See your email address/, /when you are not using it/]) assert.match(page.body, words);
    assert.doesNotMatch(page.body, /<img/);
    assert.equal(await consents.find(userId, 'mail'), undefined, 'showing the page remembers nothing');

    const allowed = await answer(browser, page, 'allow');
    assert.equal(allowed.status, 303);
    assert.equal(destination(allowed), '/authorize');
    assert.equal(new URL(allowed.location!, stack.config.issuer).searchParams.has(CONSENT_MARKER_PARAM), false, 'no marker without prompt=consent');
    assert.deepEqual((await consents.find(userId, 'mail'))?.scopes, ['email', 'offline_access', 'openid', 'profile']);
    assert.equal(destination(await browser.get(allowed.location!)), 'code');
  });

  it('names a native app by its scheme', async () => {
    const { browser } = await signedIn();
    const page = await consentPage(browser, request({ redirect_uri: NATIVE_REDIRECT }));
    assert.match(page.body, /<strong>com\.example\.notes<\/strong>/);
  });

  it('is remembered on every instance, and asked again only for more scopes', async () => {
    const { browser, userId } = await signedIn();
    await browser.get((await answer(browser, await consentPage(browser, request()), 'allow')).location!);
    for (let i = 0; i < 3; i++) assert.equal(destination(await browser.get(request())), 'code', `instance ${i}`);
    assert.equal(destination(await browser.get(request({ scope: 'openid' }))), 'code', 'fewer scopes');

    const more = await consentPage(browser, request({ scope: 'openid email offline_access' }));
    assert.equal(destination(await browser.get((await answer(browser, more, 'allow')).location!)), 'code');
    assert.deepEqual((await consents.find(userId, 'mail'))?.scopes, ['email', 'offline_access', 'openid']);
    assert.equal(destination(await browser.get(request({ scope: 'openid offline_access' }))), 'code');
  });

  it('denied: access_denied goes to the client and nothing is remembered', async () => {
    const { browser, userId } = await signedIn();
    const denied = await answer(browser, await consentPage(browser, request()), 'deny');
    assert.equal(denied.status, 303);
    assert.equal(destination(denied), 'error=access_denied');
    assert.equal(await consents.find(userId, 'mail'), undefined);
    assert.equal(destination(await browser.get(request())), '/consent', 'asked again next time');
  });

  it('prompt=none answers consent_required until the user has allowed the scopes', async () => {
    const { browser } = await signedIn();
    assert.equal(destination(await browser.get(request({ prompt: 'none' }))), 'error=consent_required');
    await browser.get((await answer(browser, await consentPage(browser, request()), 'allow')).location!);
    assert.equal(destination(await browser.get(request({ prompt: 'none' }))), 'code');
    assert.equal(destination(await browser.get(request({ prompt: 'none', scope: 'openid offline_access' }))), 'error=consent_required', 'offline access needs its own consent');
  });

  it('prompt=consent asks even when remembered; its answer gets one code, once', async () => {
    const { browser, userId } = await signedIn();
    await browser.get((await answer(browser, await consentPage(browser, request()), 'allow')).location!);
    const forced = request({ prompt: 'consent' });
    const allowed = await answer(browser, await consentPage(browser, forced), 'allow');
    const back = allowed.location!;
    assert.equal(new URL(back, stack.config.issuer).searchParams.has(CONSENT_MARKER_PARAM), true);
    assert.equal(destination(await browser.get(back)), 'code');
    assert.equal(destination(await browser.get(back)), '/consent', 'the same answer used again is asked again');

    // Two tabs (or a replay racing the browser) on different instances: one code between them.
    const again = (await answer(browser, await consentPage(browser, forced), 'allow')).location!;
    const raced = await Promise.all([browser.get(again), browser.get(again), browser.get(again)]);
    assert.deepEqual(raced.map(destination).sort(), ['/consent', '/consent', 'code']);
    assert.ok(await consents.find(userId, 'mail'));
  });

  it('prompt=consent: an answer edited, moved to another request or to another user gets no code', async () => {
    const { browser } = await signedIn();
    const forced = request({ prompt: 'consent' });
    const back = (await answer(browser, await consentPage(browser, forced), 'allow')).location!;
    const edit = (change: (params: URLSearchParams) => void): string => {
      const params = new URLSearchParams(back.slice('/authorize?'.length));
      change(params);
      return `/authorize?${params}`;
    };
    const marker = new URL(back, stack.config.issuer).searchParams.get(CONSENT_MARKER_PARAM)!;
    const cases: Array<[string, string]> = [
      ['tampered', edit((p) => p.set(CONSENT_MARKER_PARAM, marker.slice(0, -1) + (marker.endsWith('A') ? 'B' : 'A')))],
      ['more scopes', edit((p) => p.set('scope', 'openid email offline_access'))],
      ['another state', edit((p) => p.set('state', 'state-2'))],
      ['on a fresh request', `${request({ prompt: 'consent' })}&${CONSENT_MARKER_PARAM}=${encodeURIComponent(marker)}`],
    ];
    for (const [label, url] of cases) assert.equal(destination(await browser.get(url)), '/consent', label);
    const other = await signedIn();
    assert.equal(destination(await other.browser.get(back)), '/consent', 'another user');
    // The untouched answer still works once: none of the above spent it.
    assert.equal(destination(await browser.get(back)), 'code');
  });

  it('prompt=consent: an answer that comes back after its 5 minutes is asked again', async () => {
    const { browser } = await signedIn();
    const back = (await answer(browser, await consentPage(browser, request({ prompt: 'consent' })), 'allow')).location!;
    time.now += CONSENT_MARKER_LIFETIME_S * 1000 + 1000;
    assert.equal(destination(await browser.get(back)), '/consent');
  });

  it('prompt=login consent: the new sign-in and the answer both survive the round trips', async () => {
    const { browser, userId } = await signedIn(nowS() - 3600);
    const toLogin = await browser.get(request({ prompt: 'login consent' }));
    assert.equal(destination(toLogin), '/login');
    const returnTo = new URL(toLogin.location!, stack.config.issuer).searchParams.get('return_to')!;
    time.now += 1000;
    browser.jar.set(SESSION_COOKIE, (await signIn(oidc.next(), userId)).cookie);
    const page = await consentPage(browser, returnTo);
    const back = (await answer(browser, page, 'allow')).location!;
    assert.equal(destination(await browser.get(back)), 'code');
  });

  it('is never asked of a first-party client', async () => {
    const { browser, userId } = await signedIn();
    for (const extra of [{}, { scope: 'openid email offline_access' }, { prompt: 'consent' }, { prompt: 'none' }] as Record<string, string>[]) {
      assert.equal(destination(await browser.get(request({ client_id: 'own', ...extra }))), 'code', JSON.stringify(extra));
    }
    assert.deepEqual(await consents.listFor(userId), []);
  });
});

describe('the consent page refuses', () => {
  it('a form without a valid antiforgery token, or without an answer, remembering nothing', async () => {
    const { browser, userId } = await signedIn();
    const page = await consentPage(browser, request());
    assert.equal((await answer(browser, page, 'allow', { _af: 'forged' })).status, 400);
    assert.equal((await answer(browser, page, undefined)).status, 400);
    assert.equal((await answer(browser, page, 'maybe')).status, 400);
    assert.equal(await consents.find(userId, 'mail'), undefined);
  });

  it('a return_to that is not an /authorize request, or names an unregistered redirect URI, with a page', async () => {
    const { browser } = await signedIn();
    for (const returnTo of ['/', 'https://evil.example/authorize?x', request({ redirect_uri: 'https://evil.example/cb' })]) {
      const shown = await browser.get(`/consent?${new URLSearchParams({ return_to: returnTo })}`);
      assert.equal(shown.status, 400, returnTo);
      assert.equal(shown.location, undefined);
    }
  });

  it('to remember a request the client may not make: the error goes to the client', async () => {
    const { browser, userId } = await signedIn();
    const page = await consentPage(browser, request());
    const narrowed = request({ client_id: 'narrow', scope: 'openid email' });
    const answered = await answer(browser, page, 'allow', { return_to: narrowed });
    assert.equal(destination(answered), 'error=invalid_scope');
    assert.equal(await consents.find(userId, 'narrow'), undefined);
  });

  it('without the session it was shown to: the answer is refused, the page sends back to /authorize and sign-in', async () => {
    const { browser, userId } = await signedIn();
    const page = await consentPage(browser, request());
    browser.jar.delete(SESSION_COOKIE);
    const answered = await answer(browser, page, 'allow');
    // The form's antiforgery token is bound to the session it was shown to.
    assert.equal(answered.status, 400);
    assert.equal(await consents.find(userId, 'mail'), undefined);
    const shown = await browser.get(`/consent?${new URLSearchParams({ return_to: request() })}`);
    assert.equal(destination(shown), '/authorize');
    assert.equal(destination(await browser.get(shown.location!)), '/login');
  });
});
