import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { IdentityServerError } from '../../lib/errors.js';
import { withCors } from '../../lib/http/cors.js';
import { api, page } from '../../lib/http/handler.js';
import type { HttpResponse } from '../../lib/http/response.js';
import { errorResponseUrl } from '../../lib/oidc/authorization-response.js';
import {
  AccessDenied,
  AccountSelectionRequired,
  ConsentRequired,
  InsufficientScope,
  InvalidClient,
  InvalidGrant,
  InvalidRequest,
  InvalidScope,
  InvalidToken,
  LoginRequired,
  OAuthError,
  RequestNotSupported,
  RequestUriNotSupported,
  UnauthorizedClient,
  UnsupportedGrantType,
  UnsupportedResponseType,
} from '../../lib/oidc/errors.js';
import { fakeContext, fakeEvent } from '../support/fake-http-event.js';

async function answer(t: TestContext, error: OAuthError): Promise<HttpResponse> {
  t.mock.method(console, 'warn', () => {});
  return api(async () => {
    throw error;
  })(fakeEvent(), fakeContext);
}

const BEARER = 'Bearer realm="userinfo", error="invalid_token"';

/** Every class, how it is built at its call sites, and the answer RFC 6749 / 6750 / OIDC Core ask for. */
const cases: { error: OAuthError; status: number; code: string; challenge?: string }[] = [
  { error: new InvalidRequest('grant_type is missing.'), status: 400, code: 'invalid_request' },
  {
    error: new InvalidRequest('A Bearer access token is required.', { status: 401, wwwAuthenticate: 'Bearer realm="userinfo"' }),
    status: 401,
    code: 'invalid_request',
    challenge: 'Bearer realm="userinfo"',
  },
  { error: new InvalidClient('Unknown client or wrong credentials.'), status: 401, code: 'invalid_client', challenge: 'Basic realm="token", charset="UTF-8"' },
  { error: new InvalidGrant('The refresh token has expired.'), status: 400, code: 'invalid_grant' },
  { error: new UnauthorizedClient('This client may not use refresh_token.'), status: 400, code: 'unauthorized_client' },
  { error: new UnsupportedGrantType('Supported: authorization_code.'), status: 400, code: 'unsupported_grant_type' },
  { error: new InvalidScope('scope is malformed.'), status: 400, code: 'invalid_scope' },
  { error: new InvalidToken('The access token expired.', { wwwAuthenticate: BEARER }), status: 401, code: 'invalid_token', challenge: BEARER },
  {
    error: new InsufficientScope('The access token lacks the openid scope.', { wwwAuthenticate: 'Bearer realm="userinfo", error="insufficient_scope", scope="openid"' }),
    status: 403,
    code: 'insufficient_scope',
    challenge: 'Bearer realm="userinfo", error="insufficient_scope", scope="openid"',
  },
  { error: new UnsupportedResponseType('Only response_type=code is supported.'), status: 400, code: 'unsupported_response_type' },
  { error: new LoginRequired('The user must sign in.'), status: 400, code: 'login_required' },
  { error: new ConsentRequired('The user must consent first.'), status: 400, code: 'consent_required' },
  { error: new AccessDenied('The user denied the request.'), status: 400, code: 'access_denied' },
  { error: new AccountSelectionRequired('This provider has no account chooser.'), status: 400, code: 'account_selection_required' },
  { error: new RequestNotSupported('Request objects are not supported.'), status: 400, code: 'request_not_supported' },
  { error: new RequestUriNotSupported('request_uri is not supported.'), status: 400, code: 'request_uri_not_supported' },
];

describe('OAuth errors', () => {
  it('are IdentityServerErrors whose stable code is their OAuth error and whose name is their class', () => {
    for (const { error, code } of cases) {
      assert.ok(error instanceof IdentityServerError, code);
      assert.equal(error.code, code);
      assert.equal(error.error, code);
      assert.equal(error.name, error.constructor.name);
    }
  });

  it('render through api() as RFC 6749 JSON with their status and challenge, no-store', async (t) => {
    for (const { error, status, code, challenge } of cases) {
      const response = await answer(t, error);
      assert.equal(response.statusCode, status, code);
      assert.deepEqual(JSON.parse(response.body ?? ''), { error: code, error_description: error.message }, code);
      const headers = response.headers ?? {};
      assert.equal(headers['WWW-Authenticate'], challenge, code);
      assert.equal(headers['Content-Type'], 'application/json', code);
      assert.equal(headers['Cache-Control'], 'no-store', code);
    }
  });

  it('keep their challenge and gain the CORS headers behind withCors', async (t) => {
    t.mock.method(console, 'warn', () => {});
    const handler = withCors(
      { methods: ['POST'], exposeHeaders: ['WWW-Authenticate'] },
      api(async () => {
        throw new InvalidClient('Client authentication is required.');
      }),
    );
    const response = await handler(fakeEvent(), fakeContext);
    assert.equal(response.statusCode, 401);
    assert.equal(response.headers?.['WWW-Authenticate'], 'Basic realm="token", charset="UTF-8"');
    assert.equal(response.headers?.['Access-Control-Allow-Origin'], '*');
    assert.equal(response.headers?.['Access-Control-Expose-Headers'], 'WWW-Authenticate');
  });

  it('render on a page as readable HTML, without a challenge that would make the browser ask for a password', async (t) => {
    t.mock.method(console, 'warn', () => {});
    const response = await page(async () => {
      throw new InvalidClient('Client authentication is required.');
    })(fakeEvent(), fakeContext);
    assert.match(String(response.headers?.['Content-Type']), /^text\/html/);
    assert.match(response.body ?? '', /Client authentication is required\./);
    assert.equal(response.headers?.['WWW-Authenticate'], undefined);
  });

  it('go back to the client as an authorization error response, description in the RFC 6749 character set', () => {
    const url = new URL(
      errorResponseUrl({
        redirectUri: 'https://app.example/cb?tenant=1',
        error: new InvalidScope('Unsupported scope: "é".'),
        state: 'st-1',
        issuer: 'https://id.example',
      }),
    );
    assert.deepEqual(Object.fromEntries(url.searchParams), {
      tenant: '1',
      error: 'invalid_scope',
      error_description: 'Unsupported scope: ???.',
      state: 'st-1',
      iss: 'https://id.example',
    });
  });
});
