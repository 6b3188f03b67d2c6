/**
 * Two-step verification on the account page: the section (off, or on with the recovery codes
 * left), the enrolment page (QR code, the secret as text, the confirming code), the page that
 * shows new recovery codes once, and the page that turns it off with a code.
 */
import type { TypedSecondFactors } from '../auth/second-factors.js';
import { html, type SafeHtml } from '../http/html.js';
import { renderPage } from '../http/page.js';
import { errorSummary, hiddenFields, inputField, type FormContext } from './form-parts.js';
import { qrCodeSvg } from './two-factor-qr.js';
import { ACCOUNT_TWO_FACTOR_HREF, TWO_FACTOR_DISABLE_PATH, TWO_FACTOR_ENROL_PATH, TWO_FACTOR_RECOVERY_CODES_PATH } from './two-factor-paths.js';

const SECRET_HELP_ID = 'totp-secret-help';
const CODE_HELP_ID = 'totp-code-help';

/** The section's fragment of /account. */
export function twoFactorSection(factors: TypedSecondFactors, antiforgeryToken: string): SafeHtml {
  if (!factors.totp) {
    return html`<p>Two-step verification is off. With an authenticator app, a password or an emailed code alone is not enough to sign in.</p>
<p class="actions"><a class="button" href="${TWO_FACTOR_ENROL_PATH}">Set up an authenticator app</a></p>`;
  }
  return html`<p>Two-step verification is on: sign-in asks for a code from your authenticator app. ${recoveryCodesLeft(factors.recoveryCodesLeft)}</p>
<form method="post" action="${TWO_FACTOR_RECOVERY_CODES_PATH}">
${hiddenFields({ antiforgeryToken })}
<div class="actions"><button type="submit" class="secondary">Make new recovery codes</button> <a href="${TWO_FACTOR_DISABLE_PATH}">Turn off two-step verification</a></div>
</form>`;
}

function recoveryCodesLeft(count: number): string {
  if (count === 0) return 'You have no recovery codes left: make new ones.';
  return count === 1 ? 'You have 1 recovery code left.' : `You have ${count} recovery codes left.`;
}

export interface TotpEnrolPageContent extends FormContext {
  /** The `otpauth://` URI the QR code carries. */
  uri: string;
  secret: string;
  error?: string;
}

export function totpEnrolPage({ uri, secret, error, ...context }: TotpEnrolPageContent): SafeHtml {
  return renderPage({
    title: 'Set up an authenticator app',
    body: html`<h1>Set up an authenticator app</h1>
${errorSummary(error)}
<p>Scan this code with your authenticator app (for example Google Authenticator, Microsoft Authenticator, 1Password or Bitwarden).</p>
${qrCodeSvg(uri, 'QR code to add this account to your authenticator app')}
<p id="${SECRET_HELP_ID}">If you cannot scan it, enter this key in the app instead: <code>${groupsOfFour(secret)}</code></p>
<form method="post" action="${TWO_FACTOR_ENROL_PATH}">
${hiddenFields(context)}
<p class="hint" id="${CODE_HELP_ID}">Then enter the 6-digit code the app shows, to confirm it works.</p>
${inputField({ name: 'code', label: 'Code from the app', autocomplete: 'one-time-code', inputmode: 'numeric', describedBy: CODE_HELP_ID, maxlength: 12, invalid: error !== undefined, spellcheck: false, autofocus: true })}
<div class="actions"><button type="submit">Turn on</button> <a href="${ACCOUNT_TWO_FACTOR_HREF}">Cancel</a></div>
</form>`,
  });
}

/** Shown once, right after enrolment or regeneration: the only time the codes can be seen. */
export function recoveryCodesPage(options: { codes: readonly string[]; continueHref: string; enabled: boolean }): SafeHtml {
  return renderPage({
    title: 'Your recovery codes',
    body: html`<h1>Your recovery codes</h1>
${options.enabled ? html`<p role="status">Two-step verification is on.</p>` : ''}
<p>If you lose your phone, each of these codes signs you in once instead of a code from the app. Keep them somewhere safe: they are shown only now${options.enabled ? '' : ', and the old ones no longer work'}.</p>
<ul class="recovery-codes">
${options.codes.map((code) => html`<li><code>${code}</code></li>`)}
</ul>
<p class="actions"><a class="button" href="${options.continueHref}">I have saved them</a></p>`,
  });
}

export interface TotpDisablePageContent extends FormContext {
  error?: string;
}

export function totpDisablePage({ error, ...context }: TotpDisablePageContent): SafeHtml {
  return renderPage({
    title: 'Turn off two-step verification',
    body: html`<h1>Turn off two-step verification</h1>
${errorSummary(error)}
<p id="${CODE_HELP_ID}">To turn it off, enter a code from your authenticator app or one of your recovery codes. Your recovery codes stop working too.</p>
<form method="post" action="${TWO_FACTOR_DISABLE_PATH}">
${hiddenFields(context)}
${inputField({ name: 'code', label: 'Code', autocomplete: 'one-time-code', describedBy: CODE_HELP_ID, maxlength: 32, invalid: error !== undefined, spellcheck: false, autofocus: true })}
<div class="actions"><button type="submit">Turn off</button> <a href="${ACCOUNT_TWO_FACTOR_HREF}">Cancel</a></div>
</form>`,
  });
}

function groupsOfFour(secret: string): string {
  return secret.match(/.{1,4}/g)!.join(' ');
}
