/**
 * "Where you are signed in" and "apps with access" on /account, and disabled accounts, through
 * the real handlers on DynamoDB Local: the sections list what the user has, their forms end
 * exactly what they name and only for the signed-in user, every form is antiforgery-checked,
 * removing an app's access makes its refresh token useless, and a disabled account can neither
 * sign in nor use what it already had. Also the DynamoDB calls of each step.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { User } from '../../lib/auth/user-store.js';
import { getAccountServices } from '../../lib/runtime/account-services.js';
import { getAppsSection, getSessionsSection } from '../../lib/runtime/account-session-endpoints.js';
import { getAntiforgery, getDocumentClient, getPasswordHasher, getSessions, getSignInCompletion, getUserDirectory } from '../../lib/runtime/services.js';
import { ANTIFORGERY_COOKIE, ANTIFORGERY_FIELD } from '../../lib/session/antiforgery.js';
import { SESSION_COOKIE } from '../../lib/session/sessions.js';
import { introspect, newUser, offlineTokens, oidcRoutes, refresh, registerApps, signedInBrowser, userinfo } from '../support/account-access.js';
import { countCommands } from '../support/count-commands.js';
import { httpEvent } from '../support/fake-http-event.js';
import { parseForms } from '../support/html-forms.js';
import type { BrowserAnswer, InProcessBrowser, RouteHandler } from '../support/in-process-browser.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const SAFARI_IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

let stack: TestStack;
let routes: Record<string, RouteHandler>;

before(async () => {
  stack = await startTestStack();
  Object.assign(process.env, stack.env);
  routes = await oidcRoutes();
  const accountSessions = (await import('../../functions/account-sessions.js')).handler;
  for (const path of ['/account/sessions/sign-out', '/account/sessions/sign-out-others', '/account/apps/remove']) routes[path] = accountSessions;
  routes['/login'] = (await import('../../functions/login.js')).handler;
  await registerApps(stack, 'mail', 'calendar');
});
after(() => stack?.close());

/** The section's fragment as the /account page would show it to `browser`, as a page the browser can submit. */
async function sectionPage(which: 'sessions' | 'apps', browser: InProcessBrowser, user: User): Promise<BrowserAnswer & { antiforgeryToken: string }> {
  const event = httpEvent('GET', '/account', { cookies: browser.jar });
  const current = await getSessions().verify(event);
  assert.ok(current, 'signed in');
  const af = await getAntiforgery().issue(event, { sessionId: current.session.sessionId });
  for (const line of af.cookies) browser.jar.set(ANTIFORGERY_COOKIE, line.split(';')[0]!.slice(ANTIFORGERY_COOKIE.length + 1));
  const section = which === 'sessions' ? getSessionsSection() : getAppsSection();
  const body = (await section.render({ event, user, session: current.session, antiforgeryToken: af.token, nowS: Math.floor(Date.now() / 1000) })).toString();
  return { status: 200, body, forms: parseForms(body), antiforgeryToken: af.token };
}

async function isSignedIn(browser: InProcessBrowser): Promise<boolean> {
  return (await getSessions().verify(httpEvent('GET', '/', { cookies: browser.jar }))) !== undefined;
}

describe('where you are signed in', () => {
  it('lists every session with browser and OS, marks this one, and signs out another one only', async () => {
    const user = await newUser('sessions');
    const here = await signedInBrowser(routes, user, FIREFOX_LINUX);
    const phone = await signedInBrowser(routes, user, SAFARI_IPHONE);
    const stranger = await signedInBrowser(routes, await newUser('stranger'), SAFARI_IPHONE);

    const page = await sectionPage('sessions', here.browser, user);
    assert.match(page.body, /Firefox 128 on Linux: signed in <time datetime="[^"]+">\d{4}-\d\d-\d\d \d\d:\d\d UTC<\/time>, last used <time/);
    assert.match(page.body, /Firefox 128 on Linux[^<]*<time[^>]*>[^<]*<\/time>[^<]*<time[^>]*>[^<]*<\/time> <strong>\(this browser\)<\/strong>/);
    assert.match(page.body, /Safari 17 on iOS/);
    const signOuts = page.forms.filter((f) => f.action === '/account/sessions/sign-out');
    assert.equal(signOuts.length, 1, 'a sign-out button for the other session only');
    assert.match(page.body, /aria-label="Sign out Safari 17 on iOS"/);

    const answer = await here.browser.submit(page, { session: phone.sessionId });
    assert.equal(answer.status, 303);
    assert.equal(answer.location, '/account#sessions');
    assert.equal(await isSignedIn(phone.browser), false, 'the phone is signed out');
    assert.equal(await isSignedIn(here.browser), true);
    assert.equal(await isSignedIn(stranger.browser), true);
    assert.doesNotMatch((await sectionPage('sessions', here.browser, user)).body, /Safari/);
  });

  it('signs out nobody when the form names a session of another user or this one', async () => {
    const user = await newUser('tamper');
    const here = await signedInBrowser(routes, user, FIREFOX_LINUX);
    const victim = await signedInBrowser(routes, await newUser('victim'), SAFARI_IPHONE);
    const page = await sectionPage('sessions', here.browser, user);
    const form = page.forms.find((f) => f.action === '/account/sessions/sign-out-others');
    assert.equal(form, undefined, 'no "everywhere else" without another session');
    const token = page.antiforgeryToken;
    for (const session of [victim.sessionId, here.sessionId, 'x'.repeat(22)]) {
      const answer = await here.browser.post('/account/sessions/sign-out', { [ANTIFORGERY_FIELD]: token, session });
      assert.equal(answer.status, 303);
    }
    assert.equal(await isSignedIn(victim.browser), true);
    assert.equal(await isSignedIn(here.browser), true);
  });

  it('signs out everywhere else at one write; apps keep their offline access', async () => {
    const user = await newUser('elsewhere');
    const here = await signedInBrowser(routes, user, FIREFOX_LINUX);
    const others = await Promise.all([signedInBrowser(routes, user, SAFARI_IPHONE), signedInBrowser(routes, user)]);
    const tokens = await offlineTokens(routes, others[0].browser, 'mail');
    const page = await sectionPage('sessions', here.browser, user);
    const counter = countCommands(getDocumentClient());
    const answer = await here.browser.submit({ ...page, forms: page.forms.filter((f) => f.action === '/account/sessions/sign-out-others') }, {});
    assert.equal(answer.status, 303);
    assert.deepEqual(counter.counts(), { BatchGetItem: 1, PutItem: 1 }, 'the session checked, the cutoff written');
    for (const other of others) assert.equal(await isSignedIn(other.browser), false);
    assert.equal(await isSignedIn(here.browser), true);
    assert.equal((await refresh(routes, 'mail', tokens.refresh_token)).status, 200, 'the app still refreshes');
    assert.equal((await getSessions().listFor(user.id)).length, 1);
  });

  it('refuses every form without a valid antiforgery token, and sends the signed-out to sign in', async () => {
    const user = await newUser('af');
    const here = await signedInBrowser(routes, user, FIREFOX_LINUX);
    const other = await signedInBrowser(routes, user, SAFARI_IPHONE);
    await sectionPage('sessions', here.browser, user);
    for (const [path, fields] of [
      ['/account/sessions/sign-out', { session: other.sessionId }],
      ['/account/sessions/sign-out-others', {}],
      ['/account/apps/remove', { client: 'mail' }],
    ] as const) {
      assert.equal((await here.browser.post(path, fields)).status, 400, `${path} without a token`);
      assert.equal((await here.browser.post(path, { ...fields, [ANTIFORGERY_FIELD]: 'forged' })).status, 400, `${path} with a forged token`);
    }
    assert.equal(await isSignedIn(other.browser), true);
    const anonymous = await signedInBrowser(routes, user);
    anonymous.browser.jar.delete(SESSION_COOKIE);
    const answer = await anonymous.browser.post('/account/sessions/sign-out-others', {});
    assert.equal(answer.status, 303);
    assert.match(answer.location ?? '', /^\/login\?return_to=%2Faccount/);
  });

  it('counts: the sessions section is one Query; reading the cookie without sliding is none', async () => {
    const user = await newUser('count');
    const here = await signedInBrowser(routes, user, FIREFOX_LINUX);
    await sectionPage('sessions', here.browser, user);
    const event = httpEvent('GET', '/account', { cookies: here.browser.jar });
    const current = (await getSessions().read(event))!;
    const counter = countCommands(getDocumentClient());
    await getSessions().read(event);
    assert.equal(counter.total(), 0);
    await getSessionsSection().render({ event, user, session: current.session, antiforgeryToken: 't', nowS: 0 });
    assert.deepEqual(counter.counts(), { Query: 1 });
  });
});

describe('apps with access', () => {
  it('lists the apps holding offline access or a consent, by name, and removing one kills its refresh and access tokens', async () => {
    const user = await newUser('apps');
    const here = await signedInBrowser(routes, user, FIREFOX_LINUX);
    const mail = await offlineTokens(routes, here.browser, 'mail');
    await getAccountServices().consents.grant(user.id, 'calendar', ['openid', 'profile']);
    const page = await sectionPage('apps', here.browser, user);
    assert.match(page.body, /App calendar: may read profile/);
    assert.match(page.body, /App mail: may read email, offline_access, with offline access until <time/);
    assert.match(page.body, /aria-label="Remove access of App mail"/);

    const removeMail = page.forms.find((f) => f.fields.some(([name, value]) => name === 'client' && value === 'mail'))!;
    const answer = await here.browser.submit({ ...page, forms: [removeMail] }, { client: 'mail' });
    assert.equal(answer.status, 303);
    assert.equal(answer.location, '/account#apps');
    const refused = await refresh(routes, 'mail', mail.refresh_token);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'invalid_grant');
    assert.equal(await introspect(routes, 'mail', mail.access_token), false);
    assert.equal((await userinfo(routes, mail.access_token)).status, 401);

    const removeCalendar = (await sectionPage('apps', here.browser, user)).forms;
    assert.equal(removeCalendar.length, 1, 'only calendar is left');
    await here.browser.submit({ status: 200, body: '', forms: removeCalendar }, { client: 'calendar' });
    assert.equal(await getAccountServices().consents.find(user.id, 'calendar'), undefined, 'the consent is forgotten');
    assert.match((await sectionPage('apps', here.browser, user)).body, /No app has access/);
    assert.equal(await isSignedIn(here.browser), true, 'removing an app signs nobody out');
  });

  it('removes nothing of another user', async () => {
    const owner = await newUser('owner');
    const ownerBrowser = await signedInBrowser(routes, owner);
    const tokens = await offlineTokens(routes, ownerBrowser.browser, 'mail');
    const attacker = await newUser('attacker');
    const attackerBrowser = await signedInBrowser(routes, attacker);
    await offlineTokens(routes, attackerBrowser.browser, 'mail');
    const page = await sectionPage('apps', attackerBrowser.browser, attacker);
    await attackerBrowser.browser.submit(page, { client: 'mail' });
    assert.equal((await refresh(routes, 'mail', tokens.refresh_token)).status, 200);
  });
});

describe('disabled accounts', () => {
  it('cannot sign in with a password (403, no session) and nothing of the account works any more', async () => {
    const password = `correct horse ${randomBytes(6).toString('hex')}`;
    const user = await getUserDirectory().create({ email: `off-${randomBytes(4).toString('hex')}@example.com`, name: 'D', emailVerified: true, passwordHash: await getPasswordHasher().hash(password) });
    const before = await signedInBrowser(routes, user, FIREFOX_LINUX);
    const tokens = await offlineTokens(routes, before.browser, 'mail');

    assert.deepEqual(await getAccountServices().status.disable(user.id), { found: true, revokedGrants: 1 });
    assert.equal(await isSignedIn(before.browser), false, 'its session ended');
    assert.equal((await refresh(routes, 'mail', tokens.refresh_token)).body.error, 'invalid_grant');
    assert.equal((await userinfo(routes, tokens.access_token)).status, 401);
    assert.equal(await introspect(routes, 'mail', tokens.access_token), false);
    assert.equal(await introspect(routes, 'mail', tokens.refresh_token), false);

    const browser = (await signedInBrowser(routes, await newUser())).browser;
    browser.jar.clear();
    const login = await browser.get('/login');
    const answer = await browser.submit(login, { email: user.email, password });
    assert.equal(answer.status, 403);
    assert.match(answer.body, /This account is disabled/);
    assert.equal(browser.jar.has(SESSION_COOKIE), false);
    const wrong = await browser.submit(await browser.get('/login'), { email: user.email, password: `${password}x` });
    assert.doesNotMatch(wrong.body, /This account is disabled/, 'a wrong password learns nothing about the account');
    assert.match(wrong.body, /The email or password is incorrect/);

    await getAccountServices().status.enable(user.id);
    const form = await browser.get('/login');
    const counter = countCommands(getDocumentClient());
    const again = await browser.submit(form, { email: user.email, password });
    assert.equal(again.status, 303, 'enabled again, it signs in');
    // The disabled check takes the user the password check read: the user item is read once,
    // with its second factors, in the Query after the address item.
    assert.deepEqual([counter.count('GetItem'), counter.count('Query')], [1, 1], 'the address, then the user with its TOTP item and passkeys; not the user again');
    assert.equal((await refresh(routes, 'mail', tokens.refresh_token)).body.error, 'invalid_grant', 'what disabling ended stays ended');
  });

  it('leaves no usable token when disabling races ten code exchanges on real DynamoDB', async () => {
    const user = await newUser('race');
    const { browser } = await signedInBrowser(routes, user);
    const outcomes = await Promise.allSettled([
      ...Array.from({ length: 10 }, () => offlineTokens(routes, browser, 'mail')),
      getAccountServices().status.disable(user.id),
    ]);
    const issued = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' && outcome.value !== undefined && 'refresh_token' in outcome.value ? [outcome.value] : []));
    for (const tokens of issued) {
      assert.equal((await refresh(routes, 'mail', tokens.refresh_token)).body.error, 'invalid_grant');
      assert.equal((await userinfo(routes, tokens.access_token)).status, 401);
      assert.equal(await introspect(routes, 'mail', tokens.access_token), false);
    }
    assert.deepEqual(await getAccountServices().grants.familiesOf(user.id), []);
  });

  it('stops every sign-in method at the one completion they share', async () => {
    const user = await newUser('methods');
    await getAccountServices().status.disable(user.id);
    for (const methods of [['pwd'], ['otp'], ['hwk', 'user'], ['pwd', 'otp', 'mfa']] as const) {
      const answer = await getSignInCompletion().complete({ event: httpEvent('POST', '/login'), subject: user.id, methods });
      assert.equal(answer.statusCode, 403, methods.join('+'));
      assert.ok(!(answer.cookies ?? []).some((line) => line.startsWith(`${SESSION_COOKIE}=`)));
    }
    assert.deepEqual(await getSessions().listFor(user.id), []);
  });
});
