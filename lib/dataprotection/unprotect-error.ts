import { IdentityServerError } from '../errors.js';

/**
 * Why a payload failed to unprotect. Stable codes for logs and tests; the message never says
 * which byte failed, and HTTP layers map every code to the same client-facing answer.
 */
export type UnprotectErrorCode = 'malformed' | 'unknown_key' | 'revoked_key' | 'bad_tag' | 'expired';

export class UnprotectError extends IdentityServerError {
  constructor(readonly code: UnprotectErrorCode) {
    super(`payload could not be unprotected (${code})`);
  }
}
