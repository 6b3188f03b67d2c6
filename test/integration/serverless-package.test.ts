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
import { readFunctionAccess, TABLES, type FunctionAccess } from '../support/function-access.js';
import { dependencyCycles } from '../support/template-dependencies.js';

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; DependsOn?: string | string[] };
type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, any>; Principal?: unknown };

const ISSUER = 'https://id.example.com';
/** The custom domain the shared package run is given (no ISSUER: it derives https://DOMAIN_NAME). */
const DOMAIN_NAME = 'id.example.com';
const CERTIFICATE_ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000';
/** osls itself, not npx, so that the run's pid is osls's (serverless-esbuild names its temp folders with it). */
const OSLS_BIN = 'node_modules/osls/bin/serverless.js';
const OPERATOR_ARN = 'arn:aws:iam::123456789012:role/identity-operator';
const TABLE_IDS = { keys: 'KeysTable', cache: 'CacheTable', directory: 'DirectoryTable' } as const;
const tableArn = (table: (typeof TABLES)[number]) =>
  table === 'cacheOwnerIndex' ? { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['CacheTable', 'Arn'] }, '/index/by-owner']] } : { 'Fn::GetAtt': [TABLE_IDS[table], 'Arn'] };
/** The calls that use the key's material; everything else in a key policy is administration. */
const KEY_USAGE = /^kms:(Encrypt|Decrypt|ReEncrypt|GenerateDataKey|GenerateMac|VerifyMac|Sign|Verify|DeriveSharedSecret|CreateGrant|\*)/;

const access = readFunctionAccess();
const actions = (statement: Statement) => [statement.Action].flat();
const roleArn = (roleName: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${roleName}` });

describe('osls package output', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'identity-package-'));
  const workFolder = `.esbuild-package-test-${process.pid}`;
  let resources: Record<string, Resource>;
  let functions: [string, Resource][];
  let packagePid: number | undefined;

  before(() => {
    const env: NodeJS.ProcessEnv = { ...process.env, ESBUILD_WORK_FOLDER: workFolder, DOMAIN_NAME, CERTIFICATE_ARN, KMS_OPERATOR_ARN: OPERATOR_ARN };
    // The defaults are what is checked: a developer's own settings stay out.
    for (const name of ['ISSUER', 'AUDIT_RETENTION_DAYS', 'LOG_RETENTION_DAYS'] as const) delete env[name];
    const run = spawnSync(process.execPath, [OSLS_BIN, 'package', '--stage', 'ci', '--package', outDir], { encoding: 'utf8', env, timeout: 240_000 });
    packagePid = run.pid;
    assert.equal(run.status, 0, `osls package failed:\n${run.stdout}\n${run.stderr}`);
    const template = JSON.parse(readFileSync(join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'));
    resources = template.Resources;
    functions = ofType('AWS::Lambda::Function');
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

  /** The function's key in serverless.yml, from its FunctionName `identity-ci-<key>`. */
  const functionKey = (fn: Resource) => String(fn.Properties.FunctionName).replace(/^identity-ci-/, '');
  const roleOf = (fn: Resource): [string, Resource] => {
    const role = fn.Properties.Role as { 'Fn::GetAtt'?: [string, string] };
    const id = role['Fn::GetAtt']?.[0];
    assert.ok(id && resources[id], `role of ${String(fn.Properties.FunctionName)}: ${JSON.stringify(role)}`);
    return [id, resources[id]];
  };
  const roleStatements = (role: Resource): Statement[] =>
    (role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((policy) => policy.PolicyDocument.Statement);

  it('gives every function a role of its own, and creates no shared default role', () => {
    assert.equal(resources.IamRoleLambdaExecution, undefined);
    const roles = functions.map(([, fn]) => roleOf(fn));
    for (const [id, role] of roles) assert.equal(role.Type, 'AWS::IAM::Role', id);
    assert.equal(new Set(roles.map(([id]) => id)).size, functions.length, 'no two functions share a role');
    assert.deepEqual(functions.map(([, fn]) => functionKey(fn)).sort(), Object.keys(access).sort(), 'every function has an entry in infra/function-access.yml');
  });

  it('lets only Lambda assume the roles, under names IAM accepts', () => {
    for (const [, fn] of functions) {
      const [id, role] = roleOf(fn);
      assert.deepEqual(role.Properties.AssumeRolePolicyDocument.Statement, [
        { Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] }, Action: ['sts:AssumeRole'] },
      ], id);
      assert.ok(typeof role.Properties.RoleName === 'string' && role.Properties.RoleName.length <= 64, `${id}: ${role.Properties.RoleName}`);
    }
  });

  it('grants no wildcard action or resource to the functions', () => {
    for (const [, fn] of functions) {
      for (const statement of roleStatements(roleOf(fn)[1])) {
        assert.ok(actions(statement).every((a) => !a.includes('*')), `wildcard action in ${JSON.stringify(statement)}`);
        const resourcesText = JSON.stringify(statement.Resource);
        assert.ok(resourcesText !== '"*"' && !resourcesText.includes('"*"'), `wildcard resource in ${JSON.stringify(statement)}`);
      }
    }
  });

  /** What a role's statements grant, in infra/function-access.yml's shape, plus where it may log. */
  function granted(statements: Statement[]): FunctionAccess & { logs: { actions: string[]; resources: unknown[] } } {
    const result: FunctionAccess & { logs: { actions: string[]; resources: unknown[] } } = { logs: { actions: [], resources: [] } };
    for (const statement of statements) {
      assert.equal(statement.Effect, 'Allow');
      const services = new Set(actions(statement).map((a) => a.split(':')[0]));
      assert.equal(services.size, 1, `one service per statement: ${JSON.stringify(statement)}`);
      const [service] = [...services];
      const names = actions(statement).map((a) => a.split(':')[1]!).sort();
      const targets = [statement.Resource].flat();
      if (service === 'dynamodb') {
        for (const target of targets) {
          const table = TABLES.find((t) => JSON.stringify(target) === JSON.stringify(tableArn(t)));
          assert.ok(table, `DynamoDB only on the three tables: ${JSON.stringify(target)}`);
          result.dynamodb = { ...result.dynamodb, [table]: [...(result.dynamodb?.[table] ?? []), ...names].sort() };
        }
      } else if (service === 'kms') {
        assert.deepEqual(targets, [{ 'Fn::GetAtt': ['WrappingKey', 'Arn'] }], 'KMS only on the wrapping key');
        assert.deepEqual(statement.Condition, { StringEquals: { 'kms:EncryptionContext:app': 'identity' } }, 'only with this application\'s encryption context');
        result.kms = [...(result.kms ?? []), ...names].sort();
      } else if (service === 'ses') {
        assert.deepEqual(
          targets,
          [
            { 'Fn::Sub': 'arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/example.com' },
            { 'Fn::Sub': 'arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:configuration-set/identity-ci' },
          ],
          'SES only from the mail identity, with the stage\'s configuration set',
        );
        result.ses = [...(result.ses ?? []), ...names].sort();
      } else if (service === 'logs') {
        result.logs = { actions: [...result.logs.actions, ...names].sort(), resources: [...result.logs.resources, ...targets] };
      } else {
        assert.fail(`unexpected service ${service} in ${JSON.stringify(statement)}`);
      }
    }
    return result;
  }

  const sorted = (entry: FunctionAccess) => ({
    ...(entry.dynamodb && { dynamodb: Object.fromEntries(Object.entries(entry.dynamodb).map(([table, names]) => [table, [...names].sort()])) }),
    ...(entry.kms && { kms: [...entry.kms].sort() }),
    ...(entry.ses && { ses: [...entry.ses].sort() }),
  });

  for (const [key, entry] of Object.entries(access)) {
    const summary = [
      ...Object.entries(entry.dynamodb ?? {}).map(([table, names]) => `${names.join('/')} on ${table}`),
      ...(entry.kms ? [`kms ${entry.kms.join('/')}`] : []),
      ...(entry.ses ? [`ses ${entry.ses.join('/')}`] : []),
    ].join(', ');
    it(`${key}'s role grants exactly ${summary || 'nothing'} (infra/function-access.yml), and logging to its own log group`, () => {
      const found = functions.find(([, fn]) => functionKey(fn) === key);
      assert.ok(found, `no function ${key}`);
      const [logicalId, fn] = found;
      const { logs, ...grants } = granted(roleStatements(roleOf(fn)[1]));
      assert.deepEqual(grants, sorted(entry));
      assert.deepEqual(logs.actions, ['CreateLogStream', 'PutLogEvents']);
      const logGroup = resources[logicalId.replace(/LambdaFunction$/, 'LogGroup')]!.Properties.LogGroupName;
      assert.deepEqual(logs.resources, [{ 'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:${logGroup}:*` }]);
    });
  }

  describe('the wrapping key\'s policy', () => {
    const keyPolicy = (): Statement[] => ofType('AWS::KMS::Key')[0]![1].Properties.KeyPolicy.Statement;
    const roleNamesWith = (action: string) =>
      functions.filter(([, fn]) => access[functionKey(fn)]?.kms?.includes(action)).map(([, fn]) => roleOf(fn)[1].Properties.RoleName as string);

    it('keeps an administration statement for the account that cannot use the key', () => {
      const admin = keyPolicy().filter((s) => JSON.stringify(s.Principal) === JSON.stringify({ AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } }) && s.Condition === undefined);
      assert.equal(admin.length, 1, JSON.stringify(keyPolicy()));
      assert.ok(actions(admin[0]!).includes('kms:PutKeyPolicy'), 'the account can always correct the policy');
      assert.deepEqual(actions(admin[0]!).filter((a) => KEY_USAGE.test(a)), [], 'administration is not usage');
    });

    it('lets only the roles that need an operation (and the operator) use the key for it, with this app\'s context', () => {
      const usage = keyPolicy().filter((s) => actions(s).some((a) => KEY_USAGE.test(a)));
      const allowed = new Map<string, unknown[]>();
      for (const statement of usage) {
        assert.equal(statement.Effect, 'Allow');
        assert.equal(statement.Condition?.StringEquals?.['kms:EncryptionContext:app'], 'identity', JSON.stringify(statement));
        const principals = [statement.Condition?.ArnEquals?.['aws:PrincipalArn']].flat();
        assert.ok(principals.length > 0 && principals[0] !== undefined, `usage without a principal condition: ${JSON.stringify(statement)}`);
        for (const action of actions(statement)) allowed.set(action, [...(allowed.get(action) ?? []), ...principals]);
      }
      const usedActions = [...new Set(Object.values(access).flatMap((entry) => entry.kms ?? []))].map((a) => `kms:${a}`).sort();
      assert.deepEqual([...allowed.keys()].sort(), usedActions);
      for (const [action, principals] of allowed) {
        const operator = action === 'kms:Decrypt' ? [] : [OPERATOR_ARN];
        const expected = [...roleNamesWith(action.slice('kms:'.length)).map(roleArn), ...operator];
        assert.deepEqual(principals.map((p) => JSON.stringify(p)).sort(), expected.map((p) => JSON.stringify(p)).sort(), action);
      }
    });
  });

  it('has no dependency cycle among its resources (Ref, GetAtt, Sub, DependsOn)', () => {
    assert.deepEqual(dependencyCycles(resources), []);
  });

  it('runs every function on nodejs22.x arm64 from its own bundle', () => {
    assert.ok(functions.length >= 4);
    for (const [name, fn] of functions) {
      assert.equal(fn.Properties.Runtime, 'nodejs22.x', name);
      assert.deepEqual(fn.Properties.Architectures, ['arm64'], name);
    }
    const zips = readdirSync(outDir).filter((f) => f.endsWith('.zip'));
    assert.equal(zips.length, functions.length, 'one artifact per function');
  });

  /** The functions whose bundle hashes passwords (argon2id, a native module). */
  const PASSWORD_HASHING = ['login', 'register', 'passwordReset', 'accountActions'];
  const zipEntries = (zip: string) => spawnSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  const zipEntry = (zip: string, entry: string) => spawnSync('unzip', ['-p', zip, entry], { maxBuffer: 64 * 1024 * 1024 }).stdout;

  it('ships the argon2 binary for Lambda (ELF64, AArch64) to the functions that hash passwords, and no native binary to any other', () => {
    for (const [, fn] of functions) {
      const key = functionKey(fn);
      const zip = join(outDir, `${key}.zip`);
      const binaries = zipEntries(zip).filter((entry) => entry.endsWith('.node'));
      if (!PASSWORD_HASHING.includes(key)) {
        assert.deepEqual(binaries, [], key);
        continue;
      }
      assert.equal(binaries.length, 1, `${key}: ${binaries.join(', ')}`);
      const elf = zipEntry(zip, binaries[0]!);
      assert.deepEqual([...elf.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46], `${key}: ${binaries[0]} is not an ELF file`);
      assert.equal(elf[4], 2, `${key}: 64-bit`);
      assert.equal(elf[5], 1, `${key}: little-endian`);
      assert.equal(elf.readUInt16LE(18), 0xb7, `${key}: ${binaries[0]} is for e_machine 0x${elf.readUInt16LE(18).toString(16)}, not AArch64 (0xb7)`);
    }
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

  describe('alarms (infra/alarms.yml)', () => {
    type Dimension = { Name: string; Value: unknown };
    type Alarm = Resource & { Properties: { AlarmActions: unknown[]; MetricName?: string; Namespace?: string; Dimensions?: Dimension[]; Metrics?: { Id: string; Expression?: string; MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: Dimension[] } } }[] } };
    const alarms = () => Object.fromEntries(ofType('AWS::CloudWatch::Alarm')) as Record<string, Alarm>;
    /** Every metric an alarm watches, as `namespace/name{dimension=value,...}`. */
    const series = (namespace: string, name: string, dimensions: Dimension[]) =>
      `${namespace}/${name}{${dimensions.map((d) => `${d.Name}=${typeof d.Value === 'string' ? d.Value : JSON.stringify(d.Value)}`).join(',')}}`;
    const watched = (alarm: Alarm): string[] => {
      const { Namespace, MetricName, Dimensions, Metrics } = alarm.Properties;
      if (MetricName !== undefined) return [series(Namespace!, MetricName, Dimensions ?? [])];
      return (Metrics ?? []).flatMap(({ MetricStat }) => (MetricStat === undefined ? [] : [series(MetricStat.Metric.Namespace, MetricStat.Metric.MetricName, MetricStat.Metric.Dimensions)]));
    };

    it('alarm on the 5xx rate, dependency failures, refresh reuse, lockouts and the mail breaker', () => {
      const byName = alarms();
      assert.deepEqual(Object.keys(byName).sort(), ['Api5xxRateAlarm', 'DependencyFailureAlarm', 'LockoutSpikeAlarm', 'MailCircuitOpenAlarm', 'RefreshReuseAlarm']);
      assert.deepEqual(watched(byName.Api5xxRateAlarm!), ['AWS/ApiGateway/5xx{ApiId={"Ref":"HttpApi"}}', 'AWS/ApiGateway/Count{ApiId={"Ref":"HttpApi"}}']);
      assert.ok(resources.HttpApi, 'the API the 5xx alarm names exists');
      for (const dependency of ['dynamodb', 'kms', 'key wrapping service', 'ses', 'mail']) {
        assert.ok(watched(byName.DependencyFailureAlarm!).includes(`identity/DependencyFailure{service=identity,dependency=${dependency}}`), dependency);
      }
      // Powertools gives every application metric the dimension `service`: an alarm without it watches nothing.
      assert.deepEqual(watched(byName.RefreshReuseAlarm!), ['identity/RefreshReuseDetected{service=identity}']);
      assert.deepEqual(watched(byName.LockoutSpikeAlarm!), ['password', 'code'].map((method) => `identity/SignIn{service=identity,method=${method},outcome=throttled}`));
      // The metric lib/runtime/mail-services.ts counts when the breaker opens.
      assert.deepEqual(watched(byName.MailCircuitOpenAlarm!), ['identity/MailCircuitOpen{service=identity}']);
    });

    it('send every alarm to the one SNS topic, which mails ALARM_EMAIL only when it is set', () => {
      const topics = ofType('AWS::SNS::Topic');
      assert.deepEqual(topics.map(([name]) => name), ['AlarmTopic']);
      for (const [name, alarm] of Object.entries(alarms())) assert.deepEqual(alarm.Properties.AlarmActions, [{ Ref: 'AlarmTopic' }], name);
      const subscription = resources.AlarmEmailSubscription as Resource & { Condition?: string };
      assert.equal(subscription.Condition, 'HasAlarmEmail');
      assert.deepEqual(subscription.Properties.TopicArn, { Ref: 'AlarmTopic' });
    });
  });

  describe('audit archive (infra/audit-archive.yml, infra/audit-archive.cjs)', () => {
    const getAttArn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
    /** The logical id an `{ "Fn::GetAtt": [id, "Arn"] }` names, and that it names a resource of `type`. */
    const arnOf = (value: unknown, type: string): string => {
      const id = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt']?.[0];
      assert.ok(id !== undefined && resources[id]?.Type === type, `${JSON.stringify(value)} is not the ARN of a ${type}`);
      assert.deepEqual(value, getAttArn(id));
      return id;
    };
    const only = (type: string): [string, Resource] => {
      const found = ofType(type);
      assert.equal(found.length, 1, `one ${type}: ${found.map(([id]) => id).join(', ')}`);
      return found[0]!;
    };
    const functionLogGroups = () => functions.map(([logicalId]) => logicalId.replace(/LambdaFunction$/, 'LogGroup')).sort();
    const streamId = () => only('AWS::KinesisFirehose::DeliveryStream')[0];
    const destination = () => resources[streamId()]!.Properties.ExtendedS3DestinationConfiguration;
    /** The bucket the stream writes to (the framework's deployment bucket is another). */
    const bucketId = () => arnOf(destination().BucketARN, 'AWS::S3::Bucket');
    const bucketObjects = (bucketId: string) => ({ 'Fn::Join': ['', [getAttArn(bucketId), '/*']] });
    const filters = () => ofType('AWS::Logs::SubscriptionFilter');

    it('subscribes every function log group, and only those, to the one Firehose stream for audit lines', () => {
      const groups = filters().map(([, filter]) => (filter.Properties.LogGroupName as { Ref: string }).Ref).sort();
      assert.deepEqual(groups, functionLogGroups(), 'one filter per function log group, by Ref (so after the group)');
      for (const group of groups) assert.equal(resources[group]?.Type, 'AWS::Logs::LogGroup', group);
      for (const [id, filter] of filters()) {
        assert.match(String(filter.Properties.FilterPattern), /\{\s*\$\.audit IS TRUE\s*\}/, id);
        assert.equal(arnOf(filter.Properties.DestinationArn, 'AWS::KinesisFirehose::DeliveryStream'), streamId(), id);
        assert.equal(arnOf(filter.Properties.RoleArn, 'AWS::IAM::Role'), 'AuditArchiveLogsRole', id);
      }
    });

    it('keeps the functions\' own logs 30 days by default (LOG_RETENTION_DAYS)', () => {
      for (const group of functionLogGroups()) assert.equal(resources[group]!.Properties.RetentionInDays, 30, group);
    });

    it('has Firehose unzip the CloudWatch Logs batches and write the audit lines, gzipped, to the bucket', () => {
      const { RoleARN, CompressionFormat, ProcessingConfiguration } = destination();
      assert.equal(bucketId(), 'AuditArchiveBucket');
      assert.equal(arnOf(RoleARN, 'AWS::IAM::Role'), 'AuditArchiveFirehoseRole');
      assert.equal(CompressionFormat, 'GZIP');
      assert.deepEqual(ProcessingConfiguration.Processors.map((p: { Type: string }) => p.Type), ['Decompression', 'CloudWatchLogProcessing', 'AppendDelimiterToRecord']);
    });

    it('keeps the bucket private, encrypted, versioned and past the stack, TLS only, for 400 days by default', () => {
      const id = bucketId();
      const archive = resources[id]!;
      assert.deepEqual(archive.Properties.PublicAccessBlockConfiguration, { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
      assert.deepEqual(archive.Properties.BucketEncryption.ServerSideEncryptionConfiguration, [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }]);
      assert.equal(archive.Properties.VersioningConfiguration.Status, 'Enabled');
      assert.equal(archive.DeletionPolicy, 'Retain');
      const [rule, ...others] = archive.Properties.LifecycleConfiguration.Rules;
      assert.deepEqual(others, []);
      assert.equal(rule.Status, 'Enabled');
      assert.equal(rule.ExpirationInDays, 400);
      assert.deepEqual(rule.Transitions, [{ StorageClass: 'GLACIER_IR', TransitionInDays: 90 }]);
      const policies = ofType('AWS::S3::BucketPolicy').filter(([, policy]) => JSON.stringify(policy.Properties.Bucket) === JSON.stringify({ Ref: id }));
      assert.equal(policies.length, 1, 'one bucket policy');
      assert.deepEqual(policies[0]![1].Properties.PolicyDocument.Statement, [
        { Sid: 'TlsOnly', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [getAttArn(id), bucketObjects(id)], Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
      ]);
    });

    const statementsOf = (roleId: string): Statement[] => roleStatements(resources[roleId]!);
    const assertNoWildcards = (roleId: string) => {
      for (const statement of statementsOf(roleId)) {
        assert.equal(statement.Effect, 'Allow');
        assert.ok(actions(statement).every((a) => !a.includes('*')), `wildcard action in ${JSON.stringify(statement)}`);
        assert.ok(!JSON.stringify(statement.Resource).includes('"*"'), `wildcard resource in ${JSON.stringify(statement)}`);
      }
    };

    it('lets only CloudWatch Logs of this account and region assume the logs role, which may only put to the stream', () => {
      const trust = resources.AuditArchiveLogsRole!.Properties.AssumeRolePolicyDocument.Statement;
      assert.deepEqual(trust, [
        {
          Effect: 'Allow',
          Principal: { Service: { 'Fn::Sub': 'logs.${AWS::Region}.amazonaws.com' } },
          Action: 'sts:AssumeRole',
          Condition: { StringLike: { 'aws:SourceArn': { 'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*' } } },
        },
      ]);
      assertNoWildcards('AuditArchiveLogsRole');
      assert.deepEqual(statementsOf('AuditArchiveLogsRole').map((s) => [actions(s).sort(), s.Resource]), [[['firehose:PutRecord', 'firehose:PutRecordBatch'], [getAttArn(streamId())]]]);
    });

    it('lets only Firehose (for this account) assume the delivery role, which may only write to the bucket', () => {
      const trust = resources.AuditArchiveFirehoseRole!.Properties.AssumeRolePolicyDocument.Statement;
      assert.deepEqual(trust, [
        { Effect: 'Allow', Principal: { Service: 'firehose.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'AWS::AccountId' } } } },
      ]);
      assertNoWildcards('AuditArchiveFirehoseRole');
      assert.deepEqual(statementsOf('AuditArchiveFirehoseRole').map((s) => [actions(s).sort(), s.Resource]), [
        [['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'], [getAttArn(bucketId())]],
        [['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'], [bucketObjects(bucketId())]],
      ]);
    });
  });

  describe('custom domain, mail configuration set and temp folders (README "Deploy")', () => {
    const environmentOf = (fn: Resource) => fn.Properties.Environment.Variables as Record<string, string>;

    it('maps DOMAIN_NAME to the HTTP API\'s $default stage with its ACM certificate, and serves https://DOMAIN_NAME as the issuer', () => {
      const domain = resources.CustomDomainName!;
      assert.equal(domain.Type, 'AWS::ApiGatewayV2::DomainName');
      assert.equal(domain.Properties.DomainName, DOMAIN_NAME);
      assert.deepEqual(domain.Properties.DomainNameConfigurations, [{ CertificateArn: CERTIFICATE_ARN, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' }]);
      const mapping = resources.CustomDomainApiMapping!;
      assert.equal(mapping.Type, 'AWS::ApiGatewayV2::ApiMapping');
      assert.deepEqual(mapping.Properties, { DomainName: { Ref: 'CustomDomainName' }, ApiId: { Ref: 'HttpApi' }, Stage: { Ref: 'HttpApiStage' } });
      assert.equal(resources.HttpApi?.Type, 'AWS::ApiGatewayV2::Api');
      assert.equal(resources.HttpApiStage?.Type, 'AWS::ApiGatewayV2::Stage');
      for (const [name, fn] of functions) assert.equal(environmentOf(fn).ISSUER, `https://${DOMAIN_NAME}`, name);
      const outputs = JSON.parse(readFileSync(join(outDir, 'cloudformation-template-update-stack.json'), 'utf8')).Outputs;
      assert.deepEqual(outputs.CustomDomainTarget.Value, { 'Fn::GetAtt': ['CustomDomainName', 'RegionalDomainName'] });
    });

    it('sends every mail with a configuration set that suppresses bounces and complaints', () => {
      const set = resources.MailConfigurationSet!;
      assert.equal(set.Type, 'AWS::SESV2::ConfigurationSet');
      assert.equal(set.Properties.Name, 'identity-ci');
      assert.deepEqual([...set.Properties.SuppressionOptions.SuppressedReasons].sort(), ['BOUNCE', 'COMPLAINT']);
      for (const [name, fn] of functions) assert.equal(environmentOf(fn).MAIL_CONFIGURATION_SET, 'identity-ci', name);
    });

    it('leaves none of its zip folders in the system temp folder', () => {
      assert.ok(packagePid !== undefined);
      const left = readdirSync(tmpdir()).filter((name) => new RegExp(`-${packagePid}-\\d+-[0-9a-f]{8}$`).test(name));
      assert.deepEqual(left, []);
    });
  });
});

/** `osls print` of stage ci with `env` on top of this process's environment, less the settings `env` does not name. */
const print = (env: Record<string, string>) => {
  const clean: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const name of ['DOMAIN_NAME', 'CERTIFICATE_ARN', 'AUDIT_RETENTION_DAYS', 'LOG_RETENTION_DAYS'] as const) if (!(name in env)) delete clean[name];
  return spawnSync(process.execPath, [OSLS_BIN, 'print', '--stage', 'ci', '--format', 'json'], { encoding: 'utf8', env: clean, timeout: 120_000 });
};

describe('custom domain settings (no packaging: osls print)', () => {
  it('creates no domain without DOMAIN_NAME', () => {
    const run = print({ ISSUER });
    assert.equal(run.status, 0, run.stderr);
    const resources = JSON.parse(run.stdout).resources.Resources as Record<string, Resource>;
    assert.deepEqual(Object.values(resources).filter((r) => r.Type.startsWith('AWS::ApiGatewayV2::Domain') || r.Type === 'AWS::ApiGatewayV2::ApiMapping'), []);
  });

  it('refuses DOMAIN_NAME without CERTIFICATE_ARN', () => {
    const run = print({ ISSUER, DOMAIN_NAME });
    assert.notEqual(run.status, 0);
    assert.match(`${run.stdout}${run.stderr}`, /DOMAIN_NAME and CERTIFICATE_ARN go together/);
  });
});

describe('audit archive and log retention settings (no packaging: osls print)', () => {
  it('takes AUDIT_RETENTION_DAYS for the archive\'s expiry and LOG_RETENTION_DAYS for the log groups', () => {
    const run = print({ ISSUER, AUDIT_RETENTION_DAYS: '731', LOG_RETENTION_DAYS: '90' });
    assert.equal(run.status, 0, run.stderr);
    const service = JSON.parse(run.stdout);
    assert.equal(service.provider.logRetentionInDays, 90);
    const rules = (service.resources.Resources as Record<string, Resource>).AuditArchiveBucket!.Properties.LifecycleConfiguration.Rules;
    assert.equal(rules[0].ExpirationInDays, 731);
  });

  for (const [name, value, message] of [
    ['AUDIT_RETENTION_DAYS', '1 year', /AUDIT_RETENTION_DAYS must be a whole number of days, got "1 year"/],
    ['AUDIT_RETENTION_DAYS', '90', /AUDIT_RETENTION_DAYS must be more than 90/],
    ['LOG_RETENTION_DAYS', '45', /LOG_RETENTION_DAYS must be one of CloudWatch Logs' retentions \(1, 3, .*\), got 45/],
  ] as const) {
    it(`refuses ${name}=${value}`, () => {
      const run = print({ ISSUER, [name]: value });
      assert.notEqual(run.status, 0);
      assert.match(`${run.stdout}${run.stderr}`, message);
    });
  }
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

  it('keeps role names within IAM\'s 64 characters for a long stage, each unique and named in the key policy', () => {
    const stage = 'feature-passkeys-and-recovery-codes';
    const run = spawnSync('npx', ['osls', 'print', '--stage', stage, '--format', 'json'], { encoding: 'utf8', env: { ...process.env, ISSUER }, timeout: 120_000 });
    assert.equal(run.status, 0, `osls print failed:\n${run.stderr}`);
    const service = JSON.parse(run.stdout);
    const resources = service.resources.Resources as Record<string, Resource>;
    // The functions' roles have fixed names (the key policy names them); CloudFormation names the audit archive's.
    const roleNames = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Role' && r.Properties.RoleName !== undefined).map((r) => r.Properties.RoleName as string);
    assert.equal(roleNames.length, Object.keys(access).length);
    assert.equal(new Set(roleNames).size, roleNames.length, 'unique');
    for (const name of roleNames) assert.ok(name.length <= 64 && /^[\w+=,.@-]+$/.test(name), name);
    const keyPolicy = JSON.stringify(resources.WrappingKey!.Properties.KeyPolicy);
    const kmsUsers = Object.entries(service.functions as Record<string, { role: string }>).filter(([key]) => access[key]?.kms).map(([, fn]) => resources[fn.role]!.Properties.RoleName as string);
    for (const name of kmsUsers) assert.ok(keyPolicy.includes(JSON.stringify(roleArn(name)['Fn::Sub'])), `${name} in the key policy`);
  });
});

describe('osls package refuses a stage without an https issuer (not the first request after deploy)', () => {
  for (const [label, issuer] of [['unset', undefined], ['http://', 'http://id.example.com']] as const) {
    it(`fails with a clear message when ISSUER is ${label}`, () => {
      const outDir = mkdtempSync(join(tmpdir(), 'identity-package-'));
      const env: NodeJS.ProcessEnv = { ...process.env, ESBUILD_WORK_FOLDER: `.esbuild-package-issuer-${process.pid}` };
      delete env.ISSUER;
      if (issuer !== undefined) env.ISSUER = issuer;
      try {
        const run = spawnSync('npx', ['osls', 'package', '--stage', 'prod', '--package', outDir], { encoding: 'utf8', env, timeout: 240_000 });
        assert.notEqual(run.status, 0, 'osls package succeeded');
        assert.match(`${run.stdout}\n${run.stderr}`, /ISSUER must be the https URL the stage is served at/);
        assert.deepEqual(readdirSync(outDir).filter((f) => f.endsWith('.zip')), [], 'nothing was built');
      } finally {
        rmSync(outDir, { recursive: true, force: true });
        rmSync(env.ESBUILD_WORK_FOLDER!, { recursive: true, force: true });
      }
    });
  }
});
