/**
 * The HTML of passkeys: the sign-in parts of /login, the "Passkeys" section of /account, the
 * offer after a password sign-in. Every ceremony form is a plain form marked `data-passkey`
 * and hidden until the browser script (assets/passkeys.ts) has checked WebAuthn: it fetches
 * options from `data-options`, runs the ceremony, puts the answer in the `credential` field and
 * submits. No inline script; options travel through a JSON fetch, never through the page.
 */
import type { Passkey } from '../auth/passkey-store.js';
import { MAX_PASSKEY_NAME_LENGTH } from '../auth/passkey-names.js';
import { html, type SafeHtml } from '../http/html.js';
import { renderPage } from '../http/page.js';
import { afterSignIn } from '../session/return-to.js';
import { errorSummary, hiddenFields, type FormContext } from './form-parts.js';
import { PASSKEY_SCRIPT_HREF } from './passkey-script-href.generated.js';

export const PASSKEYS_SECTION_ID = 'passkeys';
export const PASSKEY_SIGN_IN_PATH = '/passkeys/sign-in';
export const PASSKEY_SIGN_IN_OPTIONS_PATH = '/passkeys/sign-in/options';
export const PASSKEY_OFFER_PATH = '/passkeys/offer';
export const ADD_PASSKEY_OPTIONS_PATH = '/account/passkeys/options';
export const ADD_PASSKEY_PATH = '/account/passkeys/add';
export const RENAME_PASSKEY_PATH = '/account/passkeys/rename';
export const REMOVE_PASSKEY_PATH = '/account/passkeys/remove';

/** The ceremony's answer (JSON), filled in by the script. */
export const CREDENTIAL_FIELD = 'credential';
/** Which passkey a rename or removal is about. */
export const PASSKEY_FIELD = 'passkey';
export const NAME_FIELD = 'name';
/** The checkbox that acknowledges the warning before the last passkey goes. */
export const CONFIRM_FIELD = 'confirm';
/** Set to "yes" by the script on a device that can make a passkey (see PasskeyOfferCompletion). */
export const PASSKEY_CAPABLE_FIELD = 'passkey_capable';

export function passkeyScript(): SafeHtml {
  return html`<script src="${PASSKEY_SCRIPT_HREF}" defer></script>`;
}

/** In a password form: tells the server whether offering a passkey afterwards makes sense here. */
export function passkeyCapableField(): SafeHtml {
  return html`<input type="hidden" name="${PASSKEY_CAPABLE_FIELD}" value="">`;
}

function ceremonyForm(kind: 'sign-in' | 'register', action: string, optionsPath: string, context: FormContext, button: string): SafeHtml {
  return html`<form method="post" action="${action}" data-passkey="${kind}" data-options="${optionsPath}" hidden>
${hiddenFields(context)}
<input type="hidden" name="${CREDENTIAL_FIELD}" value="">
<p class="error" role="alert" data-passkey-error hidden></p>
<div class="actions"><button type="submit">${button}</button></div>
</form>`;
}

/** Below the password form of /login: the button, and the script that also starts the email field's autofill. */
export function passkeySignIn(context: FormContext): SafeHtml {
  return html`${ceremonyForm('sign-in', PASSKEY_SIGN_IN_PATH, PASSKEY_SIGN_IN_OPTIONS_PATH, context, 'Sign in with a passkey')}
${passkeyScript()}`;
}

export interface PasskeysSectionContent {
  passkeys: readonly Passkey[];
  antiforgeryToken: string;
  /** The user has a password or other factor to fall back on: removing the last passkey only warns. */
  lastPasskeyWarning: string;
}

function when(iso: string | undefined): string {
  return iso === undefined ? 'never' : new Date(iso).toUTCString().replace(/:\d\d GMT$/, ' UTC');
}

export function passkeysSection({ passkeys, antiforgeryToken, lastPasskeyWarning }: PasskeysSectionContent): SafeHtml {
  const context = { antiforgeryToken };
  const rows = passkeys.map(
    (p) => html`<li>
<p><strong>${p.name}</strong> · ${p.backupEligible ? 'Synced passkey (backed up to your passkey provider)' : 'Device-bound passkey (on this one authenticator only)'}</p>
<p class="hint">Added ${when(p.createdAt)} · last used ${when(p.lastUsedAt)}</p>
<form method="post" action="${RENAME_PASSKEY_PATH}">
${hiddenFields(context, { [PASSKEY_FIELD]: p.id })}
<label for="name-${p.id}">New name <input id="name-${p.id}" name="${NAME_FIELD}" type="text" autocomplete="off" value="${p.name}" maxlength="${String(MAX_PASSKEY_NAME_LENGTH)}" required></label>
<div class="actions"><button type="submit" class="secondary">Rename</button></div>
</form>
<form method="post" action="${REMOVE_PASSKEY_PATH}">
${hiddenFields(context, { [PASSKEY_FIELD]: p.id })}
${passkeys.length === 1 && html`<p class="error">${lastPasskeyWarning}</p>
<label><input type="checkbox" name="${CONFIRM_FIELD}" value="yes" required> I understand, remove my last passkey</label>`}
<div class="actions"><button type="submit" class="secondary">Remove ${p.name}</button></div>
</form>
</li>`,
  );
  return html`<p class="hint">A passkey signs you in with your fingerprint, face or screen lock instead of a password, and cannot be phished.</p>
${passkeys.length === 0 ? html`<p>You have no passkeys yet.</p>` : html`<ul>${rows}</ul>`}
${ceremonyForm('register', ADD_PASSKEY_PATH, ADD_PASSKEY_OPTIONS_PATH, context, 'Add a passkey')}
${passkeyScript()}`;
}

/** "Sign in faster next time", right after a password sign-in or registration. */
export function passkeyOfferPage(context: FormContext): SafeHtml {
  const next = afterSignIn(context.returnTo);
  return renderPage({
    title: 'Sign in faster next time',
    body: html`<h1>Sign in faster next time</h1>
<p>Create a passkey and sign in with your fingerprint, face or screen lock instead of your password. Nobody can phish it.</p>
${ceremonyForm('register', ADD_PASSKEY_PATH, ADD_PASSKEY_OPTIONS_PATH, context, 'Create a passkey')}
<p><a href="${next}" data-passkey-continue>Not now</a></p>
${passkeyScript()}`,
  });
}

export function passkeyProblemPage(title: string, message: string, back: string): SafeHtml {
  return renderPage({
    title,
    body: html`<h1>${title}</h1>
${errorSummary(message)}
<p class="actions"><a class="button" href="${back}">Back</a></p>`,
  });
}
