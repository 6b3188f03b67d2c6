/**
 * RFC 7591 client metadata (with OpenID Connect Dynamic Client Registration 1.0's additions):
 * the JSON a registrant sends, checked rule by rule, turned into what the client store keeps,
 * and the registered client turned back into the JSON RFC 7591 section 3.2.1 answers. Pure.
 * Each refusal names RFC 7591 section 3.2.2's error: `invalid_redirect_uri` for a redirect URI,
 * `invalid_client_metadata` for anything else.
 */
import { isSigningAlg, type SigningAlg } from '../signing/signing-key-policy.js';
import { CLIENT_ASSERTION_ALGORITHMS } from './client-assertion.js';
import {
  redirectUriProblem,
  SUPPORTED_GRANT_TYPES,
  TOKEN_ENDPOINT_AUTH_METHODS,
  type ClientAuthMethod,
  type ClientJwks,
  type ClientKeys,
  type ClientRegistration,
  type GrantType,
  type OAuthClient,
} from './client-metadata.js';
import { OAuthError } from './errors.js';
import { SUPPORTED_SCOPES } from './scopes.js';

/** Where registration is served (discovery's registration_endpoint); a client's own URI appends `/<client_id>`. */
export const REGISTRATION_PATH = '/connect/register';

export type RegistrationErrorCode = 'invalid_redirect_uri' | 'invalid_client_metadata';

/** RFC 7591 section 3.2.2: 400 with the error code and a description for the registrant's developer. */
export class RegistrationRefused extends OAuthError {
  readonly code: RegistrationErrorCode;

  constructor(code: RegistrationErrorCode, description: string) {
    super(description);
    this.code = code;
  }
}

/** Dynamically registered clients get RS256 ID tokens unless they ask otherwise (OIDC Registration section 2). */
const DEFAULT_ID_TOKEN_ALG: SigningAlg = 'RS256';
const MAX_KEYS = 10;
const MAX_URIS = 20;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** What registration (or an RFC 7592 update) asks for, before the server adds id, secret and tokens. */
export interface RequestedMetadata extends Omit<ClientRegistration, 'clientId' | 'secret' | 'secretHash' | 'dynamic' | 'firstParty'> {
  tokenEndpointAuthMethod: ClientAuthMethod;
  applicationType: 'web' | 'native';
}

const metadataError = (description: string) => new RegistrationRefused('invalid_client_metadata', description);

/**
 * The registrant's metadata, validated. `allowLoopbackJwksUri` follows REMOTE_JWKS_ALLOW_LOOPBACK
 * (local stack and tests only).
 */
export function parseRegistrationRequest(body: unknown, options: { allowLoopbackJwksUri: boolean }): RequestedMetadata {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw metadataError('The request body must be a JSON object.');
  const input = body as Record<string, unknown>;

  const applicationType = optionalString(input, 'application_type') ?? 'web';
  if (applicationType !== 'web' && applicationType !== 'native') throw metadataError('application_type must be web or native.');

  const grantTypes = stringList(input, 'grant_types') ?? ['authorization_code'];
  for (const grant of grantTypes) {
    if (!(SUPPORTED_GRANT_TYPES as readonly string[]).includes(grant)) throw metadataError(`Unsupported grant type: ${grant}.`);
  }
  const responseTypes = stringList(input, 'response_types') ?? (grantTypes.includes('authorization_code') ? ['code'] : []);
  for (const type of responseTypes) {
    if (type !== 'code') throw metadataError(`Unsupported response type: ${type} (only code).`);
  }
  // RFC 7591 section 2.1: the code response type and the authorization_code grant go together.
  if (responseTypes.includes('code') !== grantTypes.includes('authorization_code')) {
    throw metadataError('response_types code and grant_types authorization_code must be registered together.');
  }

  const method = optionalString(input, 'token_endpoint_auth_method') ?? 'client_secret_basic';
  if (!(TOKEN_ENDPOINT_AUTH_METHODS as readonly string[]).includes(method)) throw metadataError(`Unsupported token_endpoint_auth_method: ${method}.`);
  const tokenEndpointAuthMethod = method as ClientAuthMethod;
  if (tokenEndpointAuthMethod === 'none' && grantTypes.includes('client_credentials')) throw metadataError('A client without credentials cannot use client_credentials.');
  const signingAlg = optionalString(input, 'token_endpoint_auth_signing_alg');
  if (signingAlg !== undefined && (tokenEndpointAuthMethod !== 'private_key_jwt' || !(CLIENT_ASSERTION_ALGORITHMS as readonly string[]).includes(signingAlg))) {
    throw metadataError(`Unsupported token_endpoint_auth_signing_alg: ${signingAlg}.`);
  }

  const redirectUris = stringList(input, 'redirect_uris') ?? [];
  if (grantTypes.includes('authorization_code') && redirectUris.length === 0) throw new RegistrationRefused('invalid_redirect_uri', 'redirect_uris is required for the authorization_code grant.');
  if (redirectUris.length > MAX_URIS) throw new RegistrationRefused('invalid_redirect_uri', `At most ${MAX_URIS} redirect_uris.`);
  for (const uri of redirectUris) {
    const problem = redirectUriProblem(uri) ?? applicationTypeProblem(uri, applicationType);
    if (problem !== undefined) throw new RegistrationRefused('invalid_redirect_uri', problem);
  }
  const postLogoutRedirectUris = stringList(input, 'post_logout_redirect_uris') ?? [];
  if (postLogoutRedirectUris.length > MAX_URIS) throw metadataError(`At most ${MAX_URIS} post_logout_redirect_uris.`);
  for (const uri of postLogoutRedirectUris) {
    const problem = redirectUriProblem(uri) ?? applicationTypeProblem(uri, applicationType);
    if (problem !== undefined) throw metadataError(`post_logout_redirect_uris: ${problem}`);
  }

  const keys = clientKeys(input, options);
  if (tokenEndpointAuthMethod === 'private_key_jwt' && keys === undefined) throw metadataError('private_key_jwt needs jwks or jwks_uri.');

  const idTokenAlg = optionalString(input, 'id_token_signed_response_alg') ?? DEFAULT_ID_TOKEN_ALG;
  if (!isSigningAlg(idTokenAlg)) throw metadataError(`Unsupported id_token_signed_response_alg: ${idTokenAlg} (ES256 or RS256).`);
  const userinfoAlg = optionalString(input, 'userinfo_signed_response_alg');
  if (userinfoAlg !== undefined && !isSigningAlg(userinfoAlg)) throw metadataError(`Unsupported userinfo_signed_response_alg: ${userinfoAlg} (ES256 or RS256).`);
  const subjectType = optionalString(input, 'subject_type');
  if (subjectType !== undefined && subjectType !== 'public') throw metadataError('Only the public subject_type is supported.');

  const scope = optionalString(input, 'scope');
  const allowedScopes = scope === undefined ? undefined : scope.split(' ').filter((part) => part !== '');
  for (const part of allowedScopes ?? []) {
    if (!(SUPPORTED_SCOPES as readonly string[]).includes(part)) throw metadataError(`Unsupported scope: ${part}.`);
  }
  const name = optionalString(input, 'client_name');

  return {
    tokenEndpointAuthMethod,
    applicationType,
    redirectUris,
    postLogoutRedirectUris,
    grantTypes: grantTypes as GrantType[],
    idTokenSignedResponseAlg: idTokenAlg,
    ...(userinfoAlg !== undefined ? { userinfoSignedResponseAlg: userinfoAlg as SigningAlg } : {}),
    ...(allowedScopes !== undefined ? { allowedScopes } : {}),
    ...(name !== undefined ? { name } : {}),
    // Keys only matter to private_key_jwt; for other methods they are not registered (RFC 7591 lets a server ignore metadata).
    ...(tokenEndpointAuthMethod === 'private_key_jwt' && keys !== undefined ? { privateKeyJwt: keys } : {}),
  };
}

/** OIDC Registration section 2: web clients use https and no loopback host; native ones loopback http or a private-use scheme (or https). */
function applicationTypeProblem(uri: string, applicationType: 'web' | 'native'): string | undefined {
  const url = new URL(uri);
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  if (applicationType === 'web') {
    if (url.protocol !== 'https:') return `a web client's redirect URIs must be https: ${uri}`;
    if (loopback) return `a web client's redirect URIs must not name a loopback host: ${uri}`;
  }
  return undefined;
}

function clientKeys(input: Record<string, unknown>, options: { allowLoopbackJwksUri: boolean }): ClientKeys | undefined {
  const hasJwks = input.jwks !== undefined;
  const hasUri = input.jwks_uri !== undefined;
  if (hasJwks && hasUri) throw metadataError('Register jwks or jwks_uri, not both.');
  if (hasUri) {
    const uri = optionalString(input, 'jwks_uri')!;
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw metadataError('jwks_uri must be an absolute https URL.');
    }
    const loopbackHttp = options.allowLoopbackJwksUri && url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
    if ((url.protocol !== 'https:' && !loopbackHttp) || url.hash !== '' || url.username !== '' || url.password !== '') {
      throw metadataError('jwks_uri must be an https URL without fragment or credentials.');
    }
    return { jwksUri: uri };
  }
  if (!hasJwks) return undefined;
  return { jwks: publicJwks(input.jwks) };
}

/** A JWK Set of at most MAX_KEYS public keys; a private key here means the registrant leaked it. */
function publicJwks(value: unknown): ClientJwks {
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (typeof value !== 'object' || !Array.isArray(keys) || keys.length === 0 || keys.length > MAX_KEYS) {
    throw metadataError(`jwks must be a JWK Set with 1 to ${MAX_KEYS} keys.`);
  }
  for (const key of keys) {
    if (typeof key !== 'object' || key === null || typeof (key as { kty?: unknown }).kty !== 'string') throw metadataError('Every key of jwks needs a kty.');
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) {
      if (member in key) throw metadataError('jwks must hold public keys only.');
    }
  }
  return { keys } as ClientJwks;
}

function optionalString(input: Record<string, unknown>, name: string): string | undefined {
  const value = input[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > 2000) throw metadataError(`${name} must be a string.`);
  return value;
}

function stringList(input: Record<string, unknown>, name: string): string[] | undefined {
  const value = input[name];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string' && item.length <= 2000)) {
    throw new RegistrationRefused(name === 'redirect_uris' ? 'invalid_redirect_uri' : 'invalid_client_metadata', `${name} must be an array of strings.`);
  }
  return [...new Set(value)];
}

/** RFC 7591 section 3.2.1 / RFC 7592 section 3: the client's registered metadata, without any secret. */
export function registeredMetadata(client: OAuthClient & { dynamic: NonNullable<OAuthClient['dynamic']> }, issuer: string): Record<string, unknown> {
  const keys = client.privateKeyJwt;
  return {
    client_id: client.clientId,
    client_id_issued_at: client.dynamic.issuedAtS,
    registration_client_uri: `${issuer}${REGISTRATION_PATH}/${encodeURIComponent(client.clientId)}`,
    ...(client.secretHash !== undefined ? { client_secret_expires_at: 0 } : {}),
    application_type: client.dynamic.applicationType,
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    grant_types: client.grantTypes,
    response_types: client.grantTypes.includes('authorization_code') ? ['code'] : [],
    token_endpoint_auth_method: client.dynamic.tokenEndpointAuthMethod,
    scope: client.allowedScopes.join(' '),
    id_token_signed_response_alg: client.idTokenSignedResponseAlg ?? 'ES256',
    subject_type: 'public',
    ...(client.userinfoSignedResponseAlg !== undefined ? { userinfo_signed_response_alg: client.userinfoSignedResponseAlg } : {}),
    ...(client.name !== undefined ? { client_name: client.name } : {}),
    ...(keys !== undefined ? ('jwks' in keys ? { jwks: keys.jwks } : { jwks_uri: keys.jwksUri }) : {}),
  };
}
