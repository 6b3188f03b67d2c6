/**
 * The rules of an authorization request (RFC 6749 section 4.1.1, RFC 7636, OpenID Connect Core
 * section 3.1.2.1). Pure: the caller looks the client up and hands it in.
 *
 * Until the client and its exact redirect URI are established, nothing may be sent to the
 * redirect URI (it could be an attacker's): those failures are an error page. Every later
 * failure goes back to the client at its registered redirect URI.
 */
import { parseClaimsRequest, type ClaimsRequest } from './claims-request.js';
import type { OAuthClient } from './client-metadata.js';
import {
  AccountSelectionRequired,
  InvalidRequest,
  InvalidScope,
  OAuthError,
  RequestNotSupported,
  RequestUriNotSupported,
  UnauthorizedClient,
  UnsupportedResponseType,
} from './errors.js';
import { isValidCodeChallenge } from './pkce.js';
import { repeatedParametersError } from './repeated-parameters.js';
import { isSupportedScope, parseScope } from './scopes.js';

export type PromptValue = 'none' | 'login' | 'consent';

export interface AuthorizeRequest {
  client: OAuthClient;
  redirectUri: string;
  scopes: string[];
  state?: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256';
  prompt: ReadonlySet<PromptValue>;
  maxAgeS?: number;
  loginHint?: string;
  /** The `claims` parameter (claims-request.ts), validated. */
  claims?: ClaimsRequest;
}

export type AuthorizeValidation =
  | { kind: 'valid'; request: AuthorizeRequest }
  /** The client or redirect URI cannot be trusted: show a page, never redirect. */
  | { kind: 'error-page'; message: string }
  | { kind: 'error-redirect'; redirectUri: string; state?: string; error: OAuthError };

/** Bounds on values we echo or store; real clients send far less (openid-client: 43 characters). */
const MAX_STATE_LENGTH = 512;
const MAX_NONCE_LENGTH = 512;
const MAX_LOGIN_HINT_LENGTH = 320;
const MAX_AGE = /^\d{1,9}$/;

/** Parameters whose value must be the client's own: when repeated, the client is not established. */
const TRUST_PARAMS = ['client_id', 'redirect_uri'];

export function validateAuthorizeRequest(params: URLSearchParams, client: OAuthClient | undefined): AuthorizeValidation {
  for (const name of TRUST_PARAMS) {
    if (params.getAll(name).length > 1) return page(`The request names more than one ${name}.`);
  }
  const clientId = params.get('client_id');
  if (!clientId) return page('The request does not say which application is asking (client_id is missing).');
  if (client === undefined || client.clientId !== clientId) return page('The application asking to sign you in is not known here.');
  const redirectUri = params.get('redirect_uri');
  if (!redirectUri) return page('The request does not say where to return to (redirect_uri is missing).');
  if (!client.redirectUris.includes(redirectUri)) {
    return page('The address this request wants to return to is not registered for the application.');
  }

  // From here on the redirect URI is the client's own. A repeated state is not echoed.
  const states = params.getAll('state');
  const state = states.length === 1 ? states[0] : undefined;
  const fail = (error: OAuthError): AuthorizeValidation => ({
    kind: 'error-redirect',
    redirectUri,
    ...(state !== undefined && state !== '' && state.length <= MAX_STATE_LENGTH ? { state } : {}),
    error,
  });

  const repeated = repeatedParametersError(params);
  if (repeated !== undefined) return fail(repeated);
  if (state !== undefined && state.length > MAX_STATE_LENGTH) return fail(new InvalidRequest('state is too long.'));
  if (params.has('request')) return fail(new RequestNotSupported('Request objects are not supported.'));
  if (params.has('request_uri')) return fail(new RequestUriNotSupported('request_uri is not supported.'));

  const responseType = params.get('response_type');
  if (!responseType) return fail(new InvalidRequest('response_type is missing.'));
  if (responseType !== 'code') return fail(new UnsupportedResponseType('Only response_type=code is supported.'));
  const responseMode = params.get('response_mode');
  if (responseMode !== null && responseMode !== 'query') return fail(new InvalidRequest('Only response_mode=query is supported.'));
  if (!client.grantTypes.includes('authorization_code')) {
    return fail(new UnauthorizedClient('This client may not use the authorization code flow.'));
  }

  const scopeParam = params.get('scope');
  if (scopeParam === null) return fail(new InvalidScope('scope is missing; it must include openid.'));
  const scopes = parseScope(scopeParam);
  if (scopes === undefined) return fail(new InvalidScope('scope is malformed.'));
  if (!scopes.includes('openid')) return fail(new InvalidScope('scope must include openid.'));
  const unknown = scopes.filter((scope) => !isSupportedScope(scope));
  if (unknown.length > 0) return fail(new InvalidScope(`Unsupported scope: ${unknown.join(' ')}.`));
  const notAllowed = scopes.filter((scope) => !client.allowedScopes.includes(scope));
  if (notAllowed.length > 0) return fail(new InvalidScope(`Scope not allowed for this client: ${notAllowed.join(' ')}.`));

  const nonce = params.get('nonce') ?? undefined;
  if (nonce !== undefined && (nonce === '' || nonce.length > MAX_NONCE_LENGTH)) return fail(new InvalidRequest('nonce is empty or too long.'));

  const challenge = params.get('code_challenge') ?? undefined;
  const method = params.get('code_challenge_method') ?? undefined;
  if (challenge === undefined) {
    if (method !== undefined) return fail(new InvalidRequest('code_challenge_method without code_challenge.'));
    if (client.type === 'public') return fail(new InvalidRequest('PKCE is required for this client: send code_challenge with S256.'));
  } else {
    // RFC 7636 section 4.3: an absent method means plain, which we refuse like an explicit one.
    if (method !== 'S256') return fail(new InvalidRequest('code_challenge_method must be S256; plain is not supported.'));
    if (!isValidCodeChallenge(challenge)) return fail(new InvalidRequest('code_challenge is malformed.'));
  }

  const prompt = parsePrompt(params.get('prompt'));
  if (prompt instanceof OAuthError) return fail(prompt);

  const maxAgeParam = params.get('max_age');
  if (maxAgeParam !== null && !MAX_AGE.test(maxAgeParam)) return fail(new InvalidRequest('max_age must be a non-negative integer.'));

  const loginHint = params.get('login_hint') ?? undefined;
  if (loginHint !== undefined && loginHint.length > MAX_LOGIN_HINT_LENGTH) return fail(new InvalidRequest('login_hint is too long.'));

  const claimsParam = params.get('claims');
  const claims = claimsParam === null ? undefined : parseClaimsRequest(claimsParam);
  if (claims instanceof OAuthError) return fail(claims);

  return {
    kind: 'valid',
    request: {
      client,
      redirectUri,
      scopes,
      ...(state !== undefined && state !== '' ? { state } : {}),
      ...(nonce !== undefined ? { nonce } : {}),
      ...(challenge !== undefined ? { codeChallenge: challenge, codeChallengeMethod: 'S256' as const } : {}),
      prompt,
      ...(maxAgeParam !== null ? { maxAgeS: Number(maxAgeParam) } : {}),
      ...(loginHint ? { loginHint } : {}),
      ...(claims !== undefined ? { claims } : {}),
    },
  };
}

function page(message: string): AuthorizeValidation {
  return { kind: 'error-page', message };
}

/**
 * The prompt values, or the error to answer. There is no account chooser: `select_account` gets
 * the error OpenID Connect Core section 3.1.2.6 defines for a provider that cannot show one, so
 * a client can tell it from a malformed request. `consent` is the consent step's (consent-step.ts).
 */
function parsePrompt(value: string | null): ReadonlySet<PromptValue> | OAuthError {
  const prompt = new Set<PromptValue>();
  if (value === null) return prompt;
  const tokens = value.split(' ').filter((token) => token !== '');
  // Section 3.1.2.1: none with any other value is an error.
  if (tokens.includes('none') && tokens.length > 1) return new InvalidRequest('prompt=none cannot be combined with other values.');
  for (const token of tokens) {
    if (token === 'select_account') return new AccountSelectionRequired('This provider has no account chooser.');
    if (token !== 'none' && token !== 'login' && token !== 'consent') {
      return new InvalidRequest(`Unsupported prompt value: ${token}. Supported: none, login, consent.`);
    }
    prompt.add(token);
  }
  return prompt;
}

/** The session facts the decision needs. */
export interface SessionFacts {
  authTimeS: number;
}

export type AuthenticationDecision =
  | { kind: 'proceed' }
  /** Send the user to sign in; `freshAfterS` is set when an existing session is not fresh enough. */
  | { kind: 'sign-in'; freshAfterS?: number }
  | { kind: 'login-required' };

/**
 * Whether the request can be answered with the current session (OpenID Connect Core section
 * 3.1.2.3): it needs one, fresh enough for prompt=login and max_age, and prompt=none forbids
 * asking the user anything.
 *
 * `signInDemandedAtS` is when this provider sent the same request to sign in, from a marker
 * only it can make (lib/oidc/reauthentication.ts): a session authenticated since then is the
 * sign-in it asked for, even if max_age has run out on the way back (max_age=0 always would).
 */
export function decideAuthentication(
  request: AuthorizeRequest,
  session: SessionFacts | undefined,
  nowS: number,
  signInDemandedAtS?: number,
): AuthenticationDecision {
  if (session === undefined) {
    return request.prompt.has('none') ? { kind: 'login-required' } : { kind: 'sign-in' };
  }
  const freshEnough = signInDemandedAtS !== undefined && session.authTimeS >= signInDemandedAtS && signInDemandedAtS <= nowS;
  const stale =
    !freshEnough && (request.prompt.has('login') || (request.maxAgeS !== undefined && nowS - session.authTimeS > request.maxAgeS));
  if (!stale) return { kind: 'proceed' };
  return request.prompt.has('none') ? { kind: 'login-required' } : { kind: 'sign-in', freshAfterS: nowS };
}
