/**
 * What the page endpoints report, from the results they already branch on: one call at each
 * place an outcome is known, so the endpoints stay about pages. Metric names and dimensions:
 * lib/observability/metrics.ts.
 */
import type { User } from '../auth/user-store.js';
import { audit } from '../observability/audit.js';
import { maskEmail } from '../observability/mask-email.js';
import { countMetric } from '../observability/metrics.js';

type SignInResult = { ok: true } | { ok: false; reason: 'invalid' | 'expired' | 'throttled' };

/** A password or code sign-in's result; `throttled` is a lockout. */
export function countSignIn(method: 'password' | 'code', result: SignInResult): void {
  countMetric('SignIn', { method, outcome: result.ok ? 'success' : result.reason });
}

/** A start or resend that mailed a code (a restart inside the resend gate mails nothing). */
export function countCodeSent(kind: 'registration' | 'sign-in' | 'password-reset' | 'email-change', result: { ok: boolean; resendAfterS?: number }): void {
  if (result.ok && result.resendAfterS === undefined) countMetric('CodeSent', { kind });
}

export function auditAccountCreated(user: Pick<User, 'id' | 'email'>): void {
  audit({ event: 'account.created', actor: { type: 'user', id: user.id }, subject: { type: 'user', id: user.id }, detail: { email: maskEmail(user.email) } });
}
