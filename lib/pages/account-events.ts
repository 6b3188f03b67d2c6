/**
 * What the account pages and the password reset report: one audit event per change a user made
 * to their own account (ids only, the address masked), and the AccountChange metric.
 */
import type { User } from '../auth/user-store.js';
import { audit } from '../observability/audit.js';
import { maskEmail } from '../observability/mask-email.js';
import { countMetric, type MetricDimensions } from '../observability/metrics.js';

export function countAccountChange(change: MetricDimensions['AccountChange']['change']): void {
  countMetric('AccountChange', { change });
}

function bySelf(user: Pick<User, 'id'>) {
  return { actor: { type: 'user' as const, id: user.id }, subject: { type: 'user' as const, id: user.id } };
}

export function auditPasswordChanged(user: Pick<User, 'id'>, how: 'reset' | 'change'): void {
  audit({ event: 'account.password-changed', ...bySelf(user), detail: { how, otherSessionsEnded: true } });
}

export function auditEmailChanged(user: Pick<User, 'id'>, from: string, to: string): void {
  audit({ event: 'account.email-changed', ...bySelf(user), detail: { from: maskEmail(from), to: maskEmail(to) } });
}

export function auditProfileUpdated(user: Pick<User, 'id'>): void {
  audit({ event: 'account.profile-updated', ...bySelf(user), detail: { fields: 'name' } });
}

export function auditAccountDeleted(user: Pick<User, 'id' | 'email'>, outcome: { revokedGrants: number; revokedConsents: number }): void {
  audit({ event: 'account.deleted', ...bySelf(user), detail: { email: maskEmail(user.email), ...outcome } });
}
