/**
 * `/account`: the sections the page shows, in the order it shows them. Each feature adds its
 * section here with one line (lib/pages/account-section.ts); the section's forms post to its
 * own endpoint under `/account/<id>/...`, built wherever that feature composes its endpoints.
 * A section here must only render (reads, no mail): every `/account` request builds the list.
 */
import type { AccountSection } from '../pages/account-section.js';
import { once } from '../once.js';
import { DeleteAccountSection, EmailSection, PasswordSection, ProfileSection } from '../pages/account-basic-sections.js';
import { AccountEndpoint } from '../pages/account-endpoint.js';
import { getAccountVisitor } from './account-visitor.js';
import { getAntiforgery, getClock } from './services.js';
import { TwoFactorSection } from '../pages/two-factor-section.js';
import { PasskeysSection } from '../pages/passkey-section.js';
import { getPasskeyStore } from './passkey-store.js';
import { getTotpFactor } from './second-factor-services.js';
import { getAppsSection, getSessionsSection } from './account-session-endpoints.js';

export const getAccountSections = /* @__PURE__ */ once(
  (): readonly AccountSection[] => [
    new ProfileSection(),
    new EmailSection(),
    new PasswordSection(),
    getSessionsSection(),
    getAppsSection(),
    new PasskeysSection(getPasskeyStore()),
    new TwoFactorSection(getTotpFactor()),
    // Keep it last.
    new DeleteAccountSection(),
  ],
);

/** GET /account: the page over the sections above. */
export const getAccountEndpoint = /* @__PURE__ */ once(
  (): AccountEndpoint =>
    new AccountEndpoint({ visitor: getAccountVisitor(), antiforgery: getAntiforgery(), sections: getAccountSections(), clock: getClock() }),
);
