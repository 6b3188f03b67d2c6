import type { Config } from '../config.js';
import { ACR_VALUES_SUPPORTED } from './acr.js';
import { SUPPORTED_GRANT_TYPES } from './client-metadata.js';
import { TOKEN_ENDPOINT_AUTH_METHODS } from './client-authentication.js';
import { SUPPORTED_CODE_CHALLENGE_METHODS } from './pkce.js';
import { SIGNING_ALGORITHMS } from '../signing/signing-key-policy.js';
import { CLIENT_ASSERTION_ALGORITHMS } from './client-assertion.js';
import { REGISTRATION_PATH } from './client-registration-metadata.js';
import { SCOPE_CLAIMS, SUPPORTED_SCOPES } from './scopes.js';

/** Claims the ID token and userinfo can carry (token-claims.ts, scopes.ts). */
const CLAIMS_SUPPORTED = ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'acr', 'amr', 'sid', 'at_hash', ...SCOPE_CLAIMS.profile, ...SCOPE_CLAIMS.email];

/**
 * OpenID Provider metadata (OpenID Connect Discovery 1.0, RFC 8414). Lists only what this
 * deployment actually serves: a client library that trusts discovery must never be steered to
 * an endpoint or method that does not work.
 */
export function discoveryDocument(config: Config): Record<string, unknown> {
  const issuer = config.issuer;
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    userinfo_endpoint: `${issuer}/userinfo`,
    jwks_uri: `${issuer}/jwks`,
    end_session_endpoint: `${issuer}/logout`,
    revocation_endpoint: `${issuer}/revoke`,
    introspection_endpoint: `${issuer}/introspect`,
    ...(config.clientRegistration.mode !== 'off' ? { registration_endpoint: `${issuer}${REGISTRATION_PATH}` } : {}),
    scopes_supported: [...SUPPORTED_SCOPES],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: [...SUPPORTED_GRANT_TYPES],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...SIGNING_ALGORITHMS],
    userinfo_signing_alg_values_supported: [...SIGNING_ALGORITHMS],
    token_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS],
    revocation_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS],
    introspection_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS],
    token_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGORITHMS],
    revocation_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGORITHMS],
    introspection_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGORITHMS],
    code_challenge_methods_supported: [...SUPPORTED_CODE_CHALLENGE_METHODS],
    claims_supported: CLAIMS_SUPPORTED,
    acr_values_supported: [...ACR_VALUES_SUPPORTED],
    claims_parameter_supported: true,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    prompt_values_supported: ['none', 'login', 'consent'],
    authorization_response_iss_parameter_supported: true,
  };
}
