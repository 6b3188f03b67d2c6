/**
 * What the second-factor pages report: the outcome of each typed code (a metric) and the
 * security-relevant changes (audit events). Ids only: no code, secret or full address.
 */
import type { SecondFactorCheck } from '../auth/second-factors.js';
import { audit, type AuditEventType, type AuditParty } from '../observability/audit.js';
import { countMetric } from '../observability/metrics.js';

export function countSecondFactor(check: SecondFactorCheck): void {
  countMetric('SecondFactor', { outcome: check.ok ? check.kind : check.reason });
}

/** A change to a user's second factors, by the user themselves (or an operator, from the CLI). */
export function auditSecondFactorChange(event: Extract<AuditEventType, `mfa.${string}`>, userId: string, actor: AuditParty = { type: 'user', id: userId }): void {
  audit({ event, actor, subject: { type: 'user', id: userId } });
}
