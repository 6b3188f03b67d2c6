import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { claimNames, claimsScopes, MAX_CLAIMS_PARAMETER_LENGTH, parseClaimsRequest, releasableClaims } from '../../lib/oidc/claims-request.js';
import { InvalidRequest } from '../../lib/oidc/errors.js';

const ALL_SCOPES = ['openid', 'profile', 'email', 'offline_access'];

describe('the claims request parameter (OIDC Core 5.5)', () => {
  it('reads id_token and userinfo members: null, essential, value and values', () => {
    const parsed = parseClaimsRequest(
      JSON.stringify({
        id_token: { acr: { essential: true, values: ['urn:a', 'urn:b'] }, email: null },
        userinfo: { name: { essential: true }, sub: { value: 'user-1' }, nickname: null },
        extension: { ignored: true },
      }),
    );
    assert.deepEqual(parsed, {
      id_token: { acr: { essential: true, values: ['urn:a', 'urn:b'] }, email: null },
      userinfo: { name: { essential: true }, sub: { value: 'user-1' }, nickname: null },
    });
    assert.deepEqual(claimNames(parsed as never, 'userinfo'), ['name', 'sub', 'nickname']);
    assert.deepEqual(parseClaimsRequest('{}'), {});
  });

  it('refuses what is not the described JSON with invalid_request', () => {
    for (const value of [
      'not json',
      '[]',
      'null',
      '"text"',
      '{"id_token": []}',
      '{"userinfo": "email"}',
      '{"userinfo": {"email": true}}',
      '{"userinfo": {"email": {"essential": "yes"}}}',
      '{"userinfo": {"email": {"value": {"x": 1}}}}',
      '{"userinfo": {"email": {"values": []}}}',
      '{"userinfo": {"email": {"values": "a"}}}',
      '{"userinfo": {"email": {"value": "a", "values": ["b"]}}}',
      '{"userinfo": {"": null}}',
      `{"userinfo": {"${'x'.repeat(65)}": null}}`,
      JSON.stringify({ userinfo: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`c${i}`, null])) }),
      `{"userinfo": {"email": null, "pad": "${'x'.repeat(MAX_CLAIMS_PARAMETER_LENGTH)}"}}`,
    ]) {
      assert.ok(parseClaimsRequest(value) instanceof InvalidRequest, value.slice(0, 80));
    }
  });

  it('releases only the claims of scopes the client is allowed, and names the scopes consent must cover', () => {
    const request = parseClaimsRequest(JSON.stringify({ id_token: { email: null, acr: null }, userinfo: { given_name: null, email_verified: null } }));
    assert.ok(!(request instanceof InvalidRequest));
    assert.deepEqual(releasableClaims(request, ALL_SCOPES), { idToken: ['email'], userinfo: ['given_name', 'email_verified'] });
    assert.deepEqual(releasableClaims(request, ['openid', 'profile']), { idToken: [], userinfo: ['given_name'] });
    assert.equal(releasableClaims(request, ['openid']), undefined);
    assert.equal(releasableClaims(undefined, ALL_SCOPES), undefined);
    assert.deepEqual(claimsScopes(request, ALL_SCOPES), ['profile', 'email']);
    assert.deepEqual(claimsScopes(request, ['openid', 'email']), ['email']);
    assert.deepEqual(claimsScopes(undefined, ALL_SCOPES), []);
  });
});
