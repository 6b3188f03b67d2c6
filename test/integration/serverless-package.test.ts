/**
 * Packages the service with `osls package` (offline: no AWS call) and reads the generated
 * CloudFormation, so what reaches AWS is checked, not just what serverless.yml looks like.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };
type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, any> };

describe('osls package output', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'identity-package-'));
  const workFolder = `.esbuild-package-test-${process.pid}`;
  let resources: Record<string, Resource>;
  let statements: Statement[];

  before(() => {
    const run = spawnSync('npx', ['osls', 'package', '--stage', 'ci', '--package', outDir], {
      encoding: 'utf8',
      env: { ...process.env, ESBUILD_WORK_FOLDER: workFolder },
      timeout: 240_000,
    });
    assert.equal(run.status, 0, `osls package failed:\n${run.stdout}\n${run.stderr}`);
    const template = JSON.parse(readFileSync(join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'));
    resources = template.Resources;
    statements = resources.IamRoleLambdaExecution!.Properties.Policies[0].PolicyDocument.Statement;
  });
  after(() => {
    rmSync(outDir, { recursive: true, force: true });
    rmSync(workFolder, { recursive: true, force: true });
  });

  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

  it('gives the cache table TTL on attribute `ttl`', () => {
    const cache = resources.CacheTable!;
    assert.deepEqual(cache.Properties.TimeToLiveSpecification, { AttributeName: 'ttl', Enabled: true });
  });

  it('protects the key ring and directory tables from loss', () => {
    for (const name of ['KeysTable', 'DirectoryTable']) {
      const table = resources[name]!;
      assert.equal(table.Properties.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled, true, name);
      assert.equal(table.Properties.DeletionProtectionEnabled, true, name);
      assert.equal(table.DeletionPolicy, 'Retain', name);
    }
  });

  it('creates a rotating KMS key with an alias', () => {
    const [keys, aliases] = [ofType('AWS::KMS::Key'), ofType('AWS::KMS::Alias')];
    assert.equal(keys.length, 1);
    assert.equal(keys[0]![1].Properties.EnableKeyRotation, true);
    assert.equal(aliases.length, 1);
    assert.equal(aliases[0]![1].Properties.AliasName, 'alias/identity-ci');
    assert.deepEqual(aliases[0]![1].Properties.TargetKeyId, { Ref: keys[0]![0] });
  });

  it('grants no wildcard action or resource to the functions', () => {
    for (const statement of statements) {
      const actions = [statement.Action].flat();
      assert.ok(actions.every((a) => !a.includes('*')), `wildcard action in ${JSON.stringify(statement)}`);
      const resourcesText = JSON.stringify(statement.Resource);
      assert.ok(resourcesText !== '"*"' && !resourcesText.includes('"*"'), `wildcard resource in ${JSON.stringify(statement)}`);
    }
  });

  it('allows KMS calls only on the wrapping key and only with this app\'s encryption context', () => {
    const kms = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('kms:')));
    assert.equal(kms.length, 1);
    const [statement] = kms;
    assert.deepEqual(statement!.Resource, [{ 'Fn::GetAtt': ['WrappingKey', 'Arn'] }]);
    assert.deepEqual(statement!.Condition, { StringEquals: { 'kms:EncryptionContext:app': 'identity' } });
    assert.deepEqual([statement!.Action].flat().sort(), ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']);
  });

  it('allows DynamoDB calls only on the three tables', () => {
    const dynamo = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')));
    const targets = dynamo.flatMap((s) => [s.Resource].flat()).map((r) => JSON.stringify(r)).sort();
    assert.deepEqual(targets, ['KeysTable', 'CacheTable', 'DirectoryTable'].map((t) => JSON.stringify({ 'Fn::GetAtt': [t, 'Arn'] })).sort());
  });

  it('allows only the DynamoDB actions the functions make (no unused ConditionCheckItem, no Scan)', () => {
    const actions = statements.flatMap((s) => [s.Action].flat()).filter((a) => a.startsWith('dynamodb:'));
    assert.deepEqual(actions.sort(), ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
  });

  it('runs every function on nodejs22.x arm64 from its own bundle', () => {
    const functions = ofType('AWS::Lambda::Function');
    assert.ok(functions.length >= 4);
    for (const [name, fn] of functions) {
      assert.equal(fn.Properties.Runtime, 'nodejs22.x', name);
      assert.deepEqual(fn.Properties.Architectures, ['arm64'], name);
    }
    const zips = readdirSync(outDir).filter((f) => f.endsWith('.zip'));
    assert.equal(zips.length, functions.length, 'one artifact per function');
  });

  it('schedules key rotation', () => {
    const rules = ofType('AWS::Events::Rule');
    assert.ok(rules.some(([, rule]) => /^rate\(/.test(rule.Properties.ScheduleExpression)), 'a rate() schedule exists');
  });

  it('serves an HTTP API with payload 2.0', () => {
    const integrations = ofType('AWS::ApiGatewayV2::Integration');
    assert.ok(integrations.length > 0);
    for (const [, integration] of integrations) assert.equal(integration.Properties.PayloadFormatVersion, '2.0');
  });

  it('routes CORS preflights (OPTIONS) to the browser-callable endpoints only, with no API-wide CORS', () => {
    const routeKeys = ofType('AWS::ApiGatewayV2::Route').map(([, route]) => String(route.Properties.RouteKey));
    const preflights = routeKeys.filter((key) => key.startsWith('OPTIONS ')).sort();
    assert.deepEqual(preflights, ['/.well-known/openid-configuration', '/jwks', '/revoke', '/token', '/userinfo'].map((path) => `OPTIONS ${path}`).sort());
    for (const [name, api] of ofType('AWS::ApiGatewayV2::Api')) assert.equal(api.Properties.CorsConfiguration, undefined, name);
  });
});

describe('osls configuration renamed from the environment (README "Configuration")', () => {
  it('KMS_KEY_ID renames the alias the stack creates, so functions, alias and IAM name the same key', () => {
    const run = spawnSync('npx', ['osls', 'print', '--stage', 'ci', '--format', 'json'], {
      encoding: 'utf8',
      env: { ...process.env, KMS_KEY_ID: 'alias/identity-renamed', KEYS_TABLE: 'renamed-keys' },
      timeout: 120_000,
    });
    assert.equal(run.status, 0, `osls print failed:\n${run.stderr}`);
    const service = JSON.parse(run.stdout);
    const resources = service.resources.Resources as Record<string, Resource>;
    assert.equal(service.provider.environment.KMS_KEY_ID, 'alias/identity-renamed');
    assert.equal(resources.WrappingKeyAlias!.Properties.AliasName, 'alias/identity-renamed');
    assert.equal(service.provider.environment.KEYS_TABLE, 'renamed-keys');
    assert.equal(resources.KeysTable!.Properties.TableName, 'renamed-keys');
  });
});
