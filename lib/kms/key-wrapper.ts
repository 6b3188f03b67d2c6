/**
 * Wraps key material with a key-encryption service (AWS KMS in production and, through the same
 * SDK client, the local KMS endpoint). The context is bound cryptographically: material wrapped
 * for one {app, ring, keyId} must not unwrap under another.
 */
import { DependencyUnavailableError } from '../errors.js';

export interface WrapContext {
  app: string;
  ring: string;
  keyId: string;
}

export interface GeneratedKey {
  plaintext: Uint8Array;
  wrapped: Uint8Array;
  /** ARN of the wrapping key, stored beside the wrapped key. */
  wrappedBy: string;
}

export interface KeyWrapper {
  /** New random 256-bit key (KMS GenerateDataKey). */
  generate(context: WrapContext): Promise<GeneratedKey>;
  /** Wrap given material (KMS Encrypt), e.g. a signing private key. */
  wrap(plaintext: Uint8Array, context: WrapContext): Promise<Omit<GeneratedKey, 'plaintext'>>;
  unwrap(wrapped: Uint8Array, context: WrapContext): Promise<Uint8Array>;
}

/** The wrapping service is unreachable or failing: a dependency outage (HTTP 503), not a client error. */
export class KeyWrapperUnavailableError extends DependencyUnavailableError {
  constructor(cause: unknown) {
    super('key wrapping service', { cause });
  }
}
