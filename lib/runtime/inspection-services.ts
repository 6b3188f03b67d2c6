/**
 * Userinfo, revocation and introspection of this instance: they verify tokens against the
 * published signing keys and read grants, so, unlike services.ts, nothing here loads KMS.
 */
import { systemClock } from '../clock.js';
import { loadConfig } from '../config.js';
import { once } from '../once.js';
import { createDocumentClient } from './dynamodb-client.js';
import { createTokenInspection, type TokenInspection } from './oidc-provider.js';

export const getTokenInspection = /* @__PURE__ */ once((): TokenInspection => {
  const config = loadConfig();
  return createTokenInspection({
    config,
    clock: systemClock,
    documentClient: createDocumentClient({ region: config.region, endpoint: config.endpoints.dynamodb }),
  });
});
