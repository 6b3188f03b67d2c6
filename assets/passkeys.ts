/**
 * The pages' only script, served from our own origin as /assets/passkeys.js (the CSP allows
 * `script-src 'self'` and nothing inline). Everything it needs is in the markup: forms marked
 * `data-passkey`, the JSON endpoint in `data-options`. Without WebAuthn it changes nothing, and
 * the pages work as before.
 *
 *   data-passkey="sign-in"    conditional mediation (the email field's autofill offers passkeys)
 *                              and the "Sign in with a passkey" button
 *   data-passkey="register"   the "Create a passkey" button
 *   input[name=passkey_capable]   set to "yes" when this device can make a passkey, so the server
 *                              offers one after a password sign-in only where it would work
 *   [data-passkey-continue]   on the offer page: a browser without WebAuthn follows it at once
 *
 * Built into lib/pages/passkey-script.generated.ts by scripts/build-passkey-script.ts.
 */
import {
  browserSupportsWebAuthn,
  browserSupportsWebAuthnAutofill,
  platformAuthenticatorIsAvailable,
  startAuthentication,
  startRegistration,
} from '@simplewebauthn/browser';

type Ceremony = (optionsJSON: never, autofill: boolean) => Promise<unknown>;

const CEREMONIES: Record<string, Ceremony> = {
  'sign-in': (optionsJSON, useBrowserAutofill) => startAuthentication({ optionsJSON, useBrowserAutofill }),
  register: (optionsJSON) => startRegistration({ optionsJSON }),
};

function showError(form: HTMLFormElement, message: string): void {
  const error = form.querySelector<HTMLElement>('[data-passkey-error]');
  if (!error) return;
  error.textContent = message;
  error.hidden = false;
}

/** Options from the server: a same-origin POST carrying the form's antiforgery token. */
async function fetchOptions(form: HTMLFormElement): Promise<unknown> {
  const body = new URLSearchParams();
  for (const [name, value] of new FormData(form)) if (typeof value === 'string' && name !== 'credential') body.append(name, value);
  const response = await fetch(form.dataset.options ?? '', { method: 'POST', body, credentials: 'same-origin', headers: { Accept: 'application/json' } });
  const answer = (await response.json()) as { options?: unknown; error_description?: string; location?: string };
  if (answer.location) window.location.assign(answer.location);
  if (!response.ok || answer.options === undefined) throw new Error(answer.error_description ?? 'The passkey could not be started. Reload the page and try again.');
  return answer.options;
}

async function run(form: HTMLFormElement, autofill: boolean): Promise<void> {
  const ceremony = CEREMONIES[form.dataset.passkey ?? ''];
  if (!ceremony) return;
  const options = await fetchOptions(form);
  const credential = await ceremony(options as never, autofill);
  const field = form.querySelector<HTMLInputElement>('input[name=credential]');
  if (!field) return;
  field.value = JSON.stringify(credential);
  form.submit();
}

/** The user closed the dialog, or a newer ceremony replaced this one: nothing to say. */
function isCancel(error: unknown): boolean {
  return error instanceof Error && (error.name === 'NotAllowedError' || error.name === 'AbortError' || (error as { code?: string }).code === 'ERROR_CEREMONY_ABORTED');
}

async function start(): Promise<void> {
  const capable = document.querySelectorAll<HTMLInputElement>('input[name=passkey_capable]');
  const continueLink = document.querySelector<HTMLAnchorElement>('[data-passkey-continue]');
  if (!browserSupportsWebAuthn()) {
    if (continueLink) window.location.replace(continueLink.href);
    return;
  }
  if (capable.length > 0 && (await platformAuthenticatorIsAvailable())) for (const field of capable) field.value = 'yes';

  for (const form of document.querySelectorAll<HTMLFormElement>('form[data-passkey]')) {
    form.hidden = false;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      run(form, false).catch((error: unknown) => {
        if (!isCancel(error)) showError(form, error instanceof Error ? error.message : String(error));
      });
    });
    if (form.dataset.passkey === 'sign-in' && (await browserSupportsWebAuthnAutofill())) {
      // Conditional mediation: waits for the user to pick a passkey in the email field's autofill.
      run(form, true).catch(() => undefined);
    }
  }
}

void start();
