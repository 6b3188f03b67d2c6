import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../lib/config.js';
import { InvalidClientMetadataError, normalizeRegistration, redirectUriProblem } from '../../lib/oidc/client-metadata.js';
import { discoveryDocument } from '../../lib/oidc/discovery.js';

describe('client registration rules', () => {
  it('makes a client without a secret public, with the default grants and every scope', () => {
    const client = normalizeRegistration({ clientId: 'demo-app', redirectUris: ['http://localhost:8080/callback'] });
    assert.equal(client.type, 'public');
    assert.deepEqual(client.grantTypes, ['authorization_code', 'refresh_token']);
    assert.deepEqual(client.allowedScopes, ['openid', 'profile', 'email', 'offline_access']);
  });

  it('makes a client with a secret confidential and allows client_credentials only for it', () => {
    const machine = normalizeRegistration({ clientId: 'svc', secret: 'a-long-enough-secret-0123456789abcdef', redirectUris: [], grantTypes: ['client_credentials'] });
    assert.equal(machine.type, 'confidential');
    assert.throws(() => normalizeRegistration({ clientId: 'spa', redirectUris: ['https://a.example/cb'], grantTypes: ['client_credentials'] }), InvalidClientMetadataError);
  });

  it('refuses short secrets, bad ids, unknown grants or scopes, and code clients without redirect URIs', () => {
    const base = { clientId: 'x', redirectUris: ['https://a.example/cb'] };
    assert.throws(() => normalizeRegistration({ ...base, secret: 'short' }), InvalidClientMetadataError);
    assert.throws(() => normalizeRegistration({ ...base, secret: 'x'.repeat(31) }), /at least 32 .*openssl rand -base64 32.*--generate-secret/);
    assert.equal(normalizeRegistration({ ...base, secret: 'x'.repeat(32) }).type, 'confidential');
    assert.throws(() => normalizeRegistration({ ...base, clientId: 'has space' }), InvalidClientMetadataError);
    assert.throws(() => normalizeRegistration({ ...base, clientId: '' }), InvalidClientMetadataError);
    assert.throws(() => normalizeRegistration({ ...base, grantTypes: ['implicit' as 'refresh_token'] }), InvalidClientMetadataError);
    assert.throws(() => normalizeRegistration({ ...base, allowedScopes: ['admin'] }), InvalidClientMetadataError);
    assert.throws(() => normalizeRegistration({ ...base, redirectUris: [] }), InvalidClientMetadataError);
    assert.throws(() => normalizeRegistration({ ...base, postLogoutRedirectUris: ['javascript:alert(1)'] }), InvalidClientMetadataError);
  });

  it('accepts https, loopback http and private-use schemes as redirect URIs, nothing else', () => {
    for (const ok of ['https://app.example/cb', 'https://app.example/cb?tenant=1', 'http://localhost:8080/callback', 'http://127.0.0.1:5000/cb', 'com.example.app:/oauth']) {
      assert.equal(redirectUriProblem(ok), undefined, ok);
    }
    for (const bad of ['http://app.example/cb', 'https://app.example/cb#frag', 'javascript:alert(1)', 'data:text/html,x', 'relative/cb', 'myapp:/cb']) {
      assert.notEqual(redirectUriProblem(bad), undefined, bad);
    }
  });

  it('refuses a redirect URI whose query already names a response parameter, which the response would duplicate', () => {
    // With two `state`s (or `code`s) in the callback, which one a client reads is up to its parser.
    for (const name of ['code', 'state', 'iss', 'error', 'error_description', 'error_uri']) {
      for (const query of [`${name}=x`, `${name}=`, `a=1&${name}`, encodeURIComponent(name).replace('e', '%65') + '=x']) {
        const uri = `https://app.example/cb?${query}`;
        assert.match(redirectUriProblem(uri) ?? '', new RegExp(`"${name}"`), uri);
        assert.throws(() => normalizeRegistration({ clientId: 'x', redirectUris: [uri] }), InvalidClientMetadataError, uri);
        assert.throws(() => normalizeRegistration({ clientId: 'x', redirectUris: ['https://app.example/cb'], postLogoutRedirectUris: [uri] }), InvalidClientMetadataError, uri);
      }
    }
    for (const ok of ['https://app.example/cb?statement=1&x=a%20b&flag', 'https://app.example/cb?codes=1', 'com.example.app:/oauth?tenant=1']) {
      assert.equal(redirectUriProblem(ok), undefined, ok);
    }
  });
});

describe('discovery document', () => {
  const config = loadConfig({ ISSUER: 'https://id.example', KEYS_TABLE: 'k', CACHE_TABLE: 'c', DIRECTORY_TABLE: 'd', KMS_KEY_ID: 'alias/x' });
  const doc = discoveryDocument(config);

  it('names every endpoint under the issuer', () => {
    assert.equal(doc.issuer, 'https://id.example');
    for (const [name, path] of [
      ['authorization_endpoint', '/authorize'],
      ['token_endpoint', '/token'],
      ['userinfo_endpoint', '/userinfo'],
      ['jwks_uri', '/jwks'],
      ['end_session_endpoint', '/logout'],
      ['revocation_endpoint', '/revoke'],
      ['introspection_endpoint', '/introspect'],
    ]) {
      assert.equal(doc[name!], `https://id.example${path}`, name);
    }
  });

  it('lists exactly the methods that work', () => {
    assert.deepEqual(doc.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(doc.response_types_supported, ['code']);
    assert.deepEqual(doc.grant_types_supported, ['authorization_code', 'refresh_token', 'client_credentials']);
    assert.deepEqual(doc.token_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']);
    assert.deepEqual(doc.id_token_signing_alg_values_supported, ['ES256', 'RS256']);
    assert.deepEqual(doc.scopes_supported, ['openid', 'profile', 'email', 'offline_access']);
    assert.deepEqual(doc.prompt_values_supported, ['none', 'login', 'consent']);
    assert.equal(doc.claims_parameter_supported, true);
    assert.equal(doc.authorization_response_iss_parameter_supported, true);
    assert.equal(doc.request_parameter_supported, false);
    for (const claim of ['sub', 'auth_time', 'nonce', 'amr', 'sid', 'email', 'email_verified', 'name', 'given_name', 'family_name', 'preferred_username', 'locale', 'zoneinfo', 'updated_at']) {
      assert.ok((doc.claims_supported as string[]).includes(claim), claim);
    }
  });
});
