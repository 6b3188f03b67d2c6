/**
 * Registration (`/register`): address, code, then name and password. The hidden `step` field
 * says which form was sent; the flow itself lives in the `__Host-reg` cookie and the TTL table.
 * "Send a new code" is a form of its own whose button sits in the code form's button row (the
 * `form` attribute), as on the code sign-in page.
 */
import { MAX_NAME_LENGTH } from '../auth/registration.js';
import { html, type SafeHtml } from '../http/html.js';
import { renderPage } from '../http/page.js';
import { CODE_HELP_ID, codeField } from './code-entry.js';
import { newPasswordField, PASSWORD_RULES_TEXT } from './password-fields.js';
import { errorSummary, hiddenFields, hrefWithReturnTo, inputField, notice, type FormContext } from './form-parts.js';
import { passkeyCapableField, passkeyScript } from './passkey-pages.js';

export const REGISTER_PATH = '/register';
const RESEND_FORM_ID = 'resend';
const PASSWORD_HELP_ID = 'password-help';

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
<p class="hint">Already have an account? <a href="${hrefWithReturnTo('/login', context.returnTo)}">Sign in</a></p>
</form>`,
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
<p id="${CODE_HELP_ID}">We have emailed a 6-digit code to ${email}.</p>
${notice(info)}
<form method="post" action="${REGISTER_PATH}">
${hiddenFields(context, { step: 'code' })}
${codeField({ invalid: error !== undefined })}
<div class="actions"><button type="submit">Continue</button> <button type="submit" class="secondary" form="${RESEND_FORM_ID}">Send a new code</button></div>
<p class="hint"><a href="${restartHref(context.returnTo)}">Use a different email address</a></p>
</form>
${resendForm(context)}`,
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
<p class="hint" id="${PASSWORD_HELP_ID}">${PASSWORD_RULES_TEXT}</p>
<form method="post" action="${REGISTER_PATH}">
${hiddenFields(context, { step: 'details' })}
${passkeyCapableField()}
${inputField({ name: 'name', label: 'Your name', autocomplete: 'name', value: name, maxlength: MAX_NAME_LENGTH, invalid: invalidField === 'name', autofocus: invalidField !== 'password' })}
${newPasswordField({ describedBy: PASSWORD_HELP_ID, invalid: invalidField === 'password', autofocus: invalidField === 'password' })}
<div class="actions"><button type="submit">Create account</button></div>
</form>
${passkeyScript()}`,
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
  const links = html`<a${canResend ? '' : html` class="button"`} href="${restartHref(context.returnTo)}">Start again</a> <a href="${hrefWithReturnTo('/login', context.returnTo)}">Sign in</a>`;
  return renderPage({
    title,
    body: html`<h1>${title}</h1>
${errorSummary(message)}
${
  canResend
    ? html`<form method="post" action="${REGISTER_PATH}">
${hiddenFields(context, { step: 'resend' })}
<div class="actions"><button type="submit">Send a new code</button> ${links}</div>
</form>`
    : html`<p class="actions">${links}</p>`
}`,
  });
}

/** Only hidden fields: its button lives in the code form's button row. */
function resendForm(context: FormContext): SafeHtml {
  return html`<form method="post" action="${REGISTER_PATH}" id="${RESEND_FORM_ID}">
${hiddenFields(context, { step: 'resend' })}
</form>`;
}

function restartHref(returnTo: string | undefined): string {
  return hrefWithReturnTo(REGISTER_PATH, returnTo, { restart: '1' });
}
