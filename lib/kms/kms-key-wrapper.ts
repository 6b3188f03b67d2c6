import {
  DecryptCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  KMSInvalidStateException,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { DependencyUnavailableError } from '../errors.js';
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

/**
 * Outages become `KeyWrapperUnavailableError` (HTTP 503) with the SDK's error as cause; anything
 * else (e.g. a wrong key id) passes through unchanged. The client (lib/runtime) already reports
 * throttling, server faults, timeouts and unreachable endpoints as `DependencyUnavailableError`;
 * a key that is disabled or pending import is KMS's own "try later", a client error to the SDK.
 */
async function callKms<Output>(call: () => Promise<Output>): Promise<Output> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof DependencyUnavailableError) throw new KeyWrapperUnavailableError(error.cause);
    if (error instanceof KMSInvalidStateException) throw new KeyWrapperUnavailableError(error);
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
