/**
 * What consent reports: a metric per answer on the consent page, and an audit event when a user
 * grants one (taking it back is the account page's `app-access.removed`, which also ends the
 * client's grants). Metric names and dimensions: lib/observability/metrics.ts.
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
