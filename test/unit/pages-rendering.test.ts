import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SafeHtml } from '../../lib/http/html.js';
import { formExpiredPage } from '../../lib/pages/form-expired.js';
import { homePage } from '../../lib/pages/home.js';
import { loginCodeEmailPage, loginCodeEntryPage, loginCodeRestartPage } from '../../lib/pages/login-code.js';
import { LOGIN_FAILED_MESSAGE, lockedMessage, loginPage, waitText } from '../../lib/pages/login.js';
import { logoutConfirmPage, signedOutPage } from '../../lib/pages/logout.js';
import { registerCodePage, registerDetailsPage, registerEmailPage, registerRestartPage } from '../../lib/pages/register.js';
import { deleteAccountPage, emailAddressPage, emailCodePage, passwordChangePage, profilePage } from '../../lib/pages/account-forms.js';
import { passwordResetCodePage, passwordResetEmailPage, passwordResetNewPasswordPage, passwordResetRestartPage } from '../../lib/pages/password-reset.js';

const AF = 'AF-token_123';
const EVIL = '<script>alert(1)</script>"\'&`';

function inputs(page: string): Array<Record<string, string>> {
  return [...page.matchAll(/<input\b([^>]*)>/g)].map((m) => {
    const attrs: Record<string, string> = {};
    for (const a of m[1]!.matchAll(/([a-z-]+)(?:="([^"]*)")?/g)) attrs[a[1]!] = a[2] ?? '';
    return attrs;
  });
}

function input(page: string, name: string): Record<string, string> {
  const found = inputs(page).find((i) => i.name === name);
  assert.ok(found, `input ${name} in ${page}`);
  return found;
}

const every: Array<[string, SafeHtml]> = [
  ['home signed in', homePage({ signedIn: { email: 'a@example.com', name: 'A', antiforgeryToken: AF } })],
  ['home signed out', homePage({})],
  ['login', loginPage({ antiforgeryToken: AF, error: LOGIN_FAILED_MESSAGE, email: 'a@example.com' })],
  ['login code email', loginCodeEmailPage({ antiforgeryToken: AF })],
  ['login code entry', loginCodeEntryPage({ antiforgeryToken: AF, email: 'a@example.com', error: 'wrong' })],
  ['login code restart', loginCodeRestartPage({ antiforgeryToken: AF, message: 'expired' })],
  ['register email', registerEmailPage({ antiforgeryToken: AF })],
  ['register code', registerCodePage({ antiforgeryToken: AF, email: 'a@example.com', notice: 'sent' })],
  ['register details', registerDetailsPage({ antiforgeryToken: AF, email: 'a@example.com', invalidField: 'password', error: 'weak' })],
  ['register restart', registerRestartPage({ antiforgeryToken: AF, title: 'Expired', message: 'again', canResend: true })],
  ['form expired', formExpiredPage('/login')],
  ['logout confirmation', logoutConfirmPage({ issuer: 'https://id.example', antiforgeryToken: AF, redirectFields: { client_id: 'spa', post_logout_redirect_uri: 'https://app.example/bye', state: 's' } })],
  ['signed out', signedOutPage()],
  ['password reset email', passwordResetEmailPage({ antiforgeryToken: AF, email: EVIL, error: 'wrong' })],
  ['password reset code', passwordResetCodePage({ antiforgeryToken: AF, email: 'a@example.com', notice: 'sent' })],
  ['password reset new password', passwordResetNewPasswordPage({ antiforgeryToken: AF, email: 'a@example.com', error: 'weak' })],
  ['password reset restart', passwordResetRestartPage({ message: 'expired' })],
  ['account name', profilePage({ antiforgeryToken: AF, name: EVIL, error: 'bad name' })],
  ['account email address', emailAddressPage({ antiforgeryToken: AF, current: 'a@example.com', email: EVIL, error: 'bad' })],
  ['account email code', emailCodePage({ antiforgeryToken: AF, email: 'b@example.com', error: 'wrong' })],
  ['account password', passwordChangePage({ antiforgeryToken: AF, email: 'a@example.com', askCurrent: true, error: 'wrong', invalidField: 'current_password' })],
  ['account delete', deleteAccountPage({ antiforgeryToken: AF, email: 'a@example.com' })],
];

describe('page templates', () => {
  it('have no inline script, style or event handlers (the CSP forbids them)', () => {
    for (const [name, page] of every) {
      const text = page.toString();
      // Scripts only from our own /assets (script-src 'self'), never inline.
      assert.doesNotMatch(text, /<script(?! src="\/assets\/[a-z-]+\.js\?v=[\w-]+" defer><\/script>)|<style|\sstyle=|\son[a-z]+=/i, name);
      assert.match(text, /<link rel="stylesheet" href="\/assets\/site\.css\?v=/, name);
    }
  });

  it('label every visible input and carry the antiforgery token in every POST form', () => {
    for (const [name, page] of every) {
      const text = page.toString();
      for (const field of inputs(text).filter((i) => i.type !== 'hidden')) {
        assert.ok(field.id, `${name}: input ${field.name} has an id`);
        assert.ok(text.includes(`<label for="${field.id}">`), `${name}: input ${field.name} has a label`);
        assert.ok(field.autocomplete, `${name}: input ${field.name} has autocomplete`);
      }
      const forms = [...text.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)];
      for (const [, attrs, body] of forms) {
        assert.match(attrs!, /method="post"/, name);
        assert.match(attrs!, /action="\/[a-z/-]*"/, name);
        assert.ok(body!.includes(`<input type="hidden" name="_af" value="${AF}">`), `${name}: form has _af`);
      }
    }
  });

  it('announce errors with role="alert" and mark the fields in error', () => {
    const page = loginPage({ antiforgeryToken: AF, error: LOGIN_FAILED_MESSAGE }).toString();
    assert.match(page, /<p class="error" role="alert" id="form-error">The email or password is incorrect\.<\/p>/);
    assert.equal(input(page, 'password')['aria-invalid'], 'true');
    assert.match(input(page, 'password')['aria-describedby'] ?? '', /form-error/);
    const clean = loginPage({ antiforgeryToken: AF }).toString();
    // Only the passkey form's error slot, hidden until its script has something to say.
    assert.doesNotMatch(clean, /role="alert"(?! data-passkey-error hidden)|aria-invalid/);
  });

  it('use the autocomplete and input modes browsers and password managers expect', () => {
    const login = loginPage({ antiforgeryToken: AF }).toString();
    assert.equal(input(login, 'email').autocomplete, 'username webauthn', 'passkeys are offered in the address field\'s autofill');
    assert.equal(input(login, 'email').type, 'email');
    assert.equal(input(login, 'password').autocomplete, 'current-password');
    assert.equal(input(login, 'password').type, 'password');
    for (const page of [loginCodeEntryPage({ antiforgeryToken: AF, email: 'a@example.com' }), registerCodePage({ antiforgeryToken: AF, email: 'a@example.com' })]) {
      const code = input(page.toString(), 'code');
      assert.equal(code.autocomplete, 'one-time-code');
      assert.equal(code.inputmode, 'numeric');
    }
    const details = registerDetailsPage({ antiforgeryToken: AF, email: 'a@example.com' }).toString();
    assert.equal(input(details, 'password').autocomplete, 'new-password');
    assert.equal(input(details, 'password').minlength, '15');
    assert.match(input(details, 'password')['aria-describedby'] ?? '', /password-help/);
    assert.match(details, /id="password-help"/);
    assert.equal(input(details, 'name').autocomplete, 'name');
  });

  it('mark the password reset and account forms for password managers and code autofill', () => {
    for (const page of [
      passwordResetNewPasswordPage({ antiforgeryToken: AF, email: 'a@example.com' }),
      passwordChangePage({ antiforgeryToken: AF, email: 'a@example.com', askCurrent: true }),
    ]) {
      assert.equal(input(page.toString(), 'password').autocomplete, 'new-password');
      assert.equal(input(page.toString(), 'username').autocomplete, 'username', 'password managers learn whose password it is');
    }
    assert.equal(input(passwordChangePage({ antiforgeryToken: AF, email: 'a@example.com', askCurrent: true }).toString(), 'current_password').autocomplete, 'current-password');
    assert.ok(!inputs(passwordChangePage({ antiforgeryToken: AF, email: 'a@example.com', askCurrent: false }).toString()).some((i) => i.name === 'current_password'));
    assert.equal(input(emailAddressPage({ antiforgeryToken: AF, current: 'a@example.com' }).toString(), 'email').autocomplete, 'email');
    assert.equal(input(passwordResetEmailPage({ antiforgeryToken: AF }).toString(), 'email').autocomplete, 'email');
    for (const page of [passwordResetCodePage({ antiforgeryToken: AF, email: 'a@example.com' }), emailCodePage({ antiforgeryToken: AF, email: 'b@example.com' })]) {
      assert.equal(input(page.toString(), 'code').autocomplete, 'one-time-code');
    }
  });

  it("put the resend button in the code form's row without nesting forms", () => {
    for (const page of [loginCodeEntryPage({ antiforgeryToken: AF, email: 'a@example.com' }), registerCodePage({ antiforgeryToken: AF, email: 'a@example.com' })]) {
      const text = page.toString();
      assert.match(text, /<button type="submit" class="secondary" form="resend">/);
      assert.match(text, /<form method="post" action="[^"]+" id="resend">\s*<input type="hidden" name="_af"[^>]*>\s*<input type="hidden" name="step" value="resend">\s*<\/form>/);
      assert.doesNotMatch(text, /<form(?:(?!<\/form>)[\s\S])*<form/, 'no form inside a form');
    }
  });

  it('tell the steps apart with a hidden step field', () => {
    const step = (page: SafeHtml) => inputs(page.toString()).filter((i) => i.name === 'step').map((i) => i.value);
    assert.deepEqual(step(loginCodeEmailPage({ antiforgeryToken: AF })), ['email']);
    assert.deepEqual(step(loginCodeEntryPage({ antiforgeryToken: AF, email: 'a@example.com' })), ['code', 'resend']);
    assert.deepEqual(step(registerEmailPage({ antiforgeryToken: AF })), ['email']);
    assert.deepEqual(step(registerCodePage({ antiforgeryToken: AF, email: 'a@example.com' })), ['code', 'resend']);
    assert.deepEqual(step(registerDetailsPage({ antiforgeryToken: AF, email: 'a@example.com' })), ['details']);
  });

  it('escape user input: names, addresses and re-filled values', () => {
    const home = homePage({ signedIn: { email: 'a@example.com', name: EVIL, antiforgeryToken: AF } }).toString();
    assert.ok(!home.includes('<script>alert'), home);
    assert.ok(home.includes('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;&#96;'));
    assert.ok(home.includes('Signed in as a@example.com'));

    const details = registerDetailsPage({ antiforgeryToken: AF, email: EVIL, name: EVIL }).toString();
    assert.ok(!details.includes('<script>alert'));
    assert.equal(input(details, 'name').value, '&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;&#96;');

    const login = loginPage({ antiforgeryToken: '"><b>', email: '"><img src=x>' }).toString();
    assert.ok(!login.includes('"><b>') && !login.includes('"><img'));
  });

  it('keep a safe return_to in a hidden field and in links, and drop an unsafe one', () => {
    const withReturn = loginPage({ antiforgeryToken: AF, returnTo: '/authorize?client_id=a&state=b' }).toString();
    assert.equal(input(withReturn, 'return_to').value, '/authorize?client_id=a&amp;state=b');
    assert.ok(withReturn.includes('href="/register?return_to=%2Fauthorize%3Fclient_id%3Da%26state%3Db"'));
    assert.ok(withReturn.includes('href="/login/code?return_to=%2Fauthorize%3Fclient_id%3Da%26state%3Db"'));
    const unsafe = loginPage({ antiforgeryToken: AF, returnTo: '//evil.example/' }).toString();
    assert.ok(!unsafe.includes('evil.example'));
    assert.equal(inputs(unsafe).find((i) => i.name === 'return_to'), undefined);
  });

  it('link the home page to sign-in and registration when signed out, and sign-out when signed in', () => {
    const out = homePage({}).toString();
    assert.ok(out.includes('href="/login"') && out.includes('href="/register"'));
    assert.ok(!out.includes('Signed in as'));
    const signedIn = homePage({ signedIn: { email: 'a@example.com', name: 'A', antiforgeryToken: AF } }).toString();
    assert.match(signedIn, /<form method="post" action="\/logout">/);
  });

  it('ask before signing out, with a form that posts to /logout and carries only the given redirect fields, escaped', () => {
    const plain = logoutConfirmPage({ issuer: 'https://id.example', antiforgeryToken: AF }).toString();
    assert.match(plain, /<h1>Sign out of https:\/\/id\.example\?<\/h1>/);
    assert.match(plain, /<form method="post" action="\/logout">/);
    assert.deepEqual(inputs(plain).map((i) => i.name), ['_af']);
    assert.ok(plain.includes('href="/"'), 'a way to stay signed in');

    const carried = logoutConfirmPage({ issuer: 'https://id.example', antiforgeryToken: AF, redirectFields: { client_id: 'spa', post_logout_redirect_uri: 'https://app.example/bye?a=1&b=2', state: EVIL } }).toString();
    assert.deepEqual(inputs(carried).map((i) => i.name), ['_af', 'client_id', 'post_logout_redirect_uri', 'state']);
    assert.equal(input(carried, 'post_logout_redirect_uri').value, 'https://app.example/bye?a=1&amp;b=2');
    assert.equal(input(carried, 'state').value, '&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;&#96;');
    assert.ok(!carried.includes('<script>alert'));
  });

  it('offer a way back from the antiforgery failure page', () => {
    assert.match(formExpiredPage('/register').toString(), /<a class="button" href="\/register">Start again<\/a>/);
    assert.throws(() => formExpiredPage('https://evil.example/'));
  });

  it('say when a locked-out user may retry', () => {
    assert.equal(waitText(1), '1 second');
    assert.equal(waitText(59), '59 seconds');
    assert.equal(waitText(60), '1 minute');
    assert.equal(waitText(61), '2 minutes');
    assert.match(lockedMessage(900), /Try again in 15 minutes\./);
  });
});
