/** The "Two-step verification" section of /account (lib/pages/account-section.ts): two GetItems (the TOTP item, the recovery codes). */
import type { TypedSecondFactors } from '../auth/second-factors.js';
import type { SafeHtml } from '../http/html.js';
import type { AccountSection, AccountSectionContext } from './account-section.js';
import { twoFactorSection } from './two-factor.js';
import { TWO_FACTOR_SECTION_ID } from './two-factor-paths.js';

export class TwoFactorSection implements AccountSection {
  readonly id = TWO_FACTOR_SECTION_ID;
  readonly title = 'Two-step verification';

  constructor(private readonly factors: { typed(userId: string): Promise<TypedSecondFactors> }) {}

  async render({ user, antiforgeryToken }: AccountSectionContext): Promise<SafeHtml> {
    return twoFactorSection(await this.factors.typed(user.id), antiforgeryToken);
  }
}
