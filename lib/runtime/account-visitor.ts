/** Who is on an account page, and whether their sign-in is recent: shared by /account and its sections' own functions. */
import { once } from '../once.js';
import { AccountVisitor } from '../pages/account-visitor.js';
import { RecentAuthentication } from '../pages/recent-authentication.js';
import { getSecondFactorLookup } from './second-factor-lookup.js';
import { getClock, getConfig, getSessions, getUserDirectory } from './services.js';

export const getAccountVisitor = /* @__PURE__ */ once((): AccountVisitor => new AccountVisitor({ sessions: getSessions(), users: getUserDirectory() }));

export const getRecentAuthentication = /* @__PURE__ */ once(
  (): RecentAuthentication => new RecentAuthentication({ secondFactors: getSecondFactorLookup(), settings: getConfig().account, clock: getClock() }),
);
