/** The "Passkeys" section of /account (lib/pages/account-section.ts): one Query (the user's passkeys). */
import type { PasskeyStore } from '../auth/passkey-store.js';
import type { SafeHtml } from '../http/html.js';
import type { AccountSection, AccountSectionContext } from './account-section.js';
import { PASSKEYS_SECTION_ID, passkeysSection } from './passkey-pages.js';

export class PasskeysSection implements AccountSection {
  readonly id = PASSKEYS_SECTION_ID;
  readonly title = 'Passkeys';

  constructor(private readonly passkeys: Pick<PasskeyStore, 'listFor'>) {}

  async render({ user, antiforgeryToken }: AccountSectionContext): Promise<SafeHtml> {
    return passkeysSection({
      passkeys: await this.passkeys.listFor(user.id),
      antiforgeryToken,
      lastPasskeyWarning:
        user.passwordHash === undefined
          ? 'This is your last passkey and you have no password: after removing it you can sign in only with codes sent to your email.'
          : 'This is your last passkey: after removing it you sign in with your password again.',
    });
  }
}
