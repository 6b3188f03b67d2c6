/**
 * Passkeys through the real handlers (as Lambda calls them) on DynamoDB Local, with a software
 * authenticator standing in for the browser's WebAuthn: the offer after a password sign-in, adding
 * a passkey, signing in with it (with and without user verification, which the second-factor gate
 * tells apart), renaming and removing it, and the JSON endpoints' refusals.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { PasswordHasher } from '../../lib/auth/password-hasher.js';
import type { User } from '../../lib/auth/user-store.js';
import { PasskeyAccountEndpoint } from '../../lib/pages/passkey-account-endpoint.js';
import { getMailer } from '../../lib/runtime/mail-services.js';
import { getPasskeyRegistration } from '../../lib/runtime/passkey-services.js';
import { getTotpStore } from '../../lib/runtime/second-factor-lookup.js';
import { getAntiforgery, getSessions, getUserDirectory } from '../../lib/runtime/services.js';
import { httpEvent } from '../support/fake-http-event.js';
import { getPasskeyStore } from '../../lib/runtime/passkey-store.js';
import { parseAttributes, type HtmlForm } from '../support/html-forms.js';
import { InProcessBrowser, type BrowserAnswer, type RouteHandler } from '../support/in-process-browser.js';
import { OutboxReader } from '../support/outbox-reader.js';
import { TEST_PASSWORD_SETTINGS } from '../support/password-hashing.js';
import { SoftwareAuthenticator, type CeremonyOverrides } from '../support/software-authenticator.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const PASSWORD = 'correct horse battery staple';
const ORIGIN = 'http://localhost:3000';
let stack: TestStack;
let outbox: OutboxReader;
const routes: Record<string, RouteHandler> = {};

before(async () => {
  stack = await startTestStack();
  Object.assign(process.env, stack.env);
  outbox = new OutboxReader(stack.config);
  routes['/login'] = (await import('../../functions/login.js')).handler;
  routes['/register'] = (await import('../../functions/register.js')).handler;
  routes['/login/second-factor'] = (await import('../../functions/second-factor.js')).handler;
  const signIn = (await import('../../functions/passkey-sign-in.js')).handler;
  const account = (await import('../../functions/passkey-account.js')).handler;
  for (const path of ['/passkeys/sign-in', '/passkeys/sign-in/options']) routes[path] = signIn;
  for (const path of ['/passkeys/offer', '/account/passkeys/options', '/account/passkeys/add', '/account/passkeys/rename', '/account/passkeys/remove']) routes[path] = account;
});
after(async () => {
  outbox?.close();
  await stack?.close();
});

let ips = 0;
const browser = () => new InProcessBrowser(routes, undefined, `198.51.100.${++ips}`);

async function newUser(): Promise<User> {
  const passwordHash = await new PasswordHasher(TEST_PASSWORD_SETTINGS).hash(PASSWORD);
  return getUserDirectory().create({ email: `pk-${randomBytes(4).toString('hex')}@example.com`, name: 'Passkey User', emailVerified: true, passwordHash });
}

async function passwordSignIn(b: InProcessBrowser, user: User, { capable, returnTo = '/authorize?client_id=x' }: { capable: boolean; returnTo?: string }) {
  const login = await b.get(`/login?return_to=${encodeURIComponent(returnTo)}`);
  return b.submit(login, { email: user.email, password: PASSWORD, passkey_capable: capable ? 'yes' : '' });
}

function attributesOf(form: HtmlForm): Record<string, string> {
  return parseAttributes(/<form\b([^>]*)>/i.exec(form.html)?.[1] ?? '');
}

function antiforgeryTokenOf(page: BrowserAnswer): string {
  const token = page.forms[0]?.fields.find(([name]) => name === '_af')?.[1];
  assert.ok(token, `an antiforgery token in ${page.body}`);
  return token;
}

/** What the browser script does: POST the form's fields (antiforgery token included) to its data-options URL. */
async function fetchOptions(b: InProcessBrowser, page: BrowserAnswer, kind: 'sign-in' | 'register') {
  const form = page.forms.find((f) => attributesOf(f)['data-passkey'] === kind);
  assert.ok(form, `a ${kind} form in ${page.body}`);
  const fields = Object.fromEntries(form.fields.filter(([name]) => name !== 'credential'));
  const answer = await b.post(attributesOf(form)['data-options']!, fields);
  return { answer, json: JSON.parse(answer.body) as { options?: Record<string, unknown> & { challenge: string }; error?: string } };
}

async function addPasskey(b: InProcessBrowser, page: BrowserAnswer, authenticator: SoftwareAuthenticator, overrides: CeremonyOverrides = {}) {
  const { json } = await fetchOptions(b, page, 'register');
  assert.ok(json.options, JSON.stringify(json));
  const credential = authenticator.register(json.options as never, overrides);
  return b.submit(page, { credential: JSON.stringify(credential) });
}

async function passkeySignIn(b: InProcessBrowser, authenticator: SoftwareAuthenticator, overrides: CeremonyOverrides = {}) {
  const login = await b.get('/login?return_to=%2Fdone');
  assert.match(login.body, /autocomplete="username webauthn"/);
  const { json } = await fetchOptions(b, login, 'sign-in');
  assert.ok(json.options);
  return b.submit(login, { credential: JSON.stringify(authenticator.authenticate(json.options, overrides)) });
}

describe('passkeys through the handlers', () => {
  it('goes straight on after a password sign-in when the browser cannot make a passkey', async () => {
    const answer = await passwordSignIn(browser(), await newUser(), { capable: false });
    assert.equal(answer.status, 303);
    assert.equal(answer.location, '/authorize?client_id=x');
  });

  it('offers a passkey right after registration, on a device that can make one', async () => {
    const email = `pk-new-${randomBytes(4).toString('hex')}@example.com`;
    const b = browser();
    const start = await b.get('/register?return_to=%2Fwelcome');
    const since = new Date();
    const codeStep = await b.submit(start, { email });
    const details = await b.submit(codeStep, { code: await outbox.waitForCode(email, since) });
    const done = await b.submit(details, { name: 'New', password: PASSWORD, passkey_capable: 'yes' });
    assert.equal(done.status, 303, done.body);
    assert.equal(done.location, '/passkeys/offer?return_to=%2Fwelcome');
    assert.equal((await b.get(done.location!)).status, 200);
  });

  it('offers a passkey after a password sign-in, adds it, and goes on to return_to', async () => {
    const user = await newUser();
    const b = browser();
    const signedIn = await passwordSignIn(b, user, { capable: true });
    assert.equal(signedIn.location, `/passkeys/offer?return_to=${encodeURIComponent('/authorize?client_id=x')}`);
    const offer = await b.get(signedIn.location!);
    assert.equal(offer.status, 200);
    assert.match(offer.body, /Sign in faster next time/);
    assert.match(offer.body, /<script src="\/assets\/passkeys\.js\?v=[\w-]+" defer><\/script>/);
    assert.doesNotMatch(offer.body, /<script>/, 'no inline script');

    const since = new Date();
    const added = await addPasskey(b, offer, new SoftwareAuthenticator({ origin: ORIGIN, synced: true, counting: false }));
    assert.equal(added.status, 303, added.body);
    assert.equal(added.location, '/authorize?client_id=x');
    const [passkey] = await getPasskeyStore().listFor(user.id);
    assert.equal(passkey?.name, 'Synced passkey');
    const mail = await outbox.waitForMessage(user.email, since);
    assert.match(mail.subject, /A passkey was added/);

    const again = await passwordSignIn(browser(), user, { capable: true });
    assert.equal(again.location, '/login/second-factor', 'a user with a passkey is asked for a second factor, and offered nothing');
  });

  it('signs in with a user-verified passkey as both factors, and without verification asks for the second step', async () => {
    const user = await newUser();
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    const b = browser();
    const offer = await b.get((await passwordSignIn(b, user, { capable: true })).location!);
    assert.equal((await addPasskey(b, offer, authenticator)).status, 303);

    const verified = await passkeySignIn(browser(), authenticator);
    assert.equal(verified.status, 303, verified.body);
    assert.equal(verified.location, '/done');

    const unverified = await passkeySignIn(browser(), authenticator, { userVerified: false });
    assert.equal(unverified.status, 303);
    assert.equal(unverified.location, '/login/second-factor');
  });

  it('refuses a failed passkey sign-in with the login page, and options without the page’s antiforgery token', async () => {
    const user = await newUser();
    const b = browser();
    const offer = await b.get((await passwordSignIn(b, user, { capable: true })).location!);
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    await addPasskey(b, offer, authenticator);

    const refused = await passkeySignIn(browser(), authenticator, { origin: 'https://evil.example' });
    assert.equal(refused.status, 401);
    assert.match(refused.body, /That passkey could not sign you in/);
    assert.ok(refused.forms.some((f) => attributesOf(f)['data-passkey'] === 'sign-in'), 'the page offers another try');

    const stranger = browser();
    const options = await stranger.post('/passkeys/sign-in/options', { _af: 'forged' });
    assert.equal(options.status, 403);
    assert.equal(JSON.parse(options.body).error, 'invalid_request');
    const registration = await stranger.post('/account/passkeys/options', {});
    assert.equal(registration.status, 401, 'registration options need a session');
    assert.equal(JSON.parse(registration.body).error, 'login_required');
  });

  it('refuses a passkey created without user verification, and adds nothing', async () => {
    const user = await newUser();
    const b = browser();
    const offer = await b.get((await passwordSignIn(b, user, { capable: true })).location!);
    const refused = await addPasskey(b, offer, new SoftwareAuthenticator({ origin: ORIGIN }), { userVerified: false });
    assert.equal(refused.status, 400);
    assert.match(refused.body, /without your fingerprint, face or screen lock/);
    assert.deepEqual(await getPasskeyStore().listFor(user.id), []);
  });

  it('renames a passkey, and removes the last one only with the warning acknowledged and the second factor proved', async () => {
    const user = await newUser();
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    const b = browser();
    const offer = await b.get((await passwordSignIn(b, user, { capable: true })).location!);
    await addPasskey(b, offer, authenticator);
    const [passkey] = await getPasskeyStore().listFor(user.id);
    assert.ok(passkey);
    const af = antiforgeryTokenOf(offer);

    const renamed = await b.post('/account/passkeys/rename', { _af: af, passkey: passkey.id, name: '  Work laptop\u0000 ' });
    assert.equal(renamed.location, '/account#passkeys');
    assert.equal((await getPasskeyStore().find(passkey.id))?.name, 'Work laptop');

    const unconfirmed = await b.post('/account/passkeys/remove', { _af: af, passkey: passkey.id });
    assert.equal(unconfirmed.status, 400);
    // Signed in with a password only: the passkey is this user's only second factor.
    const unproved = await b.post('/account/passkeys/remove', { _af: af, passkey: passkey.id, confirm: 'yes' });
    assert.equal(unproved.status, 403);
    assert.match(unproved.body, /only second factor/);
    assert.ok(await getPasskeyStore().find(passkey.id));

    const p = browser();
    assert.equal((await passkeySignIn(p, authenticator)).location, '/done');
    const login = await p.get('/login');
    const passkeyAf = antiforgeryTokenOf(login);
    const since = new Date();
    const removed = await p.post('/account/passkeys/remove', { _af: passkeyAf, passkey: passkey.id, confirm: 'yes' });
    assert.equal(removed.status, 303, removed.body);
    assert.deepEqual(await getPasskeyStore().listFor(user.id), []);
    assert.match((await outbox.waitForMessage(user.email, since)).text, /The passkey "Work laptop" was removed/);
    assert.equal((await passkeySignIn(browser(), authenticator)).status, 401, 'a removed passkey signs nobody in');
  });

  it("does not touch another user's passkey", async () => {
    const owner = await newUser();
    const ownerBrowser = browser();
    const offer = await ownerBrowser.get((await passwordSignIn(ownerBrowser, owner, { capable: true })).location!);
    await addPasskey(ownerBrowser, offer, new SoftwareAuthenticator({ origin: ORIGIN }));
    const [passkey] = await getPasskeyStore().listFor(owner.id);

    const other = browser();
    await passwordSignIn(other, await newUser(), { capable: false });
    const login = await other.get('/login');
    const af = antiforgeryTokenOf(login);
    await other.post('/account/passkeys/rename', { _af: af, passkey: passkey!.id, name: 'Mine' });
    await other.post('/account/passkeys/remove', { _af: af, passkey: passkey!.id, confirm: 'yes' });
    assert.deepEqual(await getPasskeyStore().listFor(owner.id), [passkey]);
  });

  it('asks for a fresh sign-in before adding or removing a passkey once the sign-in is older than RECENT_AUTH_S', async () => {
    const user = await newUser();
    const b = browser();
    const offer = await b.get((await passwordSignIn(b, user, { capable: true })).location!);
    await addPasskey(b, offer, new SoftwareAuthenticator({ origin: ORIGIN }));
    const [passkey] = await getPasskeyStore().listFor(user.id);
    // The same endpoint as the function's, on a clock 301 s after the sign-in.
    const later = new PasskeyAccountEndpoint({
      antiforgery: getAntiforgery(),
      sessions: getSessions(),
      users: getUserDirectory(),
      passkeys: getPasskeyStore(),
      registration: getPasskeyRegistration(),
      totp: getTotpStore(),
      mailer: getMailer(),
      recentAuthS: 300,
      clock: () => Date.now() + 301_000,
      formActionOrigins: () => [],
    });
    const post = (path: string, fields: Record<string, string>) =>
      later.handle(httpEvent('POST', path, { body: new URLSearchParams({ _af: antiforgeryTokenOf(offer), ...fields }).toString(), cookies: b.jar }));
    const options = await post('/account/passkeys/options', {});
    assert.equal(options.statusCode, 401);
    assert.deepEqual(JSON.parse(String(options.body)), {
      error: 'login_required',
      error_description: 'Sign in again to change your passkeys.',
      location: '/login?return_to=%2Faccount%23passkeys',
    });
    const remove = await post('/account/passkeys/remove', { passkey: passkey!.id, confirm: 'yes' });
    assert.equal(remove.statusCode, 303);
    assert.equal(remove.headers?.Location, '/login?return_to=%2Faccount%23passkeys');
    assert.equal((await getPasskeyStore().listFor(user.id)).length, 1);
    const rename = await post('/account/passkeys/rename', { passkey: passkey!.id, name: 'Still mine' });
    assert.equal(rename.headers?.Location, '/account#passkeys', 'renaming needs no fresh sign-in');
    assert.equal((await getPasskeyStore().find(passkey!.id))?.name, 'Still mine');
  });
});
