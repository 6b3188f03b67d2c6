/** POST /account/profile: the name (one UpdateItem); refused names come back with what was typed. */
import { normalizeName } from '../auth/registration.js';
import type { UserStore } from '../auth/user-store.js';
import { html, redirect, type HttpResponse } from '../http/response.js';
import { accountDoneUrl, ACCOUNT_PATH } from './account.js';
import type { AccountAction, AccountRequest } from './account-actions-endpoint.js';
import { auditProfileUpdated, countAccountChange } from './account-events.js';
import { profilePage } from './account-forms.js';

export class ProfileAction implements AccountAction {
  constructor(private readonly users: Pick<UserStore, 'updateProfile'>) {}

  async handle({ user, form, antiforgeryToken }: AccountRequest): Promise<HttpResponse> {
    if (!form) return redirect(`${ACCOUNT_PATH}#profile`, { status: 303 });
    const typed = form.get('name') ?? '';
    const name = normalizeName(typed);
    if (name === undefined) return html(400, profilePage({ antiforgeryToken, name: typed, error: 'Enter your name (at most 100 characters).' }));
    if (name !== user.name) {
      await this.users.updateProfile(user.id, { name });
      auditProfileUpdated(user);
      countAccountChange('profile');
    }
    return redirect(accountDoneUrl('profile'), { status: 303 });
  }
}
