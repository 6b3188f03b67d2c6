/**
 * The consent page (`/consent`): which application asks, where it will send the user back to,
 * and what it asks for, in plain words; "Allow" or "Deny". Everything about the client is text
 * (its registered name, the host of its verified redirect URI): no logo, since a picture the
 * registrant chose is a phishing aid and the CSP allows no remote image.
 */
import { html, type SafeHtml } from '../http/html.js';
import { renderPage } from '../http/page.js';
import { hiddenFields, type FormContext } from './form-parts.js';

export const CONSENT_DECISION_FIELD = 'decision';

export interface ConsentPageContent extends FormContext {
  /** The client's registered name, or its id. */
  clientName: string;
  /** Where the answer goes: the host (or the app's scheme) of the request's registered redirect URI. */
  redirectHost: string;
  /** One sentence per permission, e.g. "See your email address". */
  permissions: readonly string[];
}

export function consentPage({ clientName, redirectHost, permissions, ...context }: ConsentPageContent): SafeHtml {
  return renderPage({
    title: `Allow ${clientName}?`,
    body: html`<h1>Allow ${clientName} to use your account?</h1>
<p>The application <strong>${clientName}</strong>, which will receive your answer at <strong>${redirectHost}</strong>, asks to:</p>
<ul>
${permissions.map((permission) => html`<li>${permission}</li>`)}
</ul>
<p class="hint">Only allow applications you trust. You can take this access back at any time on your account page.</p>
<form method="post" action="/consent">
${hiddenFields(context)}
<div class="actions"><button type="submit" name="${CONSENT_DECISION_FIELD}" value="allow">Allow</button> <button type="submit" class="secondary" name="${CONSENT_DECISION_FIELD}" value="deny">Deny</button></div>
</form>`,
  });
}
