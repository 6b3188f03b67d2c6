import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, loadConfigSections } from '../../lib/config.js';

const base = { KEYS_TABLE: 'k', CACHE_TABLE: 'c', DIRECTORY_TABLE: 'd', KMS_KEY_ID: 'alias/k' };

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfigSections(['issuer'], env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('config: the WebAuthn relying party', () => {
  it("defaults to the issuer's host and origin", () => {
    assert.deepEqual(loadConfig({ ...base, ISSUER: 'https://id.example.com/' }).webauthn, { rpId: 'id.example.com', origins: ['https://id.example.com'] });
    assert.deepEqual(loadConfig({ ...base, ISSUER: 'http://localhost:3000' }).webauthn, { rpId: 'localhost', origins: ['http://localhost:3000'] });
  });

  it('takes an RP id that is a registrable suffix of every origin', () => {
    const env = { ISSUER: 'https://id.example.com', WEBAUTHN_RP_ID: 'Example.com', WEBAUTHN_ORIGINS: 'https://id.example.com, https://www.example.com' };
    assert.deepEqual(loadConfigSections(['issuer'], env).webauthn, { rpId: 'example.com', origins: ['https://id.example.com', 'https://www.example.com'] });
  });

  it('refuses an RP id that is not a suffix of an origin on a label boundary', () => {
    assert.deepEqual(problemsOf({ ISSUER: 'https://id.example.com', WEBAUTHN_RP_ID: 'other.com' }), [
      'WEBAUTHN_RP_ID "other.com" must be the host of https://id.example.com or a registrable suffix of it',
    ]);
    assert.deepEqual(problemsOf({ ISSUER: 'https://id.badexample.com', WEBAUTHN_RP_ID: 'example.com' }), [
      'WEBAUTHN_RP_ID "example.com" must be the host of https://id.badexample.com or a registrable suffix of it',
    ]);
  });

  it('refuses an IP address or a bare label as RP id, and an origin with a path or plain http off localhost', () => {
    assert.match(problemsOf({ ISSUER: 'https://127.0.0.1' }).join('\n'), /WEBAUTHN_RP_ID must be a domain name/);
    assert.match(problemsOf({ ISSUER: 'https://id.example.com', WEBAUTHN_RP_ID: 'com' }).join('\n'), /WEBAUTHN_RP_ID must be a domain name/);
    assert.match(problemsOf({ ISSUER: 'https://id.example.com', WEBAUTHN_ORIGINS: 'https://id.example.com/login' }).join('\n'), /WEBAUTHN_ORIGINS must list http\(s\) origins/);
    assert.deepEqual(problemsOf({ ISSUER: 'https://id.example.com', WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'http://id.example.com' }), [
      'WEBAUTHN_ORIGINS: http://id.example.com must be https (http only on localhost)',
    ]);
  });

  it('reports a missing ISSUER once, not again as a WebAuthn problem', () => {
    assert.deepEqual(problemsOf({}), ['ISSUER is required']);
  });
});
