import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { returnToFor } from '../../lib/oidc/authorize-endpoint.js';
import { formActionOriginsForReturnTo } from '../../lib/oidc/return-to-form-action.js';
import {
  decideAuthentication,
  validateAuthorizeRequest,
  type AuthorizeRequest,
  type AuthorizeValidation,
} from '../../lib/oidc/authorize-request.js';
import type { OAuthClient } from '../../lib/oidc/client-metadata.js';
import type { OAuthError } from '../../lib/oidc/errors.js';

const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

const publicClient: OAuthClient = {
  clientId: 'spa',
  type: 'public',
  redirectUris: ['https://app.example/cb', 'http://localhost:8080/callback'],
  postLogoutRedirectUris: [],
  allowedScopes: ['openid', 'profile', 'email', 'offline_access'],
  grantTypes: ['authorization_code', 'refresh_token'],
  createdAt: '2030-01-01T00:00:00.000Z',
};

const confidentialClient: OAuthClient = { ...publicClient, clientId: 'web', type: 'confidential', secretHash: 'x', allowedScopes: ['openid', 'email'] };

function params(overrides: Record<string, string | string[] | undefined> = {}): URLSearchParams {
  const base: Record<string, string | string[] | undefined> = {
    response_type: 'code',
    client_id: 'spa',
    redirect_uri: 'https://app.example/cb',
    scope: 'openid profile',
    state: 'st-1',
    nonce: 'n-1',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    ...overrides,
  };
  const out = new URLSearchParams();
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.append(name, v);
  }
  return out;
}

/** `state: null` when the state must not be echoed. */
function expectRedirectError(result: AuthorizeValidation, error: string, state: string | null = 'st-1') {
  assert.equal(result.kind, 'error-redirect', JSON.stringify(result));
  if (result.kind !== 'error-redirect') return;
  assert.equal(result.error.code, error);
  assert.equal(result.state ?? null, state);
  assert.equal(result.redirectUri, 'https://app.example/cb');
}

function valid(result: AuthorizeValidation): AuthorizeRequest {
  assert.equal(result.kind, 'valid', JSON.stringify(result));
  if (result.kind !== 'valid') throw new Error('unreachable');
  return result.request;
}

describe('validateAuthorizeRequest: before the redirect URI is trusted (error page)', () => {
  it('refuses a missing, unknown or repeated client_id with a page', () => {
    assert.equal(validateAuthorizeRequest(params({ client_id: undefined }), undefined).kind, 'error-page');
    assert.equal(validateAuthorizeRequest(params({ client_id: 'nobody' }), undefined).kind, 'error-page');
    assert.equal(validateAuthorizeRequest(params({ client_id: ['spa', 'spa'] }), publicClient).kind, 'error-page');
  });

  it('refuses a client record that is not the one named', () => {
    assert.equal(validateAuthorizeRequest(params({ client_id: 'web' }), publicClient).kind, 'error-page');
  });

  it('refuses a missing, repeated or unregistered redirect_uri with a page, never a redirect', () => {
    assert.equal(validateAuthorizeRequest(params({ redirect_uri: undefined }), publicClient).kind, 'error-page');
    assert.equal(validateAuthorizeRequest(params({ redirect_uri: ['https://app.example/cb', 'https://app.example/cb'] }), publicClient).kind, 'error-page');
    for (const near of ['https://app.example/cb/', 'https://app.example/cb?x=1', 'https://APP.example/cb', 'https://app.example/c', 'https://evil.example/cb']) {
      assert.equal(validateAuthorizeRequest(params({ redirect_uri: near }), publicClient).kind, 'error-page', near);
    }
  });
});

describe('validateAuthorizeRequest: errors sent to the redirect URI', () => {
  it('accepts a complete public-client request', () => {
    const request = valid(validateAuthorizeRequest(params(), publicClient));
    assert.deepEqual(request.scopes, ['openid', 'profile']);
    assert.equal(request.state, 'st-1');
    assert.equal(request.nonce, 'n-1');
    assert.equal(request.codeChallenge, CHALLENGE);
    assert.equal(request.codeChallengeMethod, 'S256');
    assert.equal(request.prompt.size, 0);
    assert.equal(request.maxAgeS, undefined);
  });

  it('refuses any repeated parameter with invalid_request (state not echoed when it is the repeated one)', () => {
    expectRedirectError(validateAuthorizeRequest(params({ scope: ['openid', 'openid'] }), publicClient), 'invalid_request');
    expectRedirectError(validateAuthorizeRequest(params({ nonce: ['a', 'b'] }), publicClient), 'invalid_request');
    expectRedirectError(validateAuthorizeRequest(params({ state: ['a', 'b'] }), publicClient), 'invalid_request', null);
  });

  it('supports only response_type=code', () => {
    expectRedirectError(validateAuthorizeRequest(params({ response_type: undefined }), publicClient), 'invalid_request');
    expectRedirectError(validateAuthorizeRequest(params({ response_type: 'token' }), publicClient), 'unsupported_response_type');
    expectRedirectError(validateAuthorizeRequest(params({ response_type: 'code id_token' }), publicClient), 'unsupported_response_type');
    expectRedirectError(validateAuthorizeRequest(params({ response_mode: 'fragment' }), publicClient), 'invalid_request');
    valid(validateAuthorizeRequest(params({ response_mode: 'query' }), publicClient));
  });

  it('refuses request objects', () => {
    expectRedirectError(validateAuthorizeRequest(params({ request: 'eyJ...' }), publicClient), 'request_not_supported');
    expectRedirectError(validateAuthorizeRequest(params({ request_uri: 'https://x' }), publicClient), 'request_uri_not_supported');
  });

  it('requires openid and known, allowed scopes', () => {
    expectRedirectError(validateAuthorizeRequest(params({ scope: undefined }), publicClient), 'invalid_scope');
    expectRedirectError(validateAuthorizeRequest(params({ scope: 'profile email' }), publicClient), 'invalid_scope');
    expectRedirectError(validateAuthorizeRequest(params({ scope: 'openid admin' }), publicClient), 'invalid_scope');
    expectRedirectError(validateAuthorizeRequest(params({ scope: 'openid "x"' }), publicClient), 'invalid_scope');
    const web = params({ client_id: 'web', scope: 'openid profile' });
    assert.equal((validateAuthorizeRequest(web, confidentialClient) as { error?: OAuthError }).error?.code, 'invalid_scope');
    assert.deepEqual(valid(validateAuthorizeRequest(params({ scope: 'openid  email openid offline_access' }), publicClient)).scopes, ['openid', 'email', 'offline_access']);
  });

  it('requires PKCE S256 from public clients and refuses plain from everyone', () => {
    expectRedirectError(validateAuthorizeRequest(params({ code_challenge: undefined, code_challenge_method: undefined }), publicClient), 'invalid_request');
    expectRedirectError(validateAuthorizeRequest(params({ code_challenge_method: 'plain' }), publicClient), 'invalid_request');
    // No method means plain (RFC 7636 section 4.3).
    expectRedirectError(validateAuthorizeRequest(params({ code_challenge_method: undefined }), publicClient), 'invalid_request');
    expectRedirectError(validateAuthorizeRequest(params({ code_challenge: undefined }), publicClient), 'invalid_request');
    expectRedirectError(validateAuthorizeRequest(params({ code_challenge: 'short' }), publicClient), 'invalid_request');

    const web = { client_id: 'web', scope: 'openid' };
    const withoutPkce = valid(validateAuthorizeRequest(params({ ...web, code_challenge: undefined, code_challenge_method: undefined }), confidentialClient));
    assert.equal(withoutPkce.codeChallenge, undefined);
    assert.equal((validateAuthorizeRequest(params({ ...web, code_challenge_method: 'plain' }), confidentialClient) as { error?: OAuthError }).error?.code, 'invalid_request');
  });

  it('understands prompt none alone, login and consent together', () => {
    assert.deepEqual([...valid(validateAuthorizeRequest(params({ prompt: 'login' }), publicClient)).prompt], ['login']);
    assert.deepEqual([...valid(validateAuthorizeRequest(params({ prompt: 'none' }), publicClient)).prompt], ['none']);
    expectRedirectError(validateAuthorizeRequest(params({ prompt: 'none login' }), publicClient), 'invalid_request');
    assert.deepEqual([...valid(validateAuthorizeRequest(params({ prompt: 'consent' }), publicClient)).prompt], ['consent']);
    assert.deepEqual([...valid(validateAuthorizeRequest(params({ prompt: 'login consent' }), publicClient)).prompt], ['login', 'consent']);
    expectRedirectError(validateAuthorizeRequest(params({ prompt: 'select_account' }), publicClient), 'account_selection_required');
    expectRedirectError(validateAuthorizeRequest(params({ prompt: 'none consent' }), publicClient), 'invalid_request');
    expectRedirectError(validateAuthorizeRequest(params({ prompt: 'bogus' }), publicClient), 'invalid_request');
  });

  it('carries a valid claims parameter and refuses a malformed one at the client', () => {
    const claims = { userinfo: { email: { essential: true } }, id_token: { acr: { values: ['urn:x'] } } };
    assert.deepEqual(valid(validateAuthorizeRequest(params({ claims: JSON.stringify(claims) }), publicClient)).claims, claims);
    assert.equal(valid(validateAuthorizeRequest(params(), publicClient)).claims, undefined);
    expectRedirectError(validateAuthorizeRequest(params({ claims: '{"userinfo": ' }), publicClient), 'invalid_request');
  });

  it('checks max_age, login_hint, nonce and state sizes', () => {
    assert.equal(valid(validateAuthorizeRequest(params({ max_age: '0' }), publicClient)).maxAgeS, 0);
    assert.equal(valid(validateAuthorizeRequest(params({ max_age: '300' }), publicClient)).maxAgeS, 300);
    for (const bad of ['-1', '1.5', 'abc', '']) expectRedirectError(validateAuthorizeRequest(params({ max_age: bad }), publicClient), 'invalid_request');
    assert.equal(valid(validateAuthorizeRequest(params({ login_hint: 'ada@example.com' }), publicClient)).loginHint, 'ada@example.com');
    expectRedirectError(validateAuthorizeRequest(params({ login_hint: 'x'.repeat(321) }), publicClient), 'invalid_request');
    expectRedirectError(validateAuthorizeRequest(params({ nonce: 'x'.repeat(513) }), publicClient), 'invalid_request');
    expectRedirectError(validateAuthorizeRequest(params({ state: 'x'.repeat(513) }), publicClient), 'invalid_request', null);
  });

  it('refuses clients without the authorization_code grant', () => {
    const machine: OAuthClient = { ...confidentialClient, grantTypes: ['client_credentials'] };
    const result = validateAuthorizeRequest(params({ client_id: 'web', scope: 'openid' }), machine);
    assert.equal((result as { error?: OAuthError }).error?.code, 'unauthorized_client');
  });
});

describe('decideAuthentication', () => {
  const now = 1_900_000_000;
  const request = (overrides: Record<string, string> = {}) => valid(validateAuthorizeRequest(params(overrides), publicClient));

  it('signs in without a session, or answers login_required for prompt=none', () => {
    assert.deepEqual(decideAuthentication(request(), undefined, now), { kind: 'sign-in' });
    assert.deepEqual(decideAuthentication(request({ prompt: 'none' }), undefined, now), { kind: 'login-required' });
  });

  it('proceeds with a session unless prompt=login or max_age demand a fresher one', () => {
    const session = { authTimeS: now - 600 };
    assert.deepEqual(decideAuthentication(request(), session, now), { kind: 'proceed' });
    assert.deepEqual(decideAuthentication(request({ prompt: 'none' }), session, now), { kind: 'proceed' });
    assert.deepEqual(decideAuthentication(request({ max_age: '600' }), session, now), { kind: 'proceed' });
    assert.deepEqual(decideAuthentication(request({ max_age: '599' }), session, now), { kind: 'sign-in', freshAfterS: now });
    assert.deepEqual(decideAuthentication(request({ prompt: 'login' }), session, now), { kind: 'sign-in', freshAfterS: now });
    assert.deepEqual(decideAuthentication(request({ prompt: 'none', max_age: '10' }), session, now), { kind: 'login-required' });
  });

  it('accepts the sign-in it demanded on the way back, but not an older session', () => {
    const back = request({ prompt: 'login', max_age: '0' });
    const demandedAt = now - 30;
    assert.deepEqual(decideAuthentication(back, { authTimeS: now - 5 }, now, demandedAt), { kind: 'proceed' });
    assert.deepEqual(decideAuthentication(back, { authTimeS: now - 31 }, now, demandedAt).kind, 'sign-in');
    assert.equal(decideAuthentication(back, { authTimeS: now - 5 }, now).kind, 'sign-in', 'no demand, no exception');
    const future = request({ prompt: 'login' });
    assert.equal(decideAuthentication(future, { authTimeS: now + 200 }, now, now + 100).kind, 'sign-in');
  });

  it('no longer reads a freshness time from the request itself', () => {
    const claimed = request({ prompt: 'login', authenticated_after: '0' });
    assert.equal(decideAuthentication(claimed, { authTimeS: now - 600 }, now).kind, 'sign-in');
  });

  it('builds the return path as the same request by GET', () => {
    const returnTo = returnToFor(params({ prompt: 'login' }));
    assert.ok(returnTo.startsWith('/authorize?'));
    const back = new URLSearchParams(returnTo.slice('/authorize?'.length));
    assert.equal(back.get('code_challenge'), CHALLENGE);
    assert.equal(back.get('prompt'), 'login');
  });

  it('derives the form-action origin for the login page from an /authorize return path only', () => {
    assert.deepEqual(formActionOriginsForReturnTo(returnToFor(params())), ['https://app.example/cb']);
    assert.deepEqual(formActionOriginsForReturnTo('/account?redirect_uri=https://x.example/'), []);
    assert.deepEqual(formActionOriginsForReturnTo(undefined), []);
    // A crafted return_to cannot widen the policy with what no client could register.
    for (const uri of ['javascript:alert(1)', 'data:text/html,x', 'http://evil.example/cb', 'https://app.example/cb#frag']) {
      assert.deepEqual(formActionOriginsForReturnTo(`/authorize?${new URLSearchParams({ redirect_uri: uri })}`), [], uri);
    }
  });
});
