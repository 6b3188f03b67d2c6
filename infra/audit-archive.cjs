/**
 * The audit archive's per-function part and its two retention settings (infra/audit-archive.yml
 * has the bucket, the Firehose stream and their roles):
 *
 *   ${file(infra/audit-archive.cjs):resources}           one subscription filter per function log group
 *   ${file(infra/audit-archive.cjs):auditRetentionDays}  AUDIT_RETENTION_DAYS, days the archive keeps a line
 *   ${file(infra/audit-archive.cjs):logRetentionInDays}  LOG_RETENTION_DAYS, days the log groups keep every line
 *
 * A filter names its log group by Ref, so CloudFormation creates it after the group the framework
 * makes for the function (`<NormalizedFunctionName>LogGroup`). A bad setting stops the package,
 * not the first deploy.
 */
'use strict';

/** Audit lines only (lib/observability/audit.ts writes `"audit": true` on each). */
const AUDIT_FILTER_PATTERN = '{ $.audit IS TRUE }';
/** The archive moves objects to Glacier Instant Retrieval on this day (audit-archive.yml); S3 wants expiry after it. */
const TRANSITION_DAY = 90;
const DEFAULT_AUDIT_RETENTION_DAYS = 400;
const DEFAULT_LOG_RETENTION_DAYS = 30;
/** The retentions CloudWatch Logs accepts (PutRetentionPolicy), as the framework's schema lists them. */
const LOG_RETENTION_CHOICES = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 2192, 2557, 2922, 3288, 3653];

/** The framework's logical id prefix for a function (its naming.getNormalizedFunctionName). */
const normalizedFunctionName = (key) => {
  const name = key.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return `${name[0].toUpperCase()}${name.slice(1)}`;
};

function daysFromEnvironment(name, fallback) {
  const raw = process.env[name] ?? '';
  if (raw === '') return fallback;
  if (!/^[1-9]\d*$/.test(raw)) throw new Error(`${name} must be a whole number of days, got "${raw}"`);
  return Number(raw);
}

function auditRetentionDays() {
  const days = daysFromEnvironment('AUDIT_RETENTION_DAYS', DEFAULT_AUDIT_RETENTION_DAYS);
  if (days <= TRANSITION_DAY) {
    throw new Error(`AUDIT_RETENTION_DAYS must be more than ${TRANSITION_DAY} (the archive moves to Glacier Instant Retrieval then), got ${days}`);
  }
  return days;
}

function logRetentionInDays() {
  const days = daysFromEnvironment('LOG_RETENTION_DAYS', DEFAULT_LOG_RETENTION_DAYS);
  if (!LOG_RETENTION_CHOICES.includes(days)) {
    throw new Error(`LOG_RETENTION_DAYS must be one of CloudWatch Logs' retentions (${LOG_RETENTION_CHOICES.join(', ')}), got ${days}`);
  }
  return days;
}

async function resources({ resolveVariable }) {
  const functions = await resolveVariable('self:functions');
  const filters = {};
  for (const key of Object.keys(functions)) {
    const id = normalizedFunctionName(key);
    filters[`${id}AuditSubscriptionFilter`] = {
      Type: 'AWS::Logs::SubscriptionFilter',
      Properties: {
        LogGroupName: { Ref: `${id}LogGroup` },
        FilterPattern: AUDIT_FILTER_PATTERN,
        DestinationArn: { 'Fn::GetAtt': ['AuditArchiveStream', 'Arn'] },
        RoleArn: { 'Fn::GetAtt': ['AuditArchiveLogsRole', 'Arn'] },
      },
    };
  }
  return { Resources: filters };
}

module.exports = { resources, auditRetentionDays, logRetentionInDays };
