/**
 * Registration (`/register`): address, code, then name and password. The hidden `step` field
 * says which form was sent; the flow itself lives in the `__Host-reg` cookie and the TTL table.
 */
import { MAX_NAME_LENGTH, MIN_PASSWORD_LENGTH } from '../auth/registration.js';
import { MAX_PASSWORD_LENGTH } from '../auth/password-hasher.js';
import { html, type SafeHtml } from '../http/html.js';
import { renderPage } from '../http/page.js';
import { codeField } from './code-entry.js';
import { errorSummary, hiddenFields, hrefWithReturnTo, inputField, notice, type FormContext } from './form-parts.js';

export const REGISTER_PATH = '/register';

export interface RegisterEmailPageContent extends FormContext {
  email?: string;
  error?: string;
}

export function registerEmailPage({ email, error, ...context }: RegisterEmailPageContent): SafeHtml {
  return renderPage({
    title: 'Create an account',
    body: html`<h1>Create an account</h1>
${errorSummary(error)}
<p class="hint">We will email you a code to confirm the address.</p>
<form method="post" action="${REGISTER_PATH}">
${hiddenFields(context, { step: 'email' })}
${inputField({ name: 'email', label: 'Email address', type: 'email', autocomplete: 'email', value: email, invalid: error !== undefined, spellcheck: false, autofocus: true })}
<div class="actions"><button type="submit">Continue</button></div>
</form>
<p class="hint">Already have an account? <a href="${hrefWithReturnTo('/login', context.returnTo)}">Sign in</a></p>`,
  });
}

export interface RegisterCodePageContent extends FormContext {
  email: string;
  error?: string;
  notice?: string;
}

export function registerCodePage({ email, error, notice: info, ...context }: RegisterCodePageContent): SafeHtml {
  return renderPage({
    title: 'Confirm your email address',
    body: html`<h1>Confirm your email address</h1>
${errorSummary(error)}
<p>We have sent a code to ${email}.</p>
${notice(info)}
<form method="post" action="${REGISTER_PATH}">
${hiddenFields(context, { step: 'code' })}
${codeField({ invalid: error !== undefined })}
<div class="actions"><button type="submit">Continue</button></div>
</form>
${resendForm(context)}
<p><a href="${restartHref(context.returnTo)}">Use a different email address</a></p>`,
  });
}

export interface RegisterDetailsPageContent extends FormContext {
  email: string;
  name?: string;
  error?: string;
  invalidField?: 'name' | 'password';
}

export function registerDetailsPage({ email, name, error, invalidField, ...context }: RegisterDetailsPageContent): SafeHtml {
  return renderPage({
    title: 'Choose your name and password',
    body: html`<h1>Almost done</h1>
${errorSummary(error)}
<p>Creating an account for ${email}.</p>
<form method="post" action="${REGISTER_PATH}">
${hiddenFields(context, { step: 'details' })}
${inputField({ name: 'name', label: 'Your name', autocomplete: 'name', value: name, maxlength: MAX_NAME_LENGTH, invalid: invalidField === 'name', autofocus: invalidField !== 'password' })}
${inputField({ name: 'password', label: 'Password', type: 'password', autocomplete: 'new-password', hint: `At least ${MIN_PASSWORD_LENGTH} characters. A few unrelated words make a strong password.`, minlength: MIN_PASSWORD_LENGTH, maxlength: MAX_PASSWORD_LENGTH, invalid: invalidField === 'password', autofocus: invalidField === 'password' })}
<div class="actions"><button type="submit">Create account</button></div>
</form>`,
  });
}

export interface RegisterRestartPageContent extends FormContext {
  title: string;
  message: string;
  /** Offer a new code for the current flow (expired or used-up code) besides starting over. */
  canResend?: boolean;
}

/** A dead end of the flow: the code expired, the flow is gone, or the address is taken. */
export function registerRestartPage({ title, message, canResend, ...context }: RegisterRestartPageContent): SafeHtml {
  return renderPage({
    title,
    body: html`<h1>${title}</h1>
${errorSummary(message)}
${canResend && resendForm(context, 'Send a new code')}
<p class="actions"><a class="button${canResend ? ' secondary' : ''}" href="${restartHref(context.returnTo)}">Start again</a> <a href="${hrefWithReturnTo('/login', context.returnTo)}">Sign in</a></p>`,
  });
}

function resendForm(context: FormContext, label = 'Send me a new code'): SafeHtml {
  return html`<form method="post" action="${REGISTER_PATH}">
${hiddenFields(context, { step: 'resend' })}
<div class="actions"><button type="submit" class="secondary">${label}</button></div>
</form>`;
}

function restartHref(returnTo: string | undefined): string {
  return hrefWithReturnTo(REGISTER_PATH, returnTo, { restart: '1' });
}
