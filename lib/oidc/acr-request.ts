/**
 * What an authorization request asks of the authentication context, from `acr_values` (OpenID
 * Connect Core section 3.1.2.1: voluntary, in order of preference) and from the `claims`
 * parameter's `acr` (section 5.5.1.1: `value` or `values`, possibly `essential`), and what the
 * client's registration demands (`requireMfa`). Pure.
 *
 * The `claims` parameter is read by its own parser (claims-request.ts). An invalid one asks
 * nothing of `acr` here: /authorize refuses it with invalid_request before any step runs.
 */
import { ACR_MULTI_FACTOR, isSupportedAcr, type Acr } from './acr.js';
import { parseClaimsRequest } from './claims-request.js';
import { InvalidRequest } from './errors.js';

export type AcrDemand =
  /** Any sign-in will do. */
  | { kind: 'any' }
  /** The session must satisfy this class (the step-up asks for it when it does not). */
  | { kind: 'at-least'; acr: Acr }
  /** `acr` was essential and none of the values asked for is one this provider can meet. */
  | { kind: 'unmet-essential' };

interface RequestedAcr {
  /** In order of preference. */
  values: string[];
  essential: boolean;
}

export function acrDemand(params: URLSearchParams, client: { requireMfa?: boolean }): AcrDemand {
  if (client.requireMfa === true) return { kind: 'at-least', acr: ACR_MULTI_FACTOR };
  const requested = requestedAcr(params);
  // `{"essential": true}` with no values: any class is one this provider meets.
  if (requested === undefined || requested.values.length === 0) return { kind: 'any' };
  // The first value this provider knows, in the client's order of preference: with the classes
  // ordered, a preferred lower class is met by any session, so no step-up is asked for.
  const preferred = requested.values.find(isSupportedAcr);
  if (preferred !== undefined) return { kind: 'at-least', acr: preferred };
  return requested.essential ? { kind: 'unmet-essential' } : { kind: 'any' };
}

/** The claims parameter's essential acr wins over acr_values (section 5.5.1.1 makes it binding). */
function requestedAcr(params: URLSearchParams): RequestedAcr | undefined {
  const fromClaims = claimsAcr(params.get('claims'));
  if (fromClaims !== undefined && (fromClaims.essential || fromClaims.values.length > 0)) return fromClaims;
  const acrValues = params.get('acr_values');
  if (acrValues === null) return fromClaims;
  const values = acrValues.split(' ').filter((value) => value !== '');
  return values.length > 0 ? { values, essential: false } : fromClaims;
}

function claimsAcr(claims: string | null): RequestedAcr | undefined {
  if (claims === null) return undefined;
  const request = parseClaimsRequest(claims);
  if (request instanceof InvalidRequest) return undefined;
  const acr = request.id_token?.acr ?? request.userinfo?.acr;
  if (!acr) return undefined;
  // Class names are strings; another JSON value names no class.
  const values = (acr.value !== undefined ? [acr.value] : (acr.values ?? [])).filter((v): v is string => typeof v === 'string');
  return { values, essential: acr.essential === true };
}
