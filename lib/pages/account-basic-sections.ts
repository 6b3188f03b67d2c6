/**
 * The /account sections of the account itself: name, email address, password, deletion. They
 * render from the user the page already read (no I/O of their own); their forms and pages are
 * served under /account/<id> by AccountActionsEndpoint.
 */
import { MAX_NAME_LENGTH } from '../auth/registration.js';
import { html, type SafeHtml } from '../http/html.js';
import type { AccountSection, AccountSectionContext } from './account-section.js';
import { hiddenFields, inputField } from './form-parts.js';

export class ProfileSection implements AccountSection {
  readonly id = 'profile';
  readonly title = 'Name';

  async render({ user, antiforgeryToken }: AccountSectionContext): Promise<SafeHtml> {
    return profileForm({ antiforgeryToken, name: user.name });
  }
}

/** Also the page shown again, with the typed name, when the name is refused. */
export function profileForm({ antiforgeryToken, name, error }: { antiforgeryToken: string; name: string; error?: boolean }): SafeHtml {
  return html`<form method="post" action="/account/profile">
${hiddenFields({ antiforgeryToken })}
${inputField({ name: 'name', label: 'Your name', autocomplete: 'name', value: name, maxlength: MAX_NAME_LENGTH, invalid: error })}
<div class="actions"><button type="submit">Save name</button></div>
</form>`;
}

export class EmailSection implements AccountSection {
  readonly id = 'email';
  readonly title = 'Email address';

  async render({ user }: AccountSectionContext): Promise<SafeHtml> {
    return html`<p>${user.email}</p>
<p class="actions"><a class="button secondary" href="/account/email">Change email address</a></p>`;
  }
}

export class PasswordSection implements AccountSection {
  readonly id = 'password';
  readonly title = 'Password';

  async render({ user }: AccountSectionContext): Promise<SafeHtml> {
    const state = user.passwordHash === undefined ? 'You have no password: you sign in with a code sent to your email.' : 'You have a password.';
    return html`<p>${state}</p>
<p class="actions"><a class="button secondary" href="/account/password">${user.passwordHash === undefined ? 'Set a password' : 'Change password'}</a></p>`;
  }
}

export class DeleteAccountSection implements AccountSection {
  readonly id = 'delete';
  readonly title = 'Delete account';

  async render(): Promise<SafeHtml> {
    return html`<p>Deleting your account removes your profile, signs you out everywhere and takes away every app's access. It cannot be undone.</p>
<p class="actions"><a class="button secondary" href="/account/delete">Delete account</a></p>`;
  }
}
