/**
 * The "sessions" and "apps" sections of /account and the endpoint of their forms, over the
 * instance's shared services (services.ts: sessions and antiforgery need the key ring) and the
 * account services (account-services.ts: grants and consents, tables only).
 */
import { once } from '../once.js';
import { AppsSection } from '../pages/account-apps.js';
import { AccountSessionsEndpoint } from '../pages/account-sessions-endpoint.js';
import { SessionsSection } from '../pages/account-sessions.js';
import { getAccountServices } from './account-services.js';
import { getAntiforgery, getSessions } from './services.js';
import { getTokenInspection } from './table-services.js';

export const getSessionsSection = /* @__PURE__ */ once((): SessionsSection => new SessionsSection(getSessions()));

export const getAppsSection = /* @__PURE__ */ once((): AppsSection => {
  const { grants, consents } = getAccountServices();
  return new AppsSection({ grants, consents, clients: getTokenInspection().clientLookup });
});

export const getAccountSessionsEndpoint = /* @__PURE__ */ once((): AccountSessionsEndpoint => {
  const { grants, consents } = getAccountServices();
  return new AccountSessionsEndpoint({ antiforgery: getAntiforgery(), sessions: getSessions(), grants, consents });
});
