/**
 * `/account`: the sections the page shows, in the order it shows them. Each feature adds its
 * section here with one line (lib/pages/account-section.ts); the section's forms post to its
 * own endpoint under `/account/<id>/...`, built wherever that feature composes its endpoints.
 * A section here must only render (reads, no mail): every `/account` request builds the list.
 */
import type { AccountSection } from '../pages/account-section.js';
import { once } from '../once.js';
import { TwoFactorSection } from '../pages/two-factor-section.js';
import { getTotpFactor } from './second-factor-services.js';
import { getAppsSection, getSessionsSection } from './account-session-endpoints.js';

export const getAccountSections = /* @__PURE__ */ once(
  (): readonly AccountSection[] => [
    // profile, email, password (H3)
    getSessionsSection(),
    getAppsSection(),
    // passkeys (H5)
    new TwoFactorSection(getTotpFactor()),
    // delete account (H3): keep it last
  ],
);
