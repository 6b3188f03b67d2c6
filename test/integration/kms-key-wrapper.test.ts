/**
 * The production KeyWrapper through the real KMS SDK client over HTTP against the local KMS
 * endpoint: the same code path as in AWS, minus AWS.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, mock } from 'node:test';
import { DecryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import { KeyUnwrapError } from '../../lib/kms/key-unwrap-error.js';
import { KeyWrapperUnavailableError, type WrapContext } from '../../lib/kms/key-wrapper.js';
import { createKmsClient } from '../../lib/runtime/kms-client.js';
import { KmsKeyWrapper } from '../../lib/kms/kms-key-wrapper.js';
import { startLocalKms, type LocalKms } from '../../scripts/local-kms.js';
import { startHungServer } from '../support/hung-server.js';

const CONTEXT: WrapContext = { app: 'identity', ring: 'dataprotection', keyId: '6f1c2a9e-0000-4000-8000-000000000001' };

describe('KmsKeyWrapper against the local KMS endpoint', () => {
  let kms: LocalKms;
  let client: KMSClient;
  let wrapper: KmsKeyWrapper;

  before(async () => {
    kms = await startLocalKms({ port: 0, aliases: ['alias/identity-local', 'alias/elsewhere'] });
    client = createKmsClient({ region: 'us-east-1', endpoint: kms.url, maxAttempts: 1 });
    wrapper = new KmsKeyWrapper({ client, keyId: 'alias/identity-local' });
  });
  after(async () => {
    client.destroy();
    await kms.close();
  });

  it('generates a 256-bit key that unwraps to the same bytes', async () => {
    const generated = await wrapper.generate(CONTEXT);
    assert.equal(generated.plaintext.length, 32);
    assert.equal(generated.wrappedBy, kms.keyArn());
    assert.ok(!Buffer.from(generated.wrapped).includes(Buffer.from(generated.plaintext)), 'wrapped must not contain the plaintext');
    const unwrapped = await wrapper.unwrap(generated.wrapped, CONTEXT);
    assert.deepEqual(Buffer.from(unwrapped), Buffer.from(generated.plaintext));
  });

  it('wraps given material and unwraps it', async () => {
    const material = randomBytes(138); // about the size of a PKCS#8 P-256 private key
    const wrapped = await wrapper.wrap(material, { ...CONTEXT, ring: 'signing' });
    assert.equal(wrapped.wrappedBy, kms.keyArn());
    const unwrapped = await wrapper.unwrap(wrapped.wrapped, { ...CONTEXT, ring: 'signing' });
    assert.deepEqual(Buffer.from(unwrapped), material);
  });

  it('sends exactly { app, ring, keyId } as the encryption context', async () => {
    const withExtra = { ...CONTEXT, purpose: 'ignored' } as WrapContext;
    const generated = await wrapper.generate(withExtra);
    // A raw Decrypt with exactly the three fields succeeds, so nothing else went into the context.
    const raw = await client.send(new DecryptCommand({ CiphertextBlob: generated.wrapped, EncryptionContext: { app: CONTEXT.app, ring: CONTEXT.ring, keyId: CONTEXT.keyId } }));
    assert.deepEqual(Buffer.from(raw.Plaintext!), Buffer.from(generated.plaintext));
    await assert.rejects(client.send(new DecryptCommand({ CiphertextBlob: generated.wrapped })), { name: 'InvalidCiphertextException' });
  });

  it('refuses a wrapped key moved to another key id, ring or app with KeyUnwrapError', async () => {
    const { wrapped } = await wrapper.generate(CONTEXT);
    const moved: WrapContext[] = [
      { ...CONTEXT, keyId: '6f1c2a9e-0000-4000-8000-000000000002' },
      { ...CONTEXT, ring: 'signing' },
      { ...CONTEXT, app: 'other-app' },
    ];
    for (const context of moved) {
      await assert.rejects(wrapper.unwrap(wrapped, context), (error: unknown) => {
        assert.ok(error instanceof KeyUnwrapError, `${JSON.stringify(context)}: ${String(error)}`);
        assert.equal((error.cause as Error).name, 'InvalidCiphertextException');
        return true;
      });
    }
    // The original context still works: the failures above were the context, not the blob.
    assert.equal((await wrapper.unwrap(wrapped, CONTEXT)).length, 32);
  });

  it('refuses a tampered wrapped key with KeyUnwrapError', async () => {
    const { wrapped } = await wrapper.generate(CONTEXT);
    const tampered = Uint8Array.from(wrapped);
    tampered[tampered.length - 5] = tampered[tampered.length - 5]! ^ 0x80;
    await assert.rejects(wrapper.unwrap(tampered, CONTEXT), KeyUnwrapError);
    await assert.rejects(wrapper.unwrap(new Uint8Array(10), CONTEXT), KeyUnwrapError);
  });

  it('refuses a key wrapped under another KMS key with KeyUnwrapError', async () => {
    const elsewhere = new KmsKeyWrapper({ client, keyId: kms.keyArn('alias/elsewhere') });
    const { wrapped, wrappedBy } = await elsewhere.generate(CONTEXT);
    assert.equal(wrappedBy, kms.keyArn('alias/elsewhere'));
    await assert.rejects(wrapper.unwrap(wrapped, CONTEXT), (error: unknown) => {
      assert.ok(error instanceof KeyUnwrapError, String(error));
      assert.equal((error.cause as Error).name, 'IncorrectKeyException');
      return true;
    });
  });

  it('reports an unknown KMS key as a configuration error naming the key, not an outage', async () => {
    const misconfigured = new KmsKeyWrapper({ client, keyId: 'alias/does-not-exist' });
    for (const call of [() => misconfigured.generate(CONTEXT), () => misconfigured.wrap(new Uint8Array(8), CONTEXT)]) {
      await assert.rejects(call(), (error: unknown) => {
        assert.ok(!(error instanceof KeyWrapperUnavailableError) && !(error instanceof KeyUnwrapError), String(error));
        assert.equal((error as Error).name, 'NotFoundException');
        assert.match((error as Error).message, /alias\/does-not-exist/);
        return true;
      });
    }
  });

  it('makes one KMS call per operation', async () => {
    kms.resetCalls();
    const generated = await wrapper.generate(CONTEXT);
    await wrapper.unwrap(generated.wrapped, CONTEXT);
    await wrapper.wrap(new Uint8Array(16), CONTEXT);
    assert.deepEqual(kms.calls(), { GenerateDataKey: 1, Decrypt: 1, Encrypt: 1 });
  });

  it('turns injected KMS faults (5xx, throttling) into KeyWrapperUnavailableError', async () => {
    const { wrapped } = await wrapper.generate(CONTEXT);
    const faults = [
      { fault: {}, name: 'KMSInternalException' },
      { fault: { status: 500, errorType: 'DependencyTimeoutException' }, name: 'DependencyTimeoutException' },
      { fault: { status: 400, errorType: 'ThrottlingException' }, name: 'ThrottlingException' },
      { fault: { status: 400, errorType: 'KMSInvalidStateException' }, name: 'KMSInvalidStateException' },
      // Unknown error type, but a 5xx status: still an outage.
      { fault: { status: 502, errorType: 'BadGateway' }, name: 'BadGateway' },
    ];
    try {
      for (const { fault, name } of faults) {
        kms.setFault(fault);
        for (const call of [() => wrapper.generate(CONTEXT), () => wrapper.wrap(new Uint8Array(8), CONTEXT), () => wrapper.unwrap(wrapped, CONTEXT)]) {
          await assert.rejects(call(), (error: unknown) => {
            assert.ok(error instanceof KeyWrapperUnavailableError, `${name}: ${String(error)}`);
            assert.equal((error.cause as Error).name, name);
            return true;
          });
        }
      }
    } finally {
      kms.setFault(null);
    }
    assert.equal((await wrapper.unwrap(wrapped, CONTEXT)).length, 32, 'works again once the fault is cleared');
  });

  it('rides out a single transient fault when the client retries', async () => {
    const retrying = createKmsClient({ region: 'us-east-1', endpoint: kms.url, maxAttempts: 2 });
    try {
      const retryingWrapper = new KmsKeyWrapper({ client: retrying, keyId: kms.keyArn() });
      const { wrapped } = await retryingWrapper.generate(CONTEXT);
      kms.resetCalls();
      kms.setFault({ operations: ['Decrypt'], remaining: 1 });
      assert.equal((await retryingWrapper.unwrap(wrapped, CONTEXT)).length, 32);
      assert.deepEqual(kms.calls(), { Decrypt: 2 });
    } finally {
      kms.setFault(null);
      retrying.destroy();
    }
  });

  it('never writes to the console, so key material cannot end up in logs', async () => {
    const methods = (['log', 'info', 'warn', 'error', 'debug'] as const).map((name) => mock.method(console, name, () => {}));
    try {
      const generated = await wrapper.generate(CONTEXT);
      await wrapper.unwrap(generated.wrapped, CONTEXT);
      await assert.rejects(wrapper.unwrap(generated.wrapped, { ...CONTEXT, ring: 'x' }));
      kms.setFault({ remaining: 1 });
      await assert.rejects(wrapper.generate(CONTEXT));
    } finally {
      kms.setFault(null);
      for (const method of methods) method.mock.restore();
    }
    for (const method of methods) assert.equal(method.mock.callCount(), 0);
  });
});

describe('KmsKeyWrapper when KMS cannot be reached', () => {
  it('treats a refused connection as KeyWrapperUnavailableError', async () => {
    const kms = await startLocalKms({ port: 0 });
    const url = kms.url;
    await kms.close();
    const client = createKmsClient({ region: 'us-east-1', endpoint: url, maxAttempts: 1 });
    try {
      const wrapper = new KmsKeyWrapper({ client, keyId: 'alias/identity-local' });
      await assert.rejects(wrapper.generate(CONTEXT), (error: unknown) => {
        assert.ok(error instanceof KeyWrapperUnavailableError, String(error));
        assert.equal((error.cause as NodeJS.ErrnoException).code, 'ECONNREFUSED');
        return true;
      });
      await assert.rejects(wrapper.unwrap(new Uint8Array(64), CONTEXT), KeyWrapperUnavailableError);
    } finally {
      client.destroy();
    }
  });

  it('treats a hung KMS as KeyWrapperUnavailableError after the request timeout', { timeout: 10_000 }, async () => {
    // Without the client's request timeout the call would hang past the test's own timeout.
    const hung = await startHungServer();
    const client = createKmsClient({ region: 'us-east-1', endpoint: hung.url, maxAttempts: 1, requestTimeoutMs: 200 });
    try {
      const wrapper = new KmsKeyWrapper({ client, keyId: 'alias/identity-local' });
      await assert.rejects(wrapper.unwrap(new Uint8Array(64), CONTEXT), (error: unknown) => {
        assert.ok(error instanceof KeyWrapperUnavailableError, String(error));
        assert.equal((error.cause as Error).name, 'TimeoutError');
        return true;
      });
    } finally {
      client.destroy();
      await hung.close();
    }
  });
});

describe('KmsKeyWrapper persistence with the local KMS data file', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kms-wrapper-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('unwraps after the local KMS restarts, as a restarted local stack must', async () => {
    const dataFile = join(dir, 'kms.json');
    const first = await startLocalKms({ port: 0, dataFile });
    const firstClient = createKmsClient({ region: 'us-east-1', endpoint: first.url, maxAttempts: 1 });
    const generated = await new KmsKeyWrapper({ client: firstClient, keyId: 'alias/identity-local' }).generate(CONTEXT);
    firstClient.destroy();
    await first.close();

    const second = await startLocalKms({ port: 0, dataFile });
    const secondClient = createKmsClient({ region: 'us-east-1', endpoint: second.url, maxAttempts: 1 });
    try {
      assert.notEqual(second.url, first.url);
      const unwrapped = await new KmsKeyWrapper({ client: secondClient, keyId: generated.wrappedBy }).unwrap(generated.wrapped, CONTEXT);
      assert.deepEqual(Buffer.from(unwrapped), Buffer.from(generated.plaintext));
    } finally {
      secondClient.destroy();
      await second.close();
    }
  });
});
