/**
 * What consent reports: a metric per answer on the consent page, and an audit event whenever a
 * user's consent changes (granted on the consent page; revoked on the account page or with the
 * account). Metric names and dimensions: lib/observability/metrics.ts.
 */
import { audit } from '../observability/audit.js';
import { countMetric } from '../observability/metrics.js';

export function reportConsentGranted(userId: string, clientId: string, scopes: readonly string[]): void {
  countMetric('ConsentGranted', { client: clientId });
  audit({ event: 'consent.granted', actor: { type: 'user', id: userId }, subject: { type: 'client', id: clientId }, detail: { user: userId, scopes: scopes.join(' ') } });
}

export function countConsentDenied(clientId: string): void {
  countMetric('ConsentDenied', { client: clientId });
}

/** For the callers of ConsentStore.revoke / revokeAllFor; `by` is who revoked (the user, or an operator deleting the account). */
export function auditConsentRevoked(userId: string, clientId: string, by: { type: 'user' | 'operator'; id: string } = { type: 'user', id: userId }): void {
  audit({ event: 'consent.revoked', actor: by, subject: { type: 'client', id: clientId }, detail: { user: userId } });
}
