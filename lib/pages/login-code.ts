/**
 * Sign-in with a code sent by email (`/login/code`): the address step, the code step, and the
 * page for a code that can no longer be used. The hidden `step` field tells the steps apart;
 * the address itself travels in the protected `__Host-otp` cookie, never in the form.
 */
import { html, type SafeHtml } from '../http/html.js';
import { renderPage } from '../http/page.js';
import { codeField } from './code-entry.js';
import { errorSummary, hiddenFields, hrefWithReturnTo, inputField, notice, type FormContext } from './form-parts.js';

export const LOGIN_CODE_PATH = '/login/code';

export interface LoginCodeEmailPageContent extends FormContext {
  email?: string;
  error?: string;
}

export function loginCodeEmailPage({ email, error, ...context }: LoginCodeEmailPageContent): SafeHtml {
  return renderPage({
    title: 'Sign in with a code',
    body: html`<h1>Sign in with a code</h1>
${errorSummary(error)}
<p class="hint">We will email you a code to sign in with.</p>
<form method="post" action="${LOGIN_CODE_PATH}">
${hiddenFields(context, { step: 'email' })}
${inputField({ name: 'email', label: 'Email address', type: 'email', autocomplete: 'username', value: email, invalid: error !== undefined, spellcheck: false, autofocus: true })}
<div class="actions"><button type="submit">Send code</button></div>
</form>
<p><a href="${hrefWithReturnTo('/login', context.returnTo)}">Sign in with your password instead</a></p>`,
  });
}

export interface LoginCodeEntryPageContent extends FormContext {
  email: string;
  error?: string;
  notice?: string;
}

export function loginCodeEntryPage({ email, error, notice: info, ...context }: LoginCodeEntryPageContent): SafeHtml {
  return renderPage({
    title: 'Enter your code',
    body: html`<h1>Enter your code</h1>
${errorSummary(error)}
<p>If an account exists for ${email}, we have sent a sign-in code to it.</p>
${notice(info)}
<form method="post" action="${LOGIN_CODE_PATH}">
${hiddenFields(context, { step: 'code' })}
${codeField({ invalid: error !== undefined })}
<div class="actions"><button type="submit">Sign in</button></div>
</form>
${resendForm(context)}
<p><a href="${hrefWithReturnTo(LOGIN_CODE_PATH, context.returnTo, { restart: '1' })}">Use a different email address</a></p>`,
  });
}

export interface LoginCodeRestartPageContent extends FormContext {
  message: string;
}

/** The code expired, was used up or never existed: offer a new one. */
export function loginCodeRestartPage({ message, ...context }: LoginCodeRestartPageContent): SafeHtml {
  return renderPage({
    title: 'Request a new code',
    body: html`<h1>Request a new code</h1>
${errorSummary(message)}
${resendForm(context, 'Send a new code')}
<p><a href="${hrefWithReturnTo(LOGIN_CODE_PATH, context.returnTo, { restart: '1' })}">Use a different email address</a></p>`,
  });
}

function resendForm(context: FormContext, label = 'Send me a new code'): SafeHtml {
  return html`<form method="post" action="${LOGIN_CODE_PATH}">
${hiddenFields(context, { step: 'resend' })}
<div class="actions"><button type="submit" class="secondary">${label}</button></div>
</form>`;
}
