/** The one-time code field, the same on the sign-in and registration pages. */
import type { SafeHtml } from '../http/html.js';
import { inputField } from './form-parts.js';

/** Id of the sentence that says where the code is; pages render it above the form. */
export const CODE_HELP_ID = 'code-help';

export function codeField(options: { invalid?: boolean } = {}): SafeHtml {
  return inputField({
    name: 'code',
    label: 'Code',
    describedBy: CODE_HELP_ID,
    autocomplete: 'one-time-code',
    inputmode: 'numeric',
    maxlength: 12,
    invalid: options.invalid,
    spellcheck: false,
    autofocus: true,
  });
}
