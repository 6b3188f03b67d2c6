import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../lib/config.js';

describe('config: the issuer of a deployed stage', () => {
  const base = { KEYS_TABLE: 'k', CACHE_TABLE: 'c', DIRECTORY_TABLE: 'd', KMS_KEY_ID: 'alias/k' };
  const inLambda = { AWS_LAMBDA_FUNCTION_NAME: 'identity-prod-token' };

  it('refuses a non-https issuer in AWS (the local default a deploy without ISSUER would get)', () => {
    assert.throws(
      () => loadConfig({ ...base, ...inLambda, ISSUER: 'http://localhost:3000' }),
      (error: unknown) => error instanceof ConfigError && /ISSUER must be the deployed https URL/.test(error.problems.join('\n')),
    );
  });

  it('accepts an https issuer in AWS, and the local issuer under serverless-offline or outside Lambda', () => {
    assert.equal(loadConfig({ ...base, ...inLambda, ISSUER: 'https://id.example.com/' }).issuer, 'https://id.example.com');
    assert.equal(loadConfig({ ...base, ...inLambda, IS_OFFLINE: 'true', ISSUER: 'http://localhost:3000' }).issuer, 'http://localhost:3000');
    assert.equal(loadConfig({ ...base, ISSUER: 'http://localhost:3000' }).issuer, 'http://localhost:3000');
  });
});
