/**
 * Pieces every form page shares: the error summary, labelled inputs and the hidden fields
 * (antiforgery token, return_to, step). Labels wrap their inputs and carry an explicit `for`,
 * so every control has an accessible name; a field in error is marked `aria-invalid` and
 * points at the summary with `aria-describedby`.
 */
import { html, type SafeHtml } from '../http/html.js';
import { ANTIFORGERY_FIELD } from '../session/antiforgery.js';
import { RETURN_TO_PARAM, safeReturnTo } from '../session/return-to.js';

export const ERROR_SUMMARY_ID = 'form-error';

/** What every form page gets from its handler. */
export interface FormContext {
  /** The antiforgery form token for the hidden `_af` field. */
  antiforgeryToken: string;
  /** A same-origin path to continue to after sign-in; kept in a hidden field when given. */
  returnTo?: string;
}

/** A message shown after a submit; `role="alert"` makes screen readers announce it. */
export function errorSummary(message: string | undefined): SafeHtml {
  return html`${message !== undefined && html`<p class="error" role="alert" id="${ERROR_SUMMARY_ID}">${message}</p>`}`;
}

/** A neutral, announced notice (e.g. "we sent a new code"). */
export function notice(message: string | undefined): SafeHtml {
  return html`${message !== undefined && html`<p class="hint" role="status">${message}</p>`}`;
}

export function hiddenFields(context: FormContext, extra: Record<string, string> = {}): SafeHtml {
  const returnTo = safeReturnTo(context.returnTo);
  return html`<input type="hidden" name="${ANTIFORGERY_FIELD}" value="${context.antiforgeryToken}">
${returnTo !== undefined && html`<input type="hidden" name="${RETURN_TO_PARAM}" value="${returnTo}">`}
${Object.entries(extra).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}`;
}

export interface InputField {
  name: string;
  label: string;
  type?: 'text' | 'email' | 'password';
  autocomplete: string;
  value?: string;
  /** Id of an element elsewhere on the page that explains the field (e.g. password rules). */
  describedBy?: string;
  invalid?: boolean;
  inputmode?: 'numeric' | 'email' | 'text';
  required?: boolean;
  autofocus?: boolean;
  minlength?: number;
  maxlength?: number;
  spellcheck?: boolean;
}

export function inputField(field: InputField): SafeHtml {
  const id = `field-${field.name}`;
  const describedBy = [field.describedBy ?? '', field.invalid ? ERROR_SUMMARY_ID : ''].filter(Boolean).join(' ');
  return html`<label for="${id}">${field.label}
<input id="${id}" name="${field.name}" type="${field.type ?? 'text'}" autocomplete="${field.autocomplete}"${attr('value', field.value)}${attr('inputmode', field.inputmode)}${attr('minlength', field.minlength)}${attr('maxlength', field.maxlength)}${attr('aria-describedby', describedBy || undefined)}${field.invalid ? html` aria-invalid="true"` : ''}${field.spellcheck === false ? html` spellcheck="false" autocapitalize="none"` : ''}${(field.required ?? true) ? html` required` : ''}${field.autofocus ? html` autofocus` : ''}>
</label>`;
}

/** ` name="value"`, or nothing when the value is absent. */
function attr(name: string, value: string | number | undefined): SafeHtml {
  return value === undefined ? html`` : html` ${name}="${String(value)}"`;
}

/** A same-origin link that carries `return_to` along, e.g. from sign-in to registration. */
export function hrefWithReturnTo(path: string, returnTo: string | undefined, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams(extra);
  const safe = safeReturnTo(returnTo);
  if (safe !== undefined) params.set(RETURN_TO_PARAM, safe);
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}
