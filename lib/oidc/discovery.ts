import type { Config } from '../config.js';

/**
 * OpenID Provider metadata. Lists only what this deployment actually serves: a client library
 * that trusts discovery must never be steered to an endpoint or method that does not work.
 */
export function discoveryDocument(config: Config): Record<string, unknown> {
  const issuer = config.issuer;
  return {
    issuer,
    jwks_uri: `${issuer}/jwks`,
    id_token_signing_alg_values_supported: ['ES256'],
  };
}
