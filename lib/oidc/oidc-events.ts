/**
 * What the OpenID endpoints report, from the results they already branch on. Metric names and
 * dimensions: lib/observability/metrics.ts.
 */
import { audit } from '../observability/audit.js';
import { countMetric } from '../observability/metrics.js';
import type { GrantType } from './client-metadata.js';
import type { Session } from '../session/sessions.js';

/**
 * A session ended before its time: by its user (the sign-out form, or a logout request that
 * carried their cookie) or by a relying party's `id_token_hint` for a session elsewhere.
 */
export function auditSessionEnded(session: Pick<Session, 'subject' | 'sessionId'>, by: 'user' | 'relying-party', clientId?: string): void {
  audit({
    event: 'session.ended',
    actor: by === 'user' ? { type: 'user', id: session.subject } : { type: 'client', id: clientId ?? 'unknown' },
    subject: { type: 'session', id: session.sessionId },
    detail: { user: session.subject },
  });
}

export function countTokenIssued(grant: GrantType): void {
  countMetric('TokenIssued', { grant });
}

export function countRefreshReuse(): void {
  countMetric('RefreshReuseDetected', {});
}
