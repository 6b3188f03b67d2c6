/**
 * /account and the account's own sections (name, email address, password, deletion) through the
 * real handlers (as Lambda calls them) on DynamoDB Local: signed-in only, recent sign-in where
 * the issue asks for it, every form's antiforgery, what each change ends and mails.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { systemClock } from '../../lib/clock.js';
import { UserDirectory } from '../../lib/store/user-directory.js';
import { newTotpSecret, totpCodeAt, TOTP_PERIOD_S } from '../../lib/auth/totp.js';
import { countCommands } from '../support/count-commands.js';
import { useHandlerStack } from '../support/handler-stack.js';
import { InProcessBrowser, type BrowserAnswer } from '../support/in-process-browser.js';
import { newEmail, passwordAccount } from '../support/password-accounts.js';

const PASSWORD = 'account pages passphrase one';
const NEW_PASSWORD = 'account pages passphrase two';
const ACTION_PATHS = ['/account/profile', '/account/email', '/account/password', '/account/delete'];

let users: UserDirectory;
const handlers = useHandlerStack(
  { '/': 'home', '/login': 'login', '/account': 'account', ...Object.fromEntries(ACTION_PATHS.map((path) => [path, 'account-actions'])) },
  {
    env: { OTP_RESEND_AFTER_S: '1' },
    setUp: (stack) => {
      users = new UserDirectory({ client: stack.documentClient(), tableName: stack.config.tables.directory, clock: systemClock });
    },
  },
);

const browser = () => new InProcessBrowser(handlers.routes);
const account = (label: string) => passwordAccount(users, label, { name: 'Account Tester', password: PASSWORD });

async function signedInBrowser(email: string, password = PASSWORD): Promise<InProcessBrowser> {
  const b = browser();
  const answer = await b.submit(await b.get('/login'), { email, password });
  assert.equal(answer.status, 303, answer.body);
  return b;
}

/** A browser whose session was signed in with `methods` long before RECENT_AUTH_S (a cookie made as /login makes it). */
async function staleBrowser(userId: string, methods: Array<'pwd' | 'otp'> = ['pwd']): Promise<InProcessBrowser> {
  const { getSessions } = await import('../../lib/runtime/services.js');
  const { cookie } = await getSessions().start({ subject: userId, methods, authTime: Math.floor(Date.now() / 1000) - handlers.stack.config.account.recentAuthS - 5 });
  const b = browser();
  b.jar.set('__Host-session', cookie.slice(cookie.indexOf('=') + 1, cookie.indexOf(';')));
  return b;
}

async function signInStatus(email: string, password: string): Promise<number> {
  const b = browser();
  return (await b.submit(await b.get('/login'), { email, password })).status;
}

const isSignedIn = async (b: InProcessBrowser) => (await b.get('/account')).status === 200;

describe('/account', () => {
  it('sends a visitor without a session to sign in and back, and is linked from the home page', async () => {
    const answer = await browser().get('/account');
    assert.equal(answer.status, 303);
    assert.equal(answer.location, '/login?return_to=%2Faccount');
    for (const path of ['/account/email', '/account/password', '/account/delete']) {
      assert.equal((await browser().get(path)).location, `/login?return_to=${encodeURIComponent(path)}`);
    }
    const { email } = await account('home');
    const b = await signedInBrowser(email);
    assert.match((await b.get('/')).body, /href="\/account"/);
  });

  it('shows the sections in order, each with its heading, forms carrying the antiforgery token', async () => {
    const { email } = await account('page');
    const b = await signedInBrowser(email);
    const page = await b.get('/account');
    assert.equal(page.status, 200);
    const ids = [...page.body.matchAll(/<section id="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(ids.slice(0, 3), ['profile', 'email', 'password']);
    assert.equal(ids.at(-1), 'delete');
    assert.ok(page.body.includes(email));
    for (const form of page.forms.filter((f) => f.method === 'POST')) assert.ok(form.inputNames.includes('_af'), form.action);
    const allIds = [...page.body.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(allIds.filter((id, i) => allIds.indexOf(id) !== i), [], 'every id once, so each label names one input');
    assert.match(page.body, /<label for="field-name">Your name/);
  });

  it('refuses every POST without its antiforgery token, or with a token of another session', async () => {
    const { email } = await account('af');
    const b = await signedInBrowser(email);
    const other = await signedInBrowser(email);
    const foreign = (await other.get('/account')).forms.find((f) => f.action === '/account/profile')!;
    const token = foreign.fields.find(([name]) => name === '_af')![1];
    for (const path of ACTION_PATHS) {
      const missing = await b.post(path, { name: 'Mallory', email: 'x@example.com', password: NEW_PASSWORD, step: 'address' });
      assert.equal(missing.status, 400, path);
      assert.match(missing.body, /can no longer be sent/, path);
      const crossed = await b.post(path, { _af: token, name: 'Mallory', step: 'address', email: 'x@example.com', password: NEW_PASSWORD });
      assert.equal(crossed.status, 400, `${path}: a form token of another session`);
    }
    assert.equal((await users.findByEmail(email))?.name, 'Account Tester', 'nothing changed');
  });
});

describe('name', () => {
  it('saves a new name, and keeps a refused one in the field', async () => {
    const { email } = await account('name');
    const b = await signedInBrowser(email);
    const page = await b.get('/account');
    const saved = await b.submit(page, { name: '  Ada Byron ' });
    assert.equal(saved.status, 303);
    assert.equal(saved.location, '/account?done=profile');
    assert.match((await b.get(saved.location!)).body, /Your name was saved/);
    assert.equal((await users.findByEmail(email))?.name, 'Ada Byron');
    const refused = await b.submit(await b.get('/account'), { name: `bad\u202Ename` });
    assert.equal(refused.status, 400);
    assert.ok(refused.body.includes('value="bad\u202Ename"'), 'the typed name is kept');
  });
});

describe('password change', () => {
  it('with a recent sign-in: no current password asked; other sessions end, this one stays; a mail', async () => {
    const { email } = await account('pw-recent');
    const b = await signedInBrowser(email);
    const other = await signedInBrowser(email);
    const form = await b.get('/account/password');
    assert.equal(form.status, 200);
    assert.doesNotMatch(form.body, /current-password/);
    assert.match(form.body, /autocomplete="new-password"/);
    const weak = await b.submit(form, { password: 'password' });
    assert.equal(weak.status, 400);
    const since = new Date();
    const done = await b.submit(weak, { password: NEW_PASSWORD });
    assert.equal(done.status, 303);
    assert.equal(done.location, '/account?done=password');
    assert.ok(await isSignedIn(b), 'this browser stays signed in');
    assert.equal(await isSignedIn(other), false, 'the other session ended');
    assert.equal(await signInStatus(email, PASSWORD), 401);
    assert.match((await handlers.outbox.waitForMessage(email, since)).subject, /password was changed/);
  });

  it('without a recent sign-in: asks the current password, refuses a wrong one, takes the right one', async () => {
    const user = await account('pw-stale');
    const b = await staleBrowser(user.id);
    const form = await b.get('/account/password');
    assert.match(form.body, /autocomplete="current-password"/);
    const wrong = await b.submit(form, { current_password: 'not my password at all', password: NEW_PASSWORD });
    assert.equal(wrong.status, 400);
    assert.match(wrong.body, /current password is not right/);
    assert.doesNotMatch(wrong.body, /not my password at all|account pages passphrase two/, 'no password is echoed');
    const done = await b.submit(wrong, { current_password: PASSWORD, password: NEW_PASSWORD });
    assert.equal(done.status, 303);
    assert.equal(await signInStatus(user.email, NEW_PASSWORD), 303);
  });
});

describe('email change', () => {
  it('without a recent sign-in, sends the user to sign in again and back, address filled in', async () => {
    const user = await account('em-stale');
    const answer = await (await staleBrowser(user.id)).get('/account/email');
    assert.equal(answer.status, 303);
    assert.equal(answer.location, `/login?return_to=%2Faccount%2Femail&login_hint=${encodeURIComponent(user.email)}`);
  });

  it('a code-only sign-in is recent for an account without a second factor', async () => {
    const user = await account('em-otp');
    const { getSessions } = await import('../../lib/runtime/services.js');
    const { cookie } = await getSessions().start({ subject: user.id, methods: ['otp'] });
    const b = browser();
    b.jar.set('__Host-session', cookie.slice(cookie.indexOf('=') + 1, cookie.indexOf(';')));
    assert.equal((await b.get('/account/email')).status, 200);
  });

  it('a code-only sign-in is not recent for an account with a second factor; with the second factor it is', async () => {
    const user = await account('em-mfa');
    const secret = newTotpSecret();
    const { getTotpFactor } = await import('../../lib/runtime/second-factor-services.js');
    assert.ok((await getTotpFactor().activate(user.id, secret, totpCodeAt(secret, Date.now() - TOTP_PERIOD_S * 1000))).ok);
    const { getSessions } = await import('../../lib/runtime/services.js');
    for (const [methods, status] of [[['otp'], 303], [['otp', 'mfa'], 200]] as const) {
      const { cookie } = await getSessions().start({ subject: user.id, methods });
      const b = browser();
      b.jar.set('__Host-session', cookie.slice(cookie.indexOf('=') + 1, cookie.indexOf(';')));
      assert.equal((await b.get('/account/email')).status, status, methods.join(' '));
    }
  });

  it('proves the new address with a code, moves the account, mails the old address; the old one can register again', async () => {
    const user = await account('em-old');
    const b = await signedInBrowser(user.email);
    const to = newEmail('em-new');
    const since = new Date();
    const codePage = await b.submit(await b.get('/account/email'), { email: to });
    assert.equal(codePage.status, 200, codePage.body);
    const code = await handlers.outbox.waitForCode(to, since);
    assert.equal((await users.findById(user.id))?.email, user.email, 'nothing changes before the code');
    const wrong = await b.submit(codePage, { code: String((Number(code) + 1) % 1_000_000).padStart(6, '0') });
    assert.equal(wrong.status, 400);
    const done = await b.submit(wrong, { code });
    assert.equal(done.status, 303);
    assert.equal(done.location, '/account?done=email');
    assert.equal((await users.findById(user.id))?.email, to);
    assert.match((await handlers.outbox.waitForMessage(user.email, since)).subject, /email address of your .* account was changed/);
    assert.equal(await signInStatus(to, PASSWORD), 303);
    assert.equal(await signInStatus(user.email, PASSWORD), 401);
    const someoneElse = await users.create({ email: user.email, name: 'Newcomer', emailVerified: true });
    assert.notEqual(someoneElse.id, user.id);
    // The code was used with its flow: sending it again changes nothing.
    assert.equal((await b.post('/account/email', { step: 'code', code, _af: /name="_af" value="([^"]+)"/.exec(wrong.body)![1]! })).status, 400);
  });

  it('answers a taken address like a free one, mails it a notice instead of a code, and never moves there', async () => {
    const user = await account('em-taker');
    const owner = await account('em-owner');
    const b = await signedInBrowser(user.email);
    const since = new Date();
    const codePage = await b.submit(await b.get('/account/email'), { email: owner.email });
    assert.equal(codePage.status, 200);
    const notice = await handlers.outbox.waitForMessage(owner.email, since);
    assert.doesNotMatch(notice.text, /\b\d{6}\b/);
    const refused = await b.submit(codePage, { code: '123456' });
    assert.equal(refused.status, 400);
    assert.equal((await users.findById(user.id))?.email, user.email);
    assert.equal((await users.findByEmail(owner.email))?.id, owner.id);
  });
});

describe('delete account', () => {
  it('without a recent sign-in, sends the user to sign in again', async () => {
    const user = await account('del-stale');
    const answer = await (await staleBrowser(user.id)).get('/account/delete');
    assert.equal(answer.status, 303);
    assert.match(answer.location ?? '', /^\/login\?return_to=%2Faccount%2Fdelete/);
    assert.ok(await users.findById(user.id));
  });

  it('confirms, deletes, ends every session, mails; the address can register again', async () => {
    const user = await account('del');
    const b = await signedInBrowser(user.email);
    const other = await signedInBrowser(user.email);
    const confirm = await b.get('/account/delete');
    assert.equal(confirm.status, 200);
    const since = new Date();
    const done = await b.submit(confirm, {});
    assert.equal(done.status, 303);
    assert.equal(done.location, '/');
    assert.ok(!b.jar.has('__Host-session'), 'the session cookie is dropped');
    assert.equal(await users.findById(user.id), undefined);
    assert.equal(await isSignedIn(other), false);
    assert.match((await handlers.outbox.waitForMessage(user.email, since)).subject, /account was deleted/);
    const again = await users.create({ email: user.email, name: 'Again', emailVerified: true });
    assert.notEqual(again.id, user.id);
  });
});

describe('costs', () => {
  it('counts the DynamoDB calls of GET /account and of each change (warm)', async () => {
    const { getDocumentClient } = await import('../../lib/runtime/services.js');
    const counter = countCommands(getDocumentClient());
    const { email } = await account('cost');
    const b = await signedInBrowser(email);
    await b.get('/account');
    const measure = async (step: () => Promise<BrowserAnswer>) => {
      counter.reset();
      await step();
      return counter.counts();
    };
    const page = await measure(() => b.get('/account'));
    const name = await measure(async () => b.submit(await b.get('/account'), { name: 'Cost Name' }));
    const pwForm = await b.get('/account/password');
    const password = await measure(() => b.submit(pwForm, { password: NEW_PASSWORD }));
    const to = newEmail('cost-new');
    const emailForm = await b.get('/account/email');
    const since = new Date();
    let codePage: BrowserAnswer | undefined;
    const emailAddress = await measure(async () => (codePage = await b.submit(emailForm, { email: to })));
    const code = await handlers.outbox.waitForCode(to, since);
    const emailCode = await measure(() => b.submit(codePage!, { code }));
    const confirm = await b.get('/account/delete');
    const deletion = await measure(() => b.submit(confirm, {}));
    console.log('account DynamoDB calls', JSON.stringify({ page, name, password, emailAddress, emailCode, deletion }));
    assert.ok((page.GetItem ?? 0) + (page.BatchGetItem ?? 0) >= 1);
  });
});
