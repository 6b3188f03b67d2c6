/**
 * Audit events: one JSON line per security-relevant change, apart from the application log by a
 * key of its own (`"audit": true`, on a logger whose level is fixed at INFO, so turning the
 * application log down never silences it). In AWS they land in the function's log group, from
 * which a subscription filter on `audit` copies them to the audit archive (infra/audit-archive.yml, kept AUDIT_RETENTION_DAYS)
 * (README "Operations: what to watch" says why not a log group of their own). The operator CLIs
 * print the same events to stdout for their actions.
 *
 * Who (`actor`), to what (`subject`), from where (`source`: an IPv4 address as is, an IPv6
 * address cut to its /64, as counted for rate limits) and when (`time`). Ids only: no email
 * address in full, no secret.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { currentScope } from './invocation-scope.js';
import { SERVICE_NAME } from './service.js';

export type AuditEventType =
  | 'account.created'
  | 'account.password-changed'
  | 'account.email-changed'
  | 'account.profile-updated'
  | 'account.deleted'
  | 'session.ended'
  | 'client.added'
  | 'client.removed'
  | 'client.secret-rotated'
  | 'client.initial-access-token-issued'
  | 'client.registered'
  | 'client.updated'
  | 'client.deleted'
  | 'key.rotated'
  | 'key.revoked'
  | 'mfa.totp-enabled'
  | 'mfa.totp-disabled'
  | 'mfa.recovery-codes-replaced'
  | 'mfa.recovery-code-used'
  | 'mfa.reset'
  | 'passkey.added'
  | 'passkey.renamed'
  | 'passkey.removed'
  /** A valid assertion whose signature counter did not move forward: possibly a cloned authenticator; the sign-in was refused. */
  | 'passkey.counter-regressed'
  | 'consent.granted'
  | 'sessions.ended'
  | 'app-access.removed'
  | 'user.disabled'
  | 'user.enabled'
  | 'user.unlocked'
  | 'user.deleted';

export interface AuditParty {
  type: 'user' | 'operator' | 'client' | 'session' | 'key' | 'system';
  id: string;
}

export interface AuditEvent {
  event: AuditEventType;
  actor: AuditParty;
  subject: AuditParty;
  /** Outside a request (CLIs, schedules) the caller says where the action came from, if anywhere. */
  source?: string;
  /** A few more ids or flags; never a secret or a full email address. */
  detail?: Readonly<Record<string, string | number | boolean>>;
}

const auditLogger = new Logger({ serviceName: SERVICE_NAME, logLevel: 'INFO', persistentKeys: { audit: true } });

export function audit(event: AuditEvent, now: Date = new Date()): void {
  const source = event.source ?? currentScope()?.source();
  auditLogger.info(event.event, { ...event, ...(source !== undefined ? { source } : {}), time: now.toISOString() });
}
