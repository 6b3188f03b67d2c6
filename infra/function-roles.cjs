/**
 * Least privilege per function, built from infra/function-access.yml (what each bundle calls):
 *
 *   ${file(infra/function-roles.cjs):resources}        one IAM role per function (`<Key>LambdaRole`)
 *   ${file(infra/function-roles.cjs):keyUsers.<Action>} who the KMS key policy lets call kms:<Action>
 *
 * The key policy names the roles by ARNs built from their fixed names, never by Ref/GetAtt: the
 * roles already refer to the key (their KMS statements), and a reference back would be a
 * dependency cycle CloudFormation refuses at deploy time.
 *
 * A variable resolver rather than a plugin, so that `osls print` shows the roles too.
 */
'use strict';

const { createHash } = require('node:crypto');

/** IAM's limit on role names. */
const MAX_ROLE_NAME = 64;
const TABLE_IDS = { keys: 'KeysTable', cache: 'CacheTable', directory: 'DirectoryTable' };
/**
 * The DynamoDB resources function-access.yml names: the three tables, and the cache table's
 * owner index (a user's sessions and grants; lib/store/ttl-cache.ts OWNER_INDEX), which IAM
 * treats as a resource of its own.
 */
const DYNAMODB_RESOURCES = {
  ...Object.fromEntries(Object.entries(TABLE_IDS).map(([table, id]) => [table, { sid: id, arn: { 'Fn::GetAtt': [id, 'Arn'] } }])),
  cacheOwnerIndex: { sid: 'CacheTableOwnerIndex', arn: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['CacheTable', 'Arn'] }, '/index/by-owner']] } },
};
/** The operator CLIs' KMS calls: `npm run keys rotate` creates keys (wraps), never unwraps. */
const OPERATOR_KMS_ACTIONS = ['GenerateDataKey', 'Encrypt'];

async function settingsOf(resolveVariable) {
  const [service, stage, region, mailIdentity, mailConfigurationSet, operatorArn, access, tracing] = await Promise.all([
    resolveVariable('self:service'),
    resolveVariable('sls:stage'),
    resolveVariable('self:provider.region'),
    resolveVariable('self:custom.mailIdentity'),
    resolveVariable('self:custom.mailConfigurationSet'),
    resolveVariable('self:custom.kmsOperatorArn'),
    resolveVariable('file(infra/function-access.yml)'),
    resolveVariable('self:custom.tracing'),
  ]);
  return { service, stage, region, mailIdentity, mailConfigurationSet, operatorArn, access, tracing };
}

/**
 * `<service>-<stage>-<region>-<function>`: IAM names are global to the account, so the region is
 * part of it. A name over IAM's limit (a long stage) keeps the function and a hash of the whole
 * name, so it stays unique.
 */
function roleName({ service, stage, region }, key) {
  const full = `${service}-${stage}-${region}-${key}`;
  if (full.length <= MAX_ROLE_NAME) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${full.slice(0, MAX_ROLE_NAME - key.length - hash.length - 2)}-${hash}-${key}`;
}

const roleLogicalId = (key) => `${key[0].toUpperCase()}${key.slice(1)}LambdaRole`;
const roleArn = (name) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${name}` });

function statementsFor(settings, key, access) {
  // The framework names each function `<service>-<stage>-<key>` and creates its log group.
  const logGroup = `/aws/lambda/${settings.service}-${settings.stage}-${key}`;
  const statements = [
    {
      Sid: 'OwnLogGroup',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:${logGroup}:*` }],
    },
  ];
  for (const [table, actions] of Object.entries(access.dynamodb ?? {})) {
    statements.push({
      Sid: DYNAMODB_RESOURCES[table].sid,
      Effect: 'Allow',
      Action: actions.map((action) => `dynamodb:${action}`),
      Resource: [DYNAMODB_RESOURCES[table].arn],
    });
  }
  if (access.kms) {
    statements.push({
      Sid: 'WrapKeysForThisApplicationOnly',
      Effect: 'Allow',
      Action: access.kms.map((action) => `kms:${action}`),
      Resource: [{ 'Fn::GetAtt': ['WrappingKey', 'Arn'] }],
      Condition: { StringEquals: { 'kms:EncryptionContext:app': settings.service } },
    });
  }
  if (settings.tracing === 'on') {
    // X-Ray's write actions take no resource ARN.
    statements.push({ Sid: 'Tracing', Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' });
  }
  if (access.ses) {
    statements.push({
      Sid: 'SendMail',
      Effect: 'Allow',
      Action: access.ses.map((action) => `ses:${action}`),
      // SES authorises a send on the identity and on the configuration set it names (infra/ses.yml).
      Resource: [
        { 'Fn::Sub': `arn:\${AWS::Partition}:ses:\${AWS::Region}:\${AWS::AccountId}:identity/${settings.mailIdentity}` },
        { 'Fn::Sub': `arn:\${AWS::Partition}:ses:\${AWS::Region}:\${AWS::AccountId}:configuration-set/${settings.mailConfigurationSet}` },
      ],
    });
  }
  return statements;
}

async function resources({ resolveVariable }) {
  const settings = await settingsOf(resolveVariable);
  const roles = {};
  for (const [key, access] of Object.entries(settings.access)) {
    roles[roleLogicalId(key)] = {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: roleName(settings, key),
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] }, Action: ['sts:AssumeRole'] }],
        },
        Policies: [{ PolicyName: key, PolicyDocument: { Version: '2012-10-17', Statement: statementsFor(settings, key, access) } }],
      },
    };
  }
  return { Resources: roles };
}

/** Per KMS action, the principals (role ARNs, and the operator's when KMS_OPERATOR_ARN is set) that may call it. */
async function keyUsers({ resolveVariable }) {
  const settings = await settingsOf(resolveVariable);
  const users = {};
  const allow = (action, principal) => (users[action] = [...(users[action] ?? []), principal]);
  for (const [key, access] of Object.entries(settings.access)) {
    for (const action of access.kms ?? []) allow(action, roleArn(roleName(settings, key)));
  }
  if (settings.operatorArn) for (const action of OPERATOR_KMS_ACTIONS) allow(action, settings.operatorArn);
  return users;
}

module.exports = { resources, keyUsers };
