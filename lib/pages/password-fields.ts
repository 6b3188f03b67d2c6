/**
 * The password inputs every page that takes one shares: registration, password reset and the
 * account page's change form. `new-password` and `current-password` let password managers tell
 * a password to generate and save from one to fill in; the length limits are the policy's.
 */
import { MAX_PASSWORD_CHARACTERS, MIN_PASSWORD_CHARACTERS } from '../auth/password-policy.js';
import { MAX_PASSWORD_LENGTH } from '../auth/password-hasher.js';
import type { SafeHtml } from '../http/html.js';
import { inputField } from './form-parts.js';

export { PASSWORD_RULES_TEXT } from '../auth/password-policy.js';

export function newPasswordField(options: { label?: string; describedBy?: string; invalid?: boolean; autofocus?: boolean } = {}): SafeHtml {
  return inputField({
    name: 'password',
    label: options.label ?? 'Password',
    type: 'password',
    autocomplete: 'new-password',
    describedBy: options.describedBy,
    minlength: MIN_PASSWORD_CHARACTERS,
    maxlength: MAX_PASSWORD_CHARACTERS,
    invalid: options.invalid,
    autofocus: options.autofocus,
  });
}

/** The password the user has now; no minimum, since it was set under whatever rules held then. */
export function currentPasswordField(options: { invalid?: boolean; autofocus?: boolean } = {}): SafeHtml {
  return inputField({
    name: 'current_password',
    label: 'Current password',
    type: 'password',
    autocomplete: 'current-password',
    maxlength: MAX_PASSWORD_LENGTH,
    invalid: options.invalid,
    autofocus: options.autofocus,
  });
}
