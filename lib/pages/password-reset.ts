/**
 * "Forgot your password?" (`/password/forgot`): the address, the code, the new password. The
 * hidden `step` field says which form was sent; the address (and, once the code was accepted,
 * the reset flow's id) rides in the protected `__Host-reset` cookie, never in the form.
 */
import { html, type SafeHtml } from '../http/html.js';
import { renderPage } from '../http/page.js';
import { CODE_HELP_ID, codeField } from './code-entry.js';
import { errorSummary, hiddenFields, hrefWithReturnTo, inputField, notice, type FormContext } from './form-parts.js';
import { newPasswordField, PASSWORD_RULES_TEXT } from './password-fields.js';

export const PASSWORD_RESET_PATH = '/password/forgot';
const RESEND_FORM_ID = 'resend';
const PASSWORD_HELP_ID = 'password-help';

export function passwordResetEmailPage({ email, error, ...context }: FormContext & { email?: string; error?: string }): SafeHtml {
  return renderPage({
    title: 'Reset your password',
    body: html`<h1>Reset your password</h1>
${errorSummary(error)}
<p class="hint">We will email you a code. With it you can choose a new password.</p>
<form method="post" action="${PASSWORD_RESET_PATH}">
${hiddenFields(context, { step: 'email' })}
${inputField({ name: 'email', label: 'Email address', type: 'email', autocomplete: 'email', value: email, invalid: error !== undefined, spellcheck: false, autofocus: true })}
<div class="actions"><button type="submit">Send code</button> <a href="${hrefWithReturnTo('/login', context.returnTo)}">Back to sign-in</a></div>
</form>`,
  });
}

export function passwordResetCodePage({ email, error, notice: info, ...context }: FormContext & { email: string; error?: string; notice?: string }): SafeHtml {
  return renderPage({
    title: 'Enter your code',
    body: html`<h1>Enter your code</h1>
${errorSummary(error)}
<p id="${CODE_HELP_ID}">If an account exists for ${email}, we have emailed it a 6-digit code.</p>
${notice(info)}
<form method="post" action="${PASSWORD_RESET_PATH}">
${hiddenFields(context, { step: 'code' })}
${codeField({ invalid: error !== undefined })}
<div class="actions"><button type="submit">Continue</button> <button type="submit" class="secondary" form="${RESEND_FORM_ID}">Send a new code</button></div>
<p class="hint"><a href="${restartHref(context.returnTo)}">Use a different email address</a></p>
</form>
<form method="post" action="${PASSWORD_RESET_PATH}" id="${RESEND_FORM_ID}">
${hiddenFields(context, { step: 'resend' })}
</form>`,
  });
}

export function passwordResetNewPasswordPage({ email, error, ...context }: FormContext & { email: string; error?: string }): SafeHtml {
  return renderPage({
    title: 'Choose a new password',
    body: html`<h1>Choose a new password</h1>
${errorSummary(error)}
<p>For ${email}. Every other browser and app will be signed out.</p>
<p class="hint" id="${PASSWORD_HELP_ID}">${PASSWORD_RULES_TEXT}</p>
<form method="post" action="${PASSWORD_RESET_PATH}">
${hiddenFields(context, { step: 'password' })}
<input type="hidden" name="username" value="${email}" autocomplete="username">
${newPasswordField({ label: 'New password', describedBy: PASSWORD_HELP_ID, invalid: error !== undefined, autofocus: true })}
<div class="actions"><button type="submit">Set password and sign in</button></div>
</form>`,
  });
}

/** The code expired or was used, or the reset took too long: start again. */
export function passwordResetRestartPage({ message, ...context }: { returnTo?: string; message: string }): SafeHtml {
  return renderPage({
    title: 'Start again',
    body: html`<h1>Start again</h1>
${errorSummary(message)}
<p class="actions"><a class="button" href="${restartHref(context.returnTo)}">Reset your password</a> <a href="${hrefWithReturnTo('/login', context.returnTo)}">Sign in</a></p>`,
  });
}

export function restartHref(returnTo: string | undefined): string {
  return hrefWithReturnTo(PASSWORD_RESET_PATH, returnTo, { restart: '1' });
}
