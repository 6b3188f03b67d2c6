/**
 * What the passkey endpoints report: audit events for every change to a user's passkeys and for
 * a counter that went backwards, and the SignIn metric with method `passkey`. Credential ids
 * are public (the browser shows them to any site that asks for them), so they may be logged.
 */
import type { Passkey } from '../auth/passkey-store.js';
import { audit } from '../observability/audit.js';
import { logger } from '../observability/logger.js';
import { countMetric } from '../observability/metrics.js';

type PasskeyChange = 'passkey.added' | 'passkey.renamed' | 'passkey.removed';

export function auditPasskeyChange(event: PasskeyChange, passkey: Pick<Passkey, 'id' | 'userId' | 'aaguid'>): void {
  audit({ event, actor: { type: 'user', id: passkey.userId }, subject: { type: 'user', id: passkey.userId }, detail: { credential: passkey.id, aaguid: passkey.aaguid } });
}

/** Refused and logged (WebAuthn Level 3, 6.1.1): the stored and reported counters go to the audit line. */
export function auditCounterRegression(passkey: Pick<Passkey, 'id' | 'userId' | 'counter'>, reportedCounter: number): void {
  logger.warn('passkey counter went backwards', { credential: passkey.id, storedCounter: passkey.counter, reportedCounter });
  audit({
    event: 'passkey.counter-regressed',
    actor: { type: 'user', id: passkey.userId },
    subject: { type: 'user', id: passkey.userId },
    detail: { credential: passkey.id, storedCounter: passkey.counter, reportedCounter },
  });
}

export function countPasskeySignIn(ok: boolean): void {
  countMetric('SignIn', { method: 'passkey', outcome: ok ? 'success' : 'invalid' });
}
