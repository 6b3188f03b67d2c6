/**
 * The local KMS endpoint, driven by the real `@aws-sdk/client-kms` over HTTP: if the SDK and
 * this endpoint disagree on the wire format, these tests fail, not the application.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import {
  DecryptCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  IncorrectKeyException,
  InvalidCiphertextException,
  KMSInternalException,
  type KMSClient,
  NotFoundException,
} from '@aws-sdk/client-kms';
import { DependencyUnavailableError } from '../../lib/errors.js';
import { createKmsClient } from '../../lib/runtime/kms-client.js';
import { startLocalKms, type LocalKms } from '../../scripts/local-kms.js';

const ARN_PATTERN = /^arn:aws:kms:us-east-1:000000000000:key\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CONTEXT = { app: 'identity', ring: 'cookies', keyId: 'k1' };

async function errorTypeOf(response: Response): Promise<unknown> {
  return ((await response.json()) as { __type?: unknown }).__type;
}

/** An injected fault as the SDK deserialized it, under the outage error the runtime's client reports it as. */
function injectedFault(check: (fault: unknown) => void) {
  return (error: unknown) => {
    assert.ok(error instanceof DependencyUnavailableError, String(error));
    check(error.cause);
    return true;
  };
}

function clientFor(kms: LocalKms): KMSClient {
  return createKmsClient({ region: 'us-east-1', endpoint: kms.url, maxAttempts: 1 });
}

describe('local KMS endpoint', () => {
  let kms: LocalKms;
  let client: KMSClient;

  before(async () => {
    kms = await startLocalKms({ port: 0, aliases: ['alias/identity-local', 'other'] });
    client = clientFor(kms);
  });
  after(async () => {
    client.destroy();
    await kms.close();
  });

  it('listens on loopback with a free port and one ARN per alias', () => {
    assert.equal(kms.url, `http://127.0.0.1:${kms.port}`);
    assert.ok(kms.port > 0);
    assert.match(kms.keyArn(), ARN_PATTERN);
    assert.equal(kms.keyArn(), kms.keyArn('alias/identity-local'));
    assert.match(kms.keyArn('alias/other'), ARN_PATTERN);
    assert.notEqual(kms.keyArn('alias/other'), kms.keyArn());
    assert.throws(() => kms.keyArn('alias/missing'), /no key for alias\/missing/);
  });

  it('generates an AES_256 data key that decrypts back under the same context', async () => {
    const generated = await client.send(new GenerateDataKeyCommand({ KeyId: 'alias/identity-local', KeySpec: 'AES_256', EncryptionContext: CONTEXT }));
    assert.equal(generated.Plaintext?.length, 32);
    assert.equal(generated.KeyId, kms.keyArn());
    assert.ok(generated.CiphertextBlob && generated.CiphertextBlob.length > 32);

    const decrypted = await client.send(new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext: CONTEXT }));
    assert.deepEqual(decrypted.Plaintext, generated.Plaintext);
    assert.equal(decrypted.KeyId, kms.keyArn());
  });

  it('generates a data key of NumberOfBytes, different every time', async () => {
    const first = await client.send(new GenerateDataKeyCommand({ KeyId: kms.keyArn(), NumberOfBytes: 64 }));
    const second = await client.send(new GenerateDataKeyCommand({ KeyId: kms.keyArn(), NumberOfBytes: 64 }));
    assert.equal(first.Plaintext?.length, 64);
    assert.notDeepEqual(first.Plaintext, second.Plaintext);
    assert.notDeepEqual(first.CiphertextBlob, second.CiphertextBlob);
  });

  it('accepts a key ARN, bare key id, alias name and alias ARN', async () => {
    const arn = kms.keyArn();
    const bareId = arn.split('/')[1]!;
    for (const keyId of [arn, bareId, 'alias/identity-local', 'arn:aws:kms:us-east-1:000000000000:alias/identity-local']) {
      const encrypted = await client.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') }));
      assert.equal(encrypted.KeyId, arn, keyId);
    }
  });

  it('answers NotFoundException for an unknown key', async () => {
    for (const keyId of ['alias/nope', '00000000-0000-0000-0000-000000000000', 'arn:aws:kms:eu-west-1:000000000000:alias/identity-local']) {
      await assert.rejects(client.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') })), (error: unknown) => {
        assert.ok(error instanceof NotFoundException, String(error));
        assert.equal(error.$metadata.httpStatusCode, 400);
        assert.match(error.message, new RegExp(keyId.replace(/[/.]/g, '\\$&')));
        return true;
      });
    }
  });

  it('binds the encryption context: order does not matter, any change does', async () => {
    const plaintext = Buffer.from('secret material');
    const { CiphertextBlob } = await client.send(new EncryptCommand({ KeyId: kms.keyArn(), Plaintext: plaintext, EncryptionContext: CONTEXT }));
    const reordered = { keyId: 'k1', ring: 'cookies', app: 'identity' };
    const ok = await client.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: reordered }));
    assert.deepEqual(Buffer.from(ok.Plaintext!), plaintext);

    const wrongContexts: (Record<string, string> | undefined)[] = [
      undefined,
      {},
      { ...CONTEXT, keyId: 'k2' },
      { ...CONTEXT, ring: 'signing' },
      { ...CONTEXT, extra: '' },
      { app: 'identity', ring: 'cookies' },
    ];
    for (const EncryptionContext of wrongContexts) {
      await assert.rejects(
        client.send(new DecryptCommand({ CiphertextBlob, ...(EncryptionContext && { EncryptionContext }) })),
        InvalidCiphertextException,
        JSON.stringify(EncryptionContext),
      );
    }
  });

  it('rejects a tampered or truncated blob with InvalidCiphertextException', async () => {
    const { CiphertextBlob } = await client.send(new EncryptCommand({ KeyId: kms.keyArn(), Plaintext: Buffer.alloc(32, 7), EncryptionContext: CONTEXT }));
    const blob = Buffer.from(CiphertextBlob!);
    // One byte in each region: magic, key id, iv, ciphertext, tag.
    for (const index of [0, 6, 22, 40, blob.length - 1]) {
      const tampered = Buffer.from(blob);
      tampered[index] = tampered[index]! ^ 0x01;
      await assert.rejects(client.send(new DecryptCommand({ CiphertextBlob: tampered, EncryptionContext: CONTEXT })), InvalidCiphertextException, `byte ${index}`);
    }
    await assert.rejects(client.send(new DecryptCommand({ CiphertextBlob: blob.subarray(0, 30), EncryptionContext: CONTEXT })), InvalidCiphertextException);
  });

  it('answers IncorrectKeyException when Decrypt names another key than the one that encrypted', async () => {
    const { CiphertextBlob } = await client.send(new EncryptCommand({ KeyId: 'alias/other', Plaintext: Buffer.from('x') }));
    await assert.rejects(client.send(new DecryptCommand({ CiphertextBlob, KeyId: 'alias/identity-local' })), IncorrectKeyException);
    const ok = await client.send(new DecryptCommand({ CiphertextBlob, KeyId: 'alias/other' }));
    assert.equal(ok.KeyId, kms.keyArn('alias/other'));
  });

  it('counts calls per operation, failed ones included, until reset', async () => {
    kms.resetCalls();
    assert.deepEqual(kms.calls(), {});
    const { CiphertextBlob } = await client.send(new GenerateDataKeyCommand({ KeyId: kms.keyArn(), KeySpec: 'AES_256' }));
    await client.send(new DecryptCommand({ CiphertextBlob }));
    await assert.rejects(client.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: CONTEXT })));
    assert.deepEqual(kms.calls(), { GenerateDataKey: 1, Decrypt: 2 });
    kms.resetCalls();
    assert.deepEqual(kms.calls(), {});
  });

  it('injects faults on chosen operations and clears them after `remaining`', async () => {
    const { CiphertextBlob } = await client.send(new EncryptCommand({ KeyId: kms.keyArn(), Plaintext: Buffer.from('x') }));
    kms.setFault({ operations: ['Decrypt'], remaining: 2 });
    for (let i = 0; i < 2; i++) {
      await assert.rejects(
        client.send(new DecryptCommand({ CiphertextBlob })),
        injectedFault((fault) => {
          assert.ok(fault instanceof KMSInternalException, String(fault));
          assert.equal(fault.$metadata.httpStatusCode, 503);
        }),
      );
    }
    // Other operations were never affected, and the third Decrypt finds the fault cleared.
    await client.send(new EncryptCommand({ KeyId: kms.keyArn(), Plaintext: Buffer.from('y') }));
    const ok = await client.send(new DecryptCommand({ CiphertextBlob }));
    assert.equal(Buffer.from(ok.Plaintext!).toString(), 'x');

    kms.setFault({ status: 400 });
    await assert.rejects(
      client.send(new EncryptCommand({ KeyId: kms.keyArn(), Plaintext: Buffer.from('x') })),
      injectedFault((fault) => assert.equal((fault as Error).name, 'ThrottlingException')),
    );
    kms.setFault({ errorType: 'DependencyTimeoutException', status: 503 });
    await assert.rejects(
      client.send(new DecryptCommand({ CiphertextBlob })),
      injectedFault((fault) => assert.equal((fault as Error).name, 'DependencyTimeoutException')),
    );
    kms.setFault(null);
    await client.send(new DecryptCommand({ CiphertextBlob }));

    assert.throws(() => kms.setFault({ remaining: 0 }), /remaining/);
    assert.throws(() => kms.setFault({ status: 200 }), /status/);
  });

  it('serves the control endpoints over HTTP', async () => {
    await fetch(`${kms.url}/_local/calls/reset`, { method: 'POST' });
    await client.send(new EncryptCommand({ KeyId: kms.keyArn(), Plaintext: Buffer.from('x') }));
    const calls = await fetch(`${kms.url}/_local/calls`);
    assert.equal(calls.status, 200);
    assert.deepEqual(await calls.json(), { Encrypt: 1 });

    const reset = await fetch(`${kms.url}/_local/calls/reset`, { method: 'POST' });
    assert.equal(reset.status, 200);
    assert.deepEqual(kms.calls(), {});

    const setFault = await fetch(`${kms.url}/_local/fault`, { method: 'POST', body: JSON.stringify({ operations: ['Encrypt'], status: 500, remaining: 1 }) });
    assert.equal(setFault.status, 200);
    await assert.rejects(
      client.send(new EncryptCommand({ KeyId: kms.keyArn(), Plaintext: Buffer.from('x') })),
      injectedFault((fault) => {
        assert.ok(fault instanceof KMSInternalException);
        assert.equal(fault.$metadata.httpStatusCode, 500);
      }),
    );
    await client.send(new EncryptCommand({ KeyId: kms.keyArn(), Plaintext: Buffer.from('x') }));

    await fetch(`${kms.url}/_local/fault`, { method: 'POST', body: JSON.stringify({ operations: ['Encrypt'] }) });
    await assert.rejects(
      client.send(new EncryptCommand({ KeyId: kms.keyArn(), Plaintext: Buffer.from('x') })),
      injectedFault((fault) => assert.ok(fault instanceof KMSInternalException)),
    );
    const cleared = await fetch(`${kms.url}/_local/fault`, { method: 'POST', body: 'null' });
    assert.equal(cleared.status, 200);
    await client.send(new EncryptCommand({ KeyId: kms.keyArn(), Plaintext: Buffer.from('x') }));

    const invalid = await fetch(`${kms.url}/_local/fault`, { method: 'POST', body: JSON.stringify({ status: 'bad' }) });
    assert.equal(invalid.status, 400);
    assert.equal(await errorTypeOf(invalid), 'ValidationException');
    assert.equal((await fetch(`${kms.url}/_local/nothing`)).status, 404);
  });

  it('answers AWS-style errors for unknown operations and bad bodies', async () => {
    const unknown = await fetch(kms.url, { method: 'POST', headers: { 'x-amz-target': 'TrentService.ScheduleKeyDeletion', 'content-type': 'application/x-amz-json-1.1' }, body: '{}' });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.headers.get('x-amzn-errortype'), 'UnknownOperationException');
    assert.equal(await errorTypeOf(unknown), 'UnknownOperationException');

    const badJson = await fetch(kms.url, { method: 'POST', headers: { 'x-amz-target': 'TrentService.Encrypt' }, body: '{' });
    assert.equal(badJson.status, 400);
    assert.equal(await errorTypeOf(badJson), 'SerializationException');

    const tooLong = await fetch(kms.url, { method: 'POST', headers: { 'x-amz-target': 'TrentService.Encrypt' }, body: JSON.stringify({ KeyId: kms.keyArn(), Plaintext: Buffer.alloc(4097).toString('base64') }) });
    assert.equal(tooLong.status, 400);
    assert.equal(await errorTypeOf(tooLong), 'ValidationException');
  });
});

describe('local KMS persistence', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'local-kms-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('keeps key material across restarts with a data file (mode 0600, directory created)', async () => {
    const dataFile = join(dir, 'nested', 'kms.json');
    const first = await startLocalKms({ port: 0, dataFile });
    const firstClient = clientFor(first);
    const arn = first.keyArn();
    const { CiphertextBlob, Plaintext } = await firstClient.send(new GenerateDataKeyCommand({ KeyId: arn, KeySpec: 'AES_256', EncryptionContext: CONTEXT }));
    firstClient.destroy();
    await first.close();

    assert.equal((await stat(dataFile)).mode & 0o777, 0o600);
    const saved = JSON.parse(await readFile(dataFile, 'utf8'));
    assert.equal(saved.aliases['alias/identity-local'], arn.split('/')[1]);

    const second = await startLocalKms({ port: 0, dataFile });
    const secondClient = clientFor(second);
    try {
      assert.equal(second.keyArn(), arn);
      const decrypted = await secondClient.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: CONTEXT, KeyId: arn }));
      assert.deepEqual(decrypted.Plaintext, Plaintext);
    } finally {
      secondClient.destroy();
      await second.close();
    }

    // Without the file, a restart has new keys and cannot unwrap the old blob: the file is what made it work.
    const fresh = await startLocalKms({ port: 0 });
    const freshClient = clientFor(fresh);
    try {
      assert.notEqual(fresh.keyArn(), arn);
      await assert.rejects(freshClient.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: CONTEXT })), InvalidCiphertextException);
    } finally {
      freshClient.destroy();
      await fresh.close();
    }
  });

  it('adds keys for new aliases to an existing file without changing the old ones', async () => {
    const dataFile = join(dir, 'aliases.json');
    const first = await startLocalKms({ port: 0, dataFile, aliases: ['alias/a'] });
    const arnA = first.keyArn('alias/a');
    await first.close();
    const second = await startLocalKms({ port: 0, dataFile, aliases: ['alias/a', 'alias/b'] });
    try {
      assert.equal(second.keyArn('alias/a'), arnA);
      assert.notEqual(second.keyArn('alias/b'), arnA);
    } finally {
      await second.close();
    }
  });

  it('refuses a damaged data file instead of replacing the keys in it', async () => {
    const dataFile = join(dir, 'damaged.json');
    const damaged = JSON.stringify({ version: 1, keys: { abc: 'c2hvcnQ=' }, aliases: {} });
    await writeFile(dataFile, damaged);
    await assert.rejects(startLocalKms({ port: 0, dataFile }), /not 256 bits/);
    assert.equal(await readFile(dataFile, 'utf8'), damaged);
  });
});

describe('local KMS CLI', () => {
  it('prints its URL and key ARN, serves requests, and exits cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/local-kms.ts', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const lines = createInterface({ input: child.stdout! });
      const [line] = (await once(lines, 'line')) as [string];
      const match = /^local KMS listening on (http:\/\/127\.0\.0\.1:\d+) \(key alias\/identity-local = (arn:aws:kms:\S+)\)$/.exec(line);
      assert.ok(match, line);
      const client = createKmsClient({ region: 'us-east-1', endpoint: match[1]!, maxAttempts: 1 });
      const encrypted = await client.send(new EncryptCommand({ KeyId: 'alias/identity-local', Plaintext: Buffer.from('x') }));
      client.destroy();
      assert.equal(encrypted.KeyId, match[2]);
      assert.deepEqual(await (await fetch(`${match[1]}/_local/calls`)).json(), { Encrypt: 1 });

      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code, signal] = (await exited) as [number | null, string | null];
      assert.deepEqual({ code, signal }, { code: 0, signal: null });
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
