/**
 * "Forgot your password?" through the real handlers (as Lambda calls them) on DynamoDB Local:
 * the whole flow, what it ends (every other session, every app grant), identical answers for an
 * unknown address, codes that only work for their own purpose, single use, the password rules
 * and antiforgery on every step.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getUserDirectory } from '../../lib/runtime/services.js';
import { countCommands } from '../support/count-commands.js';
import { useHandlerStack } from '../support/handler-stack.js';
import { InProcessBrowser, type BrowserAnswer } from '../support/in-process-browser.js';
import { newEmail, passwordAccount } from '../support/password-accounts.js';

const OLD_PASSWORD = 'the old password that leaked';
const NEW_PASSWORD = 'a brand new passphrase 2026';

const handlers = useHandlerStack(
  { '/': 'home', '/login': 'login', '/login/code': 'login-code', '/password/forgot': 'password-reset' },
  { env: { OTP_RESEND_AFTER_S: '1' } },
);

const browser = () => new InProcessBrowser(handlers.routes);
const account = (label: string) => passwordAccount(getUserDirectory(), label, { name: 'Reset Tester', password: OLD_PASSWORD });

async function passwordSignIn(b: InProcessBrowser, email: string, password: string): Promise<BrowserAnswer> {
  return b.submit(await b.get('/login'), { email, password });
}

const signedIn = async (b: InProcessBrowser) => /Signed in as/.test((await b.get('/')).body);

/** Asks for a reset code for `email` and returns the code page and the mailed code (if one was mailed). */
async function requestCode(b: InProcessBrowser, email: string): Promise<{ page: BrowserAnswer; code: string }> {
  const since = new Date();
  const page = await b.submit(await b.get('/password/forgot'), { email });
  assert.equal(page.status, 200, page.body);
  return { page, code: await handlers.outbox.waitForCode(email, since) };
}

describe('forgot password', () => {
  it('is linked from the sign-in page', async () => {
    assert.match((await browser().get('/login')).body, /href="\/password\/forgot">Forgot your password\?/);
  });

  it('walks address, code, new password; signs in; ends every other session; mails a notice without a link', async () => {
    const { email } = await account('walk');
    const elsewhere = browser();
    assert.equal((await passwordSignIn(elsewhere, email, OLD_PASSWORD)).status, 303);
    assert.ok(await signedIn(elsewhere));

    const b = browser();
    const { page, code } = await requestCode(b, email);
    assert.ok(b.jar.has('__Host-reset'));
    const choose = await b.submit(page, { code });
    assert.equal(choose.status, 200, choose.body);
    assert.match(choose.body, /autocomplete="new-password"/);
    const since = new Date();
    const done = await b.submit(choose, { password: NEW_PASSWORD });
    assert.equal(done.status, 303, done.body);
    assert.equal(done.location, '/');
    assert.ok(!b.jar.has('__Host-reset'), 'the flow cookie is cleared');
    assert.ok(await signedIn(b));

    assert.equal(await signedIn(elsewhere), false, 'the session from before the reset is over');
    assert.equal((await passwordSignIn(browser(), email, OLD_PASSWORD)).status, 401);
    assert.equal((await passwordSignIn(browser(), email, NEW_PASSWORD)).status, 303);
    const notice = await handlers.outbox.waitForMessage(email, since);
    assert.match(notice.subject, /password was changed/);
    assert.doesNotMatch(notice.text, /https?:|www\./, 'no link in the notice');
  });

  it('answers an unknown address exactly as a known one, and mails it a notice without a code', async () => {
    const known = await account('known');
    const unknown = newEmail('unknown');
    const answers: BrowserAnswer[] = [];
    for (const email of [known.email, unknown]) {
      const b = browser();
      answers.push(await b.submit(await b.get('/password/forgot'), { email }));
    }
    const [a, b] = answers.map((answer, i) => ({ status: answer.status, body: answer.body.replaceAll(i === 0 ? known.email : unknown, 'ADDRESS').replace(/name="_af" value="[^"]+"/g, '') }));
    assert.deepEqual(a, b);
    const mail = await handlers.outbox.waitForMessage(unknown, new Date(0));
    assert.doesNotMatch(mail.text, /\b\d{6}\b/);
    assert.match(mail.text, /no account/);
  });

  it('spends the same DynamoDB calls on a known and an unknown address, at the address and at the code step', async () => {
    const { getDocumentClient } = await import('../../lib/runtime/services.js');
    const counter = countCommands(getDocumentClient());
    const known = await account('same-known');
    const costs: Array<Record<string, Record<string, number>>> = [];
    for (const email of [known.email, newEmail('same-unknown')]) {
      const b = browser();
      const form = await b.get('/password/forgot');
      counter.reset();
      const page = await b.submit(form, { email });
      const start = counter.counts();
      counter.reset();
      await b.submit(page, { code: '000000' });
      costs.push({ start, wrongCode: counter.counts() });
    }
    assert.deepEqual(costs[0], costs[1]);
  });

  it('refuses a sign-in code, and its code does not sign in', async () => {
    const { email } = await account('purpose');
    // A sign-in code, entered in the reset flow.
    const signInBrowser = browser();
    let since = new Date();
    const signInPage = await signInBrowser.submit(await signInBrowser.get('/login/code'), { email });
    const signInCode = await handlers.outbox.waitForCode(email, since);
    const b = browser();
    const { page, code: resetCode } = await requestCode(b, email);
    assert.notEqual(signInCode, resetCode);
    const refused = await b.submit(page, { code: signInCode });
    assert.equal(refused.status, 400);
    assert.match(refused.body, /not right/);
    // The reset code, entered in the sign-in flow.
    const notSignedIn = await signInBrowser.submit(signInPage, { code: resetCode });
    assert.equal(notSignedIn.status, 400);
    assert.equal(await signedIn(signInBrowser), false);
    // Both still work for their own purpose.
    since = new Date();
    assert.equal((await signInBrowser.submit(signInPage, { code: signInCode })).status, 303);
    assert.equal((await b.submit(page, { code: resetCode })).status, 200);
  });

  it('uses a code once: a second flow with the same code is refused, and a completed flow cannot set a password again', async () => {
    const { email } = await account('reuse');
    const first = browser();
    const { page, code } = await requestCode(first, email);
    const second = browser();
    const secondPage = await second.submit(await second.get('/password/forgot'), { email });
    const choose = await first.submit(page, { code });
    assert.equal(choose.status, 200);
    const reused = await second.submit(secondPage, { code });
    assert.equal(reused.status, 400);
    assert.match(reused.body, /expired or has already been used/);

    const jarBefore = new Map(first.jar);
    assert.equal((await first.submit(choose, { password: NEW_PASSWORD })).status, 303);
    // The same form with the same cookies, sent again (a double submit, or a replay).
    const replay = browser();
    for (const [name, value] of jarBefore) replay.jar.set(name, value);
    const again = await replay.submit(choose, { password: 'another password entirely' });
    assert.equal(again.status, 400);
    assert.match(again.body, /took too long or was already used/);
    assert.equal((await passwordSignIn(browser(), email, NEW_PASSWORD)).status, 303);
  });

  it('refuses a weak new password, says why, and keeps the flow for another try', async () => {
    const { email } = await account('weak');
    const b = browser();
    const { page, code } = await requestCode(b, email);
    const choose = await b.submit(page, { code });
    const short = await b.submit(choose, { password: 'too short' });
    assert.equal(short.status, 400);
    assert.match(short.body, /at least 15 characters/);
    assert.doesNotMatch(short.body, /value="too short"/, 'a password is never echoed');
    const personal = await b.submit(short, { password: `${email} forever` });
    assert.match(personal.body, /email address or your name/);
    assert.equal((await b.submit(personal, { password: NEW_PASSWORD })).status, 303);
  });

  it('refuses every step without its antiforgery token, or with a form of another flow', async () => {
    const { email } = await account('af');
    const b = browser();
    const { page, code } = await requestCode(b, email);
    for (const step of ['email', 'code', 'resend', 'password']) {
      const forged = await b.post('/password/forgot', { step, email, code, password: NEW_PASSWORD });
      assert.equal(forged.status, 400, step);
      assert.match(forged.body, /can no longer be sent/, step);
    }
    // A restart in another tab: the first tab's code form is bound to the old flow.
    await b.submit(await b.get('/password/forgot?restart=1'), { email });
    const stale = await b.submit(page, { code });
    assert.equal(stale.status, 400);
    assert.match(stale.body, /can no longer be sent/);
  });

  it('costs these DynamoDB calls per step (warm)', async () => {
    const { getDocumentClient } = await import('../../lib/runtime/services.js');
    const counter = countCommands(getDocumentClient());
    const { email } = await account('cost');
    const b = browser();
    await b.get('/password/forgot'); // warm-up
    counter.reset();
    const form = await b.get('/password/forgot');
    const show = counter.counts();
    counter.reset();
    const since = new Date();
    const page = await b.submit(form, { email });
    const start = counter.counts();
    const code = await handlers.outbox.waitForCode(email, since);
    counter.reset();
    const choose = await b.submit(page, { code });
    const verify = counter.counts();
    counter.reset();
    const done = await b.submit(choose, { password: NEW_PASSWORD });
    const complete = counter.counts();
    assert.equal(done.status, 303);
    console.log('password reset DynamoDB calls', JSON.stringify({ show, start, verify, complete }));
    assert.deepEqual(show, {});
    assert.ok(Object.values(complete).reduce((a, n) => a + n, 0) > 0);
  });
});
