/**
 * private_key_jwt verification as this deployment configures it: assertions' jti in the TTL
 * table, `jwks_uri` documents fetched under remote-jwks.ts's rules and cached per instance.
 */
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { ClientAssertionVerifier } from '../oidc/client-assertion.js';
import { RemoteJwks } from '../oidc/remote-jwks.js';
import type { TtlStore } from '../ttl-store.js';

export function clientAssertionVerifier(config: Pick<Config, 'issuer' | 'clientRegistration'>, store: TtlStore, clock: Clock): ClientAssertionVerifier {
  const { jwksCacheTtlS, jwksAllowLoopback } = config.clientRegistration;
  const remoteKeys = new RemoteJwks({ clock, cacheTtlS: jwksCacheTtlS, allowLoopback: jwksAllowLoopback });
  return new ClientAssertionVerifier({ issuer: config.issuer, store, remoteKeys, clock });
}
