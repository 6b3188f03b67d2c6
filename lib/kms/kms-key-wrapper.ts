import {
  DecryptCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { KeyUnwrapError } from './key-unwrap-error.js';
import { KeyWrapperUnavailableError, type GeneratedKey, type KeyWrapper, type WrapContext } from './key-wrapper.js';

export interface KmsKeyWrapperOptions {
  client: KMSClient;
  /** KMS key ARN, key id or alias used to wrap; also required on Decrypt (AWS best practice). */
  keyId: string;
}

const MASTER_KEY_BYTES = 32;

/** KMS refused this ciphertext for this request: the wrapped key does not belong here. */
const MISMATCH_ERRORS = new Set(['InvalidCiphertextException', 'IncorrectKeyException', 'AccessDeniedException']);

/** KMS or the path to it is failing; the same request may succeed later. */
const UNAVAILABLE_ERRORS = new Set([
  'KMSInternalException',
  'DependencyTimeoutException',
  'KMSInvalidStateException',
  'ThrottlingException',
  'TimeoutError',
  'RequestTimeout',
]);
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * Production `KeyWrapper` over AWS KMS. The encryption context is exactly `{ app, ring, keyId }`,
 * so a wrapped key copied to another record, ring or application fails to unwrap.
 * Nothing here logs: inputs and outputs are key material.
 */
export class KmsKeyWrapper implements KeyWrapper {
  private readonly client: KMSClient;
  private readonly keyId: string;

  constructor(options: KmsKeyWrapperOptions) {
    this.client = options.client;
    this.keyId = options.keyId;
  }

  async generate(context: WrapContext): Promise<GeneratedKey> {
    const output = await callKms(() =>
      this.client.send(
        new GenerateDataKeyCommand({ KeyId: this.keyId, KeySpec: 'AES_256', EncryptionContext: encryptionContext(context) }),
      ),
    );
    if (output.Plaintext?.length !== MASTER_KEY_BYTES || !output.CiphertextBlob || !output.KeyId) {
      throw new Error('KMS GenerateDataKey returned an incomplete response');
    }
    return { plaintext: output.Plaintext, wrapped: output.CiphertextBlob, wrappedBy: output.KeyId };
  }

  async wrap(plaintext: Uint8Array, context: WrapContext): Promise<Omit<GeneratedKey, 'plaintext'>> {
    const output = await callKms(() =>
      this.client.send(
        new EncryptCommand({ KeyId: this.keyId, Plaintext: plaintext, EncryptionContext: encryptionContext(context) }),
      ),
    );
    if (!output.CiphertextBlob || !output.KeyId) throw new Error('KMS Encrypt returned an incomplete response');
    return { wrapped: output.CiphertextBlob, wrappedBy: output.KeyId };
  }

  async unwrap(wrapped: Uint8Array, context: WrapContext): Promise<Uint8Array> {
    try {
      const output = await callKms(() =>
        this.client.send(
          new DecryptCommand({ KeyId: this.keyId, CiphertextBlob: wrapped, EncryptionContext: encryptionContext(context) }),
        ),
      );
      if (!output.Plaintext) throw new Error('KMS Decrypt returned an incomplete response');
      return output.Plaintext;
    } catch (error) {
      if (MISMATCH_ERRORS.has(errorName(error))) throw new KeyUnwrapError(error);
      throw error;
    }
  }
}

/** Outages become `KeyWrapperUnavailableError` (HTTP 503); anything else (e.g. a wrong key id) passes through unchanged. */
async function callKms<Output>(call: () => Promise<Output>): Promise<Output> {
  try {
    return await call();
  } catch (error) {
    if (isUnavailable(error)) throw new KeyWrapperUnavailableError(error);
    throw error;
  }
}

/** Built field by field so extra properties on the caller's object never reach the context. */
function encryptionContext(context: WrapContext): Record<string, string> {
  return { app: context.app, ring: context.ring, keyId: context.keyId };
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (UNAVAILABLE_ERRORS.has(error.name)) return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  return hasNetworkErrorCode(error);
}

/** Node may report a refused connection as an AggregateError (one per address tried) or via `cause`. */
function hasNetworkErrorCode(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 3) return false;
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && NETWORK_ERROR_CODES.has(code)) return true;
  if (error instanceof AggregateError && error.errors.some((inner) => hasNetworkErrorCode(inner, depth + 1))) return true;
  return hasNetworkErrorCode(error.cause, depth + 1);
}
