import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, loadConfigSections } from '../../lib/config.js';

describe('config: the issuer of a deployed stage', () => {
  const base = { KEYS_TABLE: 'k', CACHE_TABLE: 'c', DIRECTORY_TABLE: 'd', KMS_KEY_ID: 'alias/k', MAIL_MODE: 'ses' };
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

describe('config: mail of a deployed stage', () => {
  const base = { ISSUER: 'https://id.example.com', KEYS_TABLE: 'k', CACHE_TABLE: 'c', DIRECTORY_TABLE: 'd', KMS_KEY_ID: 'alias/k' };
  const inLambda = { AWS_LAMBDA_FUNCTION_NAME: 'identity-prod-register' };

  it('refuses the outbox in AWS, where it would print one-time codes to CloudWatch instead of mailing them', () => {
    for (const mode of [{ MAIL_MODE: 'outbox' }, {}]) {
      assert.throws(
        () => loadConfig({ ...base, ...inLambda, ...mode }),
        (error: unknown) => error instanceof ConfigError && /MAIL_MODE=outbox is for the local stack only/.test(error.problems.join('\n')),
        JSON.stringify(mode),
      );
    }
  });

  it('keeps the outbox for the local stack (serverless-offline, tests) and SES in AWS', () => {
    assert.equal(loadConfig({ ...base, ...inLambda, IS_OFFLINE: 'true', MAIL_MODE: 'outbox' }).mail.mode, 'outbox');
    assert.equal(loadConfig({ ...base, MAIL_MODE: 'outbox' }).mail.mode, 'outbox');
    assert.equal(loadConfig({ ...base, ...inLambda, MAIL_MODE: 'ses' }).mail.mode, 'ses');
  });
});

describe('config: sections', () => {
  const problemsOf = (load: () => unknown): string[] => {
    try {
      load();
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      return error.problems;
    }
    assert.fail('expected a ConfigError');
  };

  it('loads only the sections asked for: the keys table needs no issuer, other tables or KMS key', () => {
    const config = loadConfigSections(['aws', 'keysTable'], { KEYS_TABLE: 'k', DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000' });
    assert.deepEqual(config, { region: 'us-east-1', endpoints: { dynamodb: 'http://127.0.0.1:8000', kms: undefined }, tables: { keys: 'k' } });
  });

  it('puts the table sections together under tables', () => {
    const config = loadConfigSections(['keysTable', 'directoryTable'], { KEYS_TABLE: 'k', DIRECTORY_TABLE: 'd', CACHE_TABLE: 'c' });
    assert.deepEqual(config.tables, { keys: 'k', directory: 'd' });
  });

  it('reports every problem of the loaded sections together, and none of the others', () => {
    const problems = problemsOf(() => loadConfigSections(['keysTable', 'kms', 'lifetimes'], { DP_KEY_LIFETIME_S: 'soon', ISSUER: 'not a url' }));
    assert.deepEqual(problems, ['KEYS_TABLE is required', 'KMS_KEY_ID is required', 'DP_KEY_LIFETIME_S must be an integer >= 1, got "soon"']);
  });

  it('loadConfig loads every section and reports every missing variable at once', () => {
    assert.deepEqual(problemsOf(() => loadConfig({})), [
      'ISSUER is required',
      'KEYS_TABLE is required',
      'CACHE_TABLE is required',
      'DIRECTORY_TABLE is required',
      'KMS_KEY_ID is required',
    ]);
  });
});

describe('config: guessing budgets', () => {
  it('refuses per-account budgets that would allow more than 100 guesses a day across passwords and codes (NIST SP 800-63B)', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfigSections(['accounts'], env);
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    assert.deepEqual(problems({}), [], 'the defaults: 2 x 7 x (6 + 1) = 98');
    assert.match(problems({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '8' }).join(), /allow 112 guesses per account per day/);
    assert.match(problems({ LOGIN_ACCOUNT_WINDOW_S: '3600' }).join(), /allow 350 guesses/);
    assert.deepEqual(problems({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '10', LOGIN_ACCOUNT_WINDOW_S: String(6 * 3600) }), [], '2 x 10 x (4 + 1) = 100');
  });
});
