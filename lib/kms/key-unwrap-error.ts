import { IdentityServerError } from '../errors.js';

/**
 * The wrapped key was refused by the wrapping service: it was wrapped under another context
 * ({app, ring, keyId}), under another wrapping key, or altered. Retrying cannot help, unlike
 * `KeyWrapperUnavailableError`; callers treat the key as unusable (payloads under it fail as
 * if the key were unknown), never as an outage.
 *
 * Lives apart from the KMS implementation so pure code can catch it without importing the SDK.
 */
export class KeyUnwrapError extends IdentityServerError {
  readonly code = 'key_unwrap_refused';

  constructor(cause: unknown) {
    super('wrapped key does not belong to this context or wrapping key', { cause });
  }
}
