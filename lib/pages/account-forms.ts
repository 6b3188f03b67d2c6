/**
 * The pages under /account/<section>: the name refused, the new address and its code, the new
 * password, the confirmation of deletion. Every form carries the antiforgery token bound to the
 * session; errors keep what was typed, except passwords.
 */
import { MAX_EMAIL_LENGTH } from '../auth/email-address.js';
import { html, type SafeHtml } from '../http/html.js';
import { renderPage } from '../http/page.js';
import { profileForm } from './account-basic-sections.js';
import { CODE_HELP_ID, codeField } from './code-entry.js';
import { errorSummary, hiddenFields, inputField, notice } from './form-parts.js';
import { currentPasswordField, newPasswordField, PASSWORD_RULES_TEXT } from './password-fields.js';

const BACK = html`<a href="/account">Back to your account</a>`;
const PASSWORD_HELP_ID = 'password-help';

export function profilePage({ antiforgeryToken, name, error }: { antiforgeryToken: string; name: string; error: string }): SafeHtml {
  return renderPage({
    title: 'Your name',
    body: html`<h1>Your name</h1>
${errorSummary(error)}
${profileForm({ antiforgeryToken, name, error: true })}
<p>${BACK}</p>`,
  });
}

export function emailAddressPage({ antiforgeryToken, current, email, error }: { antiforgeryToken: string; current: string; email?: string; error?: string }): SafeHtml {
  return renderPage({
    title: 'Change your email address',
    body: html`<h1>Change your email address</h1>
${errorSummary(error)}
<p>Your address now is ${current}. We will email a code to the new address; it takes effect once you enter it.</p>
<form method="post" action="/account/email">
${hiddenFields({ antiforgeryToken }, { step: 'address' })}
${inputField({ name: 'email', label: 'New email address', type: 'email', autocomplete: 'email', value: email, maxlength: MAX_EMAIL_LENGTH, invalid: error !== undefined, spellcheck: false, autofocus: true })}
<div class="actions"><button type="submit">Send code</button> ${BACK}</div>
</form>`,
  });
}

export function emailCodePage({ antiforgeryToken, email, error, notice: info }: { antiforgeryToken: string; email: string; error?: string; notice?: string }): SafeHtml {
  return renderPage({
    title: 'Confirm your new email address',
    body: html`<h1>Confirm your new email address</h1>
${errorSummary(error)}
<p id="${CODE_HELP_ID}">We have emailed a 6-digit code to ${email}.</p>
${notice(info)}
<form method="post" action="/account/email">
${hiddenFields({ antiforgeryToken }, { step: 'code' })}
${codeField({ invalid: error !== undefined })}
<div class="actions"><button type="submit">Change address</button> <a href="/account/email?restart=1">Use a different address</a></div>
</form>`,
  });
}

export function passwordChangePage({ antiforgeryToken, email, askCurrent, error, invalidField }: {
  antiforgeryToken: string;
  email: string;
  /** No recent sign-in: the current password proves it is the owner. */
  askCurrent: boolean;
  error?: string;
  invalidField?: 'current_password' | 'password';
}): SafeHtml {
  return renderPage({
    title: 'Change your password',
    body: html`<h1>Change your password</h1>
${errorSummary(error)}
<p>Every other browser and app will be signed out; this one stays signed in.</p>
<p class="hint" id="${PASSWORD_HELP_ID}">${PASSWORD_RULES_TEXT}</p>
<form method="post" action="/account/password">
${hiddenFields({ antiforgeryToken })}
<input type="hidden" name="username" value="${email}" autocomplete="username">
${askCurrent ? currentPasswordField({ invalid: invalidField === 'current_password', autofocus: invalidField !== 'password' }) : html``}
${newPasswordField({ label: 'New password', describedBy: PASSWORD_HELP_ID, invalid: invalidField === 'password', autofocus: !askCurrent || invalidField === 'password' })}
<div class="actions"><button type="submit">Change password</button> ${BACK}</div>
</form>`,
  });
}

export function deleteAccountPage({ antiforgeryToken, email }: { antiforgeryToken: string; email: string }): SafeHtml {
  return renderPage({
    title: 'Delete your account',
    body: html`<h1>Delete your account</h1>
<p>This deletes the account ${email}: your profile, your sign-in methods, every session and every app's access. It cannot be undone. You can register again with the same address later, as a new account.</p>
<form method="post" action="/account/delete">
${hiddenFields({ antiforgeryToken })}
<div class="actions"><button type="submit" class="danger">Delete my account</button> ${BACK}</div>
</form>`,
  });
}
