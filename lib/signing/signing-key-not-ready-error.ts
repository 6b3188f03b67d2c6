/**
 * Every signing key that relying parties have had time to fetch is revoked, and the replacement
 * is still propagating: signing now would issue tokens that fail verification wherever JWKS is
 * cached. A dependency outage from the caller's side, so the HTTP wrappers answer 503 with
 * `Retry-After` (the moment the replacement may sign).
 */
import { DependencyUnavailableError } from '../errors.js';

export class SigningKeyNotReadyError extends DependencyUnavailableError {
  constructor(retryAfterSeconds: number) {
    super('published signing key', { retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)) });
  }
}
