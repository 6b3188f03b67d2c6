/**
 * The two passkey ceremonies over DynamoDB only (the directory for credentials, the TTL table
 * for challenges), built once per instance; the credential store alone is passkey-store.ts.
 */
import { PasskeyAuthentication } from '../auth/passkey-authentication.js';
import { PasskeyChallenges } from '../auth/passkey-challenges.js';
import { PasskeyRegistration } from '../auth/passkey-registration.js';
import type { RelyingParty } from '../auth/passkey-relying-party.js';
import { once } from '../once.js';
import { getPasskeyStore } from './passkey-store.js';
import { getCache, getClock, getConfig } from './table-services.js';

const getRelyingParty = /* @__PURE__ */ once((): RelyingParty => ({ name: getConfig().appName, ...getConfig().webauthn }));

const getPasskeyChallenges = /* @__PURE__ */ once((): PasskeyChallenges => new PasskeyChallenges(getCache()));

export const getPasskeyRegistration = /* @__PURE__ */ once(
  (): PasskeyRegistration =>
    new PasskeyRegistration({ passkeys: getPasskeyStore(), challenges: getPasskeyChallenges(), relyingParty: getRelyingParty(), clock: getClock() }),
);

export const getPasskeyAuthentication = /* @__PURE__ */ once(
  (): PasskeyAuthentication =>
    new PasskeyAuthentication({ passkeys: getPasskeyStore(), challenges: getPasskeyChallenges(), relyingParty: getRelyingParty(), clock: getClock() }),
);
