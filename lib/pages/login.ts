/** Sign-in with email and password (`/login`). */
import { html, type SafeHtml } from '../http/html.js';
import { renderPage } from '../http/page.js';
import { errorSummary, hiddenFields, hrefWithReturnTo, inputField, type FormContext } from './form-parts.js';
import { passkeyCapableField, passkeySignIn } from './passkey-pages.js';

export const LOGIN_FAILED_MESSAGE = 'The email or password is incorrect.';

export interface LoginPageContent extends FormContext {
  email?: string;
  error?: string;
}

export function loginPage({ email, error, ...context }: LoginPageContent): SafeHtml {
  return renderPage({
    title: 'Sign in',
    body: html`<h1>Sign in</h1>
${errorSummary(error)}
<form method="post" action="/login">
${hiddenFields(context)}
${passkeyCapableField()}
${inputField({ name: 'email', label: 'Email address', type: 'email', autocomplete: 'username webauthn', value: email, invalid: error !== undefined, spellcheck: false, autofocus: !email })}
${inputField({ name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password', invalid: error !== undefined, autofocus: !!email })}
<div class="actions"><button type="submit">Sign in</button> <a href="${hrefWithReturnTo('/login/code', context.returnTo)}">Email me a code instead</a></div>
<p class="hint"><a href="${hrefWithReturnTo('/password/forgot', context.returnTo)}">Forgot your password?</a></p>
<p class="hint">No account yet? <a href="${hrefWithReturnTo('/register', context.returnTo)}">Create an account</a></p>
</form>
${passkeySignIn(context)}`,
  });
}

/**
 * "Try again in ..." when password guesses are paused, rounded up to what a person would read.
 * Codes have a budget of their own, so signing in with one still works meanwhile.
 */
export function lockedMessage(retryAfterS: number | undefined): string {
  return `Too many failed sign-in attempts. For your security, sign-in with a password is paused. Try again in ${waitText(retryAfterS)}. You can sign in with a code sent to your email instead.`;
}

/** When guesses at mailed codes are paused; the codes themselves still work after the wait. */
export function tooManyCodesMessage(retryAfterS: number): string {
  return `Too many wrong codes were entered. For your security, checking codes is paused. Try again in ${waitText(retryAfterS)}.`;
}

export function waitText(seconds: number | undefined): string {
  const s = Math.max(1, Math.ceil(seconds ?? 60));
  if (s < 60) return `${s} second${s === 1 ? '' : 's'}`;
  const minutes = Math.ceil(s / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}
