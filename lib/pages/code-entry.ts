/** The one-time code field, the same on the sign-in and registration pages. */
import type { SafeHtml } from '../http/html.js';
import { inputField } from './form-parts.js';

export function codeField(options: { invalid?: boolean } = {}): SafeHtml {
  return inputField({
    name: 'code',
    label: 'Code',
    hint: 'The 6-digit code from the email.',
    autocomplete: 'one-time-code',
    inputmode: 'numeric',
    maxlength: 12,
    invalid: options.invalid,
    spellcheck: false,
    autofocus: true,
  });
}
