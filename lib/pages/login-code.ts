/**
 * Sign-in with a code sent by email (`/login/code`): the address step, the code step, and the
 * page for a code that can no longer be used. The hidden `step` field tells the steps apart;
 * the address itself travels in the protected `__Host-otp` cookie, never in the form.
 *
 * "Send a new code" is a form of its own (step `resend`) whose button sits in the code form's
 * button row through the `form` attribute, so both buttons line up and neither form nests.
 */
import { html, type SafeHtml } from '../http/html.js';
import { renderPage } from '../http/page.js';
import { CODE_HELP_ID, codeField } from './code-entry.js';
import { errorSummary, hiddenFields, hrefWithReturnTo, inputField, notice, type FormContext } from './form-parts.js';

export const LOGIN_CODE_PATH = '/login/code';
const RESEND_FORM_ID = 'resend';

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
<div class="actions"><button type="submit">Send code</button> <a href="${hrefWithReturnTo('/login', context.returnTo)}">Use your password instead</a></div>
</form>`,
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
<p id="${CODE_HELP_ID}">If an account exists for ${email}, we have emailed it a 6-digit sign-in code.</p>
${notice(info)}
<form method="post" action="${LOGIN_CODE_PATH}">
${hiddenFields(context, { step: 'code' })}
${codeField({ invalid: error !== undefined })}
<div class="actions"><button type="submit">Sign in</button> <button type="submit" class="secondary" form="${RESEND_FORM_ID}">Send a new code</button></div>
<p class="hint"><a href="${hrefWithReturnTo(LOGIN_CODE_PATH, context.returnTo, { restart: '1' })}">Use a different email address</a></p>
</form>
${resendForm(context)}`,
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
<form method="post" action="${LOGIN_CODE_PATH}">
${hiddenFields(context, { step: 'resend' })}
<div class="actions"><button type="submit">Send a new code</button> <a href="${hrefWithReturnTo(LOGIN_CODE_PATH, context.returnTo, { restart: '1' })}">Use a different email address</a></div>
</form>`,
  });
}

/** Only hidden fields: its button lives in the code form's button row. */
function resendForm(context: FormContext): SafeHtml {
  return html`<form method="post" action="${LOGIN_CODE_PATH}" id="${RESEND_FORM_ID}">
${hiddenFields(context, { step: 'resend' })}
</form>`;
}
