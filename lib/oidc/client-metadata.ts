/**
 * What a registered OAuth client is, and the rules its metadata must satisfy at registration.
 * Pure: a ClientStore (client-store.ts) stores what this module accepts.
 */
import type { JWK } from 'jose';
import { IdentityServerError } from '../errors.js';
import { isSigningAlg, type SigningAlg } from '../signing/signing-key-policy.js';

/** The algorithms a client may register for its ID tokens and userinfo (part of this port's value types, for the stores). */
export { isSigningAlg, type SigningAlg };
import { RESPONSE_PARAMETERS } from './authorization-response.js';
import { SUPPORTED_SCOPES } from './scopes.js';

export type ClientType = 'public' | 'confidential';

export const SUPPORTED_GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
export type GrantType = (typeof SUPPORTED_GRANT_TYPES)[number];

/** RFC 7591 section 2 names; `private_key_jwt` is RFC 7523 / OIDC Core section 9. */
export const TOKEN_ENDPOINT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] as const;
export type ClientAuthMethod = (typeof TOKEN_ENDPOINT_AUTH_METHODS)[number];

/** A client's public keys (its `jwks` metadata): what signs its private_key_jwt assertions. */
export interface ClientJwks {
  keys: JWK[];
}

/** `private_key_jwt`: the client proves itself with a JWT signed by a key of `jwks` or `jwksUri` (exactly one). */
export type ClientKeys = { jwks: ClientJwks } | { jwksUri: string };

/** What RFC 7591/7592 registration adds to a client. */
export interface DynamicRegistration {
  /** `sha256$...` of the registration access token (RFC 7592), kept like client secrets (client-secret.ts). */
  registrationTokenHash: string;
  /** `token_endpoint_auth_method` as registered (the client's `type` and `privateKeyJwt` follow from it). */
  tokenEndpointAuthMethod: ClientAuthMethod;
  applicationType: 'web' | 'native';
  /** Epoch seconds (RFC 7591 `client_id_issued_at`). */
  issuedAtS: number;
}

export interface OAuthClient {
  clientId: string;
  /** Public clients (SPAs, native apps) have no secret and must use PKCE. */
  type: ClientType;
  /** `sha256$<base64url digest>` (client-secret.ts); confidential clients only. */
  secretHash?: string;
  /** Compared exactly (no prefix, no wildcard, no normalisation). */
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  allowedScopes: string[];
  grantTypes: GrantType[];
  /** What the consent page calls the client (as text); the client id when absent. */
  name?: string;
  /**
   * The operator's own application: users are not asked to consent to it. Set only by the
   * clients CLI (`--first-party`), never by dynamic registration.
   */
  firstParty?: true;
  /** Every user of this client needs MFA (`clients add --require-mfa`): /authorize steps up, and enrols a user without a second factor, before any code. */
  requireMfa?: true;
  createdAt: string;
  /** A secret replaced by `clients rotate-secret`, still accepted until `expiresAt` (ISO 8601). */
  previousSecret?: { hash: string; expiresAt: string };
  /** JWS alg of this client's ID tokens; ES256 when absent. */
  idTokenSignedResponseAlg?: SigningAlg;
  /** When set, /userinfo answers this client with a JWT signed with it (`application/jwt`). */
  userinfoSignedResponseAlg?: SigningAlg;
  /** Set for a client that authenticates with private_key_jwt (it then has no secret). */
  privateKeyJwt?: ClientKeys;
  /** Only for clients registered through POST /connect/register (RFC 7591); CLI clients have none. */
  dynamic?: DynamicRegistration;
}

/** RFC 7591 section 3.2.2's code for the same refusal. */
export class InvalidClientMetadataError extends IdentityServerError {
  readonly code = 'invalid_client_metadata';
}

/** RFC 6749 appendix A.1: client_id is VSCHAR; we leave out the space so ids survive shells and logs. */
const CLIENT_ID = /^[\x21-\x7e]{1,200}$/;
/**
 * Client secrets are hashed with a fast hash (see client-secret.ts), which is only
 * sound because they are machine-generated and long: 32 characters of base64 carry ~190 bits.
 */
export const MIN_SECRET_LENGTH = 32;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export function isValidClientId(clientId: string): boolean {
  return CLIENT_ID.test(clientId);
}

/**
 * A redirect (or post-logout redirect) URI that may be registered: absolute, no fragment
 * (RFC 6749 section 3.1.2), https, or http on a loopback host (local development and native
 * apps, RFC 8252 section 7.3), or a private-use scheme with a dot in it (RFC 8252 section
 * 7.1, e.g. `com.example.app:/callback`). Never `javascript:`, `data:` and the like.
 * A query is allowed, but not one naming a parameter the response appends (`state`, `code`...).
 */
export function redirectUriProblem(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `not an absolute URI: ${uri}`;
  }
  if (uri.includes('#')) return `must not contain a fragment: ${uri}`;
  if (/[\x00-\x20\x7f]/.test(uri)) return `must not contain spaces or control characters: ${uri}`;
  const taken = RESPONSE_PARAMETERS.find((name) => url.searchParams.has(name));
  if (taken !== undefined) return `must not carry "${taken}" in its query: the response appends its own: ${uri}`;
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') return LOOPBACK_HOSTS.has(url.hostname) ? undefined : `http is only allowed for loopback hosts: ${uri}`;
  const scheme = url.protocol.slice(0, -1);
  if (/^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+$/.test(scheme)) return undefined;
  return `unsupported scheme "${scheme}" (use https, http on loopback, or a reverse-domain private-use scheme): ${uri}`;
}

export interface ClientRegistration {
  clientId: string;
  /** Omitted for a public client and for a private_key_jwt one. */
  secret?: string;
  /** Instead of `secret`: the hash of one already stored (an RFC 7592 update keeps the client's secret). */
  secretHash?: string;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  allowedScopes?: string[];
  grantTypes?: GrantType[];
  name?: string;
  firstParty?: boolean;
  requireMfa?: boolean;
  idTokenSignedResponseAlg?: SigningAlg;
  userinfoSignedResponseAlg?: SigningAlg;
  privateKeyJwt?: ClientKeys;
  dynamic?: DynamicRegistration;
}

/** A display name is shown as text, never markup; control characters and length are still refused. */
const MAX_CLIENT_NAME_LENGTH = 100;

/** Defaults and checks for a new client; throws InvalidClientMetadataError listing the first problem. */
export function normalizeRegistration(input: ClientRegistration): Omit<OAuthClient, 'secretHash' | 'createdAt' | 'previousSecret'> {
  const fail = (message: string): never => {
    throw new InvalidClientMetadataError(message);
  };
  if (!isValidClientId(input.clientId)) fail('client id must be 1 to 200 printable ASCII characters without spaces');
  if (input.dynamic !== undefined && input.firstParty === true) fail('a dynamically registered client is never first-party');
  if (input.secret !== undefined && input.secretHash !== undefined) fail('give a secret or its hash, not both');
  const hasSecret = input.secret !== undefined || input.secretHash !== undefined;
  if (hasSecret && input.privateKeyJwt !== undefined) fail('a client authenticates with a secret or with private_key_jwt, not both');
  const type: ClientType = hasSecret || input.privateKeyJwt !== undefined ? 'confidential' : 'public';
  if (input.secret !== undefined && input.secret.length < MIN_SECRET_LENGTH) {
    fail(
      `client secret must be at least ${MIN_SECRET_LENGTH} random characters; ` +
        'generate one with `openssl rand -base64 32`, or let the clients CLI do it with --generate-secret',
    );
  }
  const grantTypes = unique<GrantType>(input.grantTypes ?? ['authorization_code', 'refresh_token']);
  for (const grant of grantTypes) {
    if (!(SUPPORTED_GRANT_TYPES as readonly string[]).includes(grant)) fail(`unsupported grant type: ${grant}`);
  }
  if (type === 'public' && grantTypes.includes('client_credentials')) fail('a public client cannot use client_credentials');
  const redirectUris = unique(input.redirectUris);
  if (grantTypes.includes('authorization_code') && redirectUris.length === 0) {
    fail('a client using authorization_code needs at least one redirect URI');
  }
  const postLogoutRedirectUris = unique(input.postLogoutRedirectUris ?? []);
  for (const uri of [...redirectUris, ...postLogoutRedirectUris]) {
    const problem = redirectUriProblem(uri);
    if (problem !== undefined) fail(problem);
  }
  const allowedScopes = unique(input.allowedScopes ?? [...SUPPORTED_SCOPES]);
  for (const scope of allowedScopes) {
    if (!(SUPPORTED_SCOPES as readonly string[]).includes(scope)) fail(`unsupported scope: ${scope}`);
  }
  const name = input.name?.trim();
  if (name !== undefined && (name === '' || name.length > MAX_CLIENT_NAME_LENGTH || /[\x00-\x1f\x7f]/.test(name))) {
    fail(`client name must be 1 to ${MAX_CLIENT_NAME_LENGTH} characters without control characters`);
  }
  for (const alg of [input.idTokenSignedResponseAlg, input.userinfoSignedResponseAlg]) {
    if (alg !== undefined && !isSigningAlg(alg)) fail(`unsupported signing algorithm: ${String(alg)}`);
  }
  return {
    clientId: input.clientId,
    type,
    redirectUris,
    postLogoutRedirectUris,
    allowedScopes,
    grantTypes,
    ...(name !== undefined ? { name } : {}),
    ...(input.firstParty === true ? { firstParty: true as const } : {}),
    ...(input.requireMfa === true ? { requireMfa: true as const } : {}),
    ...(input.idTokenSignedResponseAlg !== undefined ? { idTokenSignedResponseAlg: input.idTokenSignedResponseAlg } : {}),
    ...(input.userinfoSignedResponseAlg !== undefined ? { userinfoSignedResponseAlg: input.userinfoSignedResponseAlg } : {}),
    ...(input.privateKeyJwt !== undefined ? { privateKeyJwt: input.privateKeyJwt } : {}),
    ...(input.dynamic !== undefined ? { dynamic: input.dynamic } : {}),
  };
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
