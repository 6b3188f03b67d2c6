/**
 * The `claims` authorization request parameter (OpenID Connect Core section 5.5): a JSON object
 * whose optional `id_token` and `userinfo` members name individual claims to return there, each
 * `null` (asked for, voluntary) or an object with `essential`, `value` or `values`. Pure.
 *
 * What this provider does with it: a claim asked for is released in that place even without the
 * scope that would release it (when the client may ask for that scope, and the user consented to
 * it, see `scopesOfClaims`); `acr` is read by the step-up (acr-request.ts). An essential claim
 * the user does not have is left out, as section 5.5.1 allows; `value`/`values` of user claims
 * are not used to filter (the provider returns the claim's real value).
 */
import { InvalidRequest } from './errors.js';
import { scopesOfClaims } from './scopes.js';

export type ClaimValue = string | number | boolean;

export interface IndividualClaimRequest {
  essential?: boolean;
  value?: ClaimValue;
  values?: ClaimValue[];
}

/** Claim name -> its request (null: asked for with no conditions). */
export type ClaimRequests = Record<string, IndividualClaimRequest | null>;

export interface ClaimsRequest {
  id_token?: ClaimRequests;
  userinfo?: ClaimRequests;
}

/** Where a claim can be asked for. */
export type ClaimsTarget = keyof ClaimsRequest;

/** The parameter rides in return_to and the code item: anything longer is not a real client's. */
export const MAX_CLAIMS_PARAMETER_LENGTH = 1024;
const MAX_CLAIMS_PER_TARGET = 32;
const CLAIM_NAME = /^[\x21-\x7e]{1,64}$/;

/** The validated request, or the invalid_request to answer (section 5.5: the value must be a JSON object as described). */
export function parseClaimsRequest(value: string): ClaimsRequest | InvalidRequest {
  if (value.length > MAX_CLAIMS_PARAMETER_LENGTH) return new InvalidRequest('claims is too long.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return new InvalidRequest('claims is not valid JSON.');
  }
  if (!isObject(parsed)) return new InvalidRequest('claims must be a JSON object.');
  const request: ClaimsRequest = {};
  // Other members are for extensions (section 5.5): ignored, not refused.
  for (const target of ['id_token', 'userinfo'] as const) {
    if (!(target in parsed)) continue;
    const claims = parseClaimRequests(parsed[target]);
    if (typeof claims === 'string') return new InvalidRequest(`claims.${target}: ${claims}`);
    request[target] = claims;
  }
  return request;
}

function parseClaimRequests(value: unknown): ClaimRequests | string {
  if (!isObject(value)) return 'must be an object of claim names.';
  const entries = Object.entries(value);
  if (entries.length > MAX_CLAIMS_PER_TARGET) return 'asks for too many claims.';
  const requests: ClaimRequests = {};
  for (const [name, request] of entries) {
    if (!CLAIM_NAME.test(name)) return 'a claim name is empty, too long or not printable ASCII.';
    if (request === null) {
      requests[name] = null;
      continue;
    }
    if (!isObject(request)) return `${name} must be null or an object.`;
    const { essential, value, values } = request;
    if (essential !== undefined && typeof essential !== 'boolean') return `${name}.essential must be true or false.`;
    if (value !== undefined && !isClaimValue(value)) return `${name}.value must be a string, number or boolean.`;
    if (values !== undefined && !(Array.isArray(values) && values.length > 0 && values.every(isClaimValue))) return `${name}.values must be a non-empty array of values.`;
    if (value !== undefined && values !== undefined) return `${name} has both value and values.`;
    requests[name] = {
      ...(essential !== undefined ? { essential } : {}),
      ...(value !== undefined ? { value } : {}),
      ...(values !== undefined ? { values: values as ClaimValue[] } : {}),
    };
  }
  return requests;
}

/** The claim names asked for in `target` (none when there is no claims request). */
export function claimNames(request: ClaimsRequest | undefined, target: ClaimsTarget): string[] {
  return Object.keys(request?.[target] ?? {});
}

/** What a code and its grant remember of a claims request: the names to release, per place. */
export interface RequestedClaimNames {
  idToken: string[];
  userinfo: string[];
}

/**
 * The claims of `request` this client may be given: those a scope it is allowed releases (the
 * consent step asks the user for those scopes, `claimsScopes`); undefined when nothing is left.
 */
export function releasableClaims(request: ClaimsRequest | undefined, allowedScopes: readonly string[]): RequestedClaimNames | undefined {
  const releasable = (target: ClaimsTarget) => claimNames(request, target).filter((name) => isReleasable(name, allowedScopes));
  const names = { idToken: releasable('id_token'), userinfo: releasable('userinfo') };
  return names.idToken.length + names.userinfo.length > 0 ? names : undefined;
}

/** The scopes the user must have allowed for the claims `request` asks for (within the client's allowed scopes). */
export function claimsScopes(request: ClaimsRequest | undefined, allowedScopes: readonly string[]): string[] {
  const names = [...claimNames(request, 'id_token'), ...claimNames(request, 'userinfo')];
  return scopesOfClaims(names).filter((scope) => allowedScopes.includes(scope));
}

function isReleasable(claim: string, allowedScopes: readonly string[]): boolean {
  const scopes = scopesOfClaims([claim]);
  return scopes.length > 0 && scopes.every((scope) => allowedScopes.includes(scope));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isClaimValue(value: unknown): value is ClaimValue {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}
