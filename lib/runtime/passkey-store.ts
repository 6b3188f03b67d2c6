/**
 * The passkey credentials in the directory, built once per instance: what the sign-in chain (the
 * passkey offer), the second-factor lookup and the account page read. Apart from the ceremonies
 * (passkey-services.ts) so that a function which only reads passkeys does not bundle
 * @simplewebauthn/server and its certificate parsers (~300 KB, tens of ms of cold start).
 */
import { once } from '../once.js';
import { PasskeyDirectory } from '../store/passkey-directory.js';
import { getClock, getConfig, getDocumentClient } from './table-services.js';

export const getPasskeyStore = /* @__PURE__ */ once(
  (): PasskeyDirectory => new PasskeyDirectory({ client: getDocumentClient(), tableName: getConfig().tables.directory, clock: getClock() }),
);
