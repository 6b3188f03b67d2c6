/**
 * The second step of sign-in (`/login/second-factor`): a code from the authenticator app or a
 * recovery code, in one field (the server tells them apart). A user whose only second factor is
 * a passkey has nothing to type here: the page sends them to sign in with the passkey, which is
 * both factors at once.
 */
import type { TypedSecondFactors } from '../auth/second-factors.js';
import { html, type SafeHtml } from '../http/html.js';
import { renderPage } from '../http/page.js';
import { loginUrl } from '../session/return-to.js';
import { errorSummary, hiddenFields, inputField, type FormContext } from './form-parts.js';
import { SECOND_FACTOR_PATH } from './second-factor-gate.js';

const HELP_ID = 'second-factor-help';
/** A recovery code with its dashes, and room for spaces people type. */
const MAX_CODE_LENGTH = 32;

/** `returnTo` is for the links only: the step takes the destination from its flow, never from the form. */
export interface SecondFactorPageContent extends FormContext {
  factors: TypedSecondFactors;
  error?: string;
}

export function secondFactorPage({ factors, error, ...context }: SecondFactorPageContent): SafeHtml {
  const canType = factors.totp || factors.recoveryCodesLeft > 0;
  return renderPage({
    title: 'Confirm it is you',
    body: canType
      ? html`<h1>Confirm it is you</h1>
${errorSummary(error)}
<p id="${HELP_ID}">${factors.totp ? 'Enter the 6-digit code from your authenticator app, or one of your recovery codes.' : 'Enter one of your recovery codes.'}</p>
<form method="post" action="${SECOND_FACTOR_PATH}">
${hiddenFields({ antiforgeryToken: context.antiforgeryToken })}
${inputField({ name: 'code', label: factors.totp ? 'Code' : 'Recovery code', autocomplete: 'one-time-code', describedBy: HELP_ID, maxlength: MAX_CODE_LENGTH, invalid: error !== undefined, spellcheck: false, autofocus: true })}
<div class="actions"><button type="submit">Continue</button> <a href="${loginUrl(context.returnTo)}">Cancel</a></div>
</form>`
      : html`<h1>Use your passkey</h1>
<p>Your account is protected by a passkey. Sign in with your passkey to continue.</p>
<p class="actions"><a class="button" href="${loginUrl(context.returnTo)}">Sign in with a passkey</a></p>`,
  });
}

/** The flow is gone (finished in another tab, expired, or the cookie was not ours): sign in again. */
export const SECOND_FACTOR_EXPIRED_MESSAGE = 'This sign-in took too long or was already completed. Please sign in again.';
