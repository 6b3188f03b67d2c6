import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codeResponseUrl, errorResponseUrl } from '../../lib/oidc/authorization-response.js';
import { InvalidScope } from '../../lib/oidc/errors.js';
import { postLogoutRedirectUrl } from '../../lib/oidc/post-logout-redirect.js';

const ISSUER = 'https://id.example';

describe('authorization response URL (RFC 6749 section 3.1.2: the registered query is kept, parameters are appended)', () => {
  it('appends the code response to a registered query without rewriting it', () => {
    // `a%20b` must not become `a+b`, nor the bare `flag` become `flag=`: a client comparing or
    // signing its own callback URL would see a different one.
    assert.equal(
      codeResponseUrl({ redirectUri: 'https://rp.example/cb?x=a%20b&flag', code: 'c-1', state: 's 1', issuer: ISSUER }),
      'https://rp.example/cb?x=a%20b&flag&code=c-1&state=s+1&iss=https%3A%2F%2Fid.example',
    );
  });

  it('starts a query when there is none, and adds nothing but the separator to an empty one', () => {
    assert.equal(codeResponseUrl({ redirectUri: 'https://rp.example/cb', code: 'c', issuer: ISSUER }), 'https://rp.example/cb?code=c&iss=https%3A%2F%2Fid.example');
    assert.equal(codeResponseUrl({ redirectUri: 'https://rp.example/cb?', code: 'c', issuer: ISSUER }), 'https://rp.example/cb?code=c&iss=https%3A%2F%2Fid.example');
    assert.equal(codeResponseUrl({ redirectUri: 'https://rp.example/cb?a=1&', code: 'c', issuer: ISSUER }), 'https://rp.example/cb?a=1&code=c&iss=https%3A%2F%2Fid.example');
    assert.equal(codeResponseUrl({ redirectUri: 'com.example.app:/oauth', code: 'c', issuer: ISSUER }), 'com.example.app:/oauth?code=c&iss=https%3A%2F%2Fid.example');
  });

  it('keeps the registered URI as it was written, without a parser normalising it', () => {
    // The browser normalises when it follows the redirect; the provider must not guess for it.
    assert.equal(
      codeResponseUrl({ redirectUri: 'https://rp.example/a/./cb?q=%7e', code: 'c', issuer: ISSUER }),
      'https://rp.example/a/./cb?q=%7e&code=c&iss=https%3A%2F%2Fid.example',
    );
  });

  it('appends an error response after the registered query too', () => {
    assert.equal(
      errorResponseUrl({ redirectUri: 'https://rp.example/cb?x=a%20b&flag', error: new InvalidScope('Unsupported scope.'), state: 'st', issuer: ISSUER }),
      'https://rp.example/cb?x=a%20b&flag&error=invalid_scope&error_description=Unsupported+scope.&state=st&iss=https%3A%2F%2Fid.example',
    );
  });
});

describe('post-logout redirect URL', () => {
  it('appends state after the registered query, and leaves the URI alone without one', () => {
    const target = { clientId: 'rp', redirectUri: 'https://rp.example/bye?lang=en%20GB&flag' };
    assert.equal(postLogoutRedirectUrl({ ...target, state: 'st' }), 'https://rp.example/bye?lang=en%20GB&flag&state=st');
    assert.equal(postLogoutRedirectUrl(target), 'https://rp.example/bye?lang=en%20GB&flag');
  });
});
