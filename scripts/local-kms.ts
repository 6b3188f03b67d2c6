/**
 * A small KMS-compatible HTTP endpoint for the local stack and tests.
 *
 * It speaks the AWS JSON 1.1 protocol exactly as `@aws-sdk/client-kms` sends it, so the
 * production `KmsKeyWrapper` runs unchanged against it. Only the operations the project uses
 * are implemented: GenerateDataKey, Encrypt, Decrypt. Signatures are not verified: this binds
 * to loopback and protects nothing real.
 *
 * Tests in other processes drive it through `/_local/*` control endpoints (call counts, fault
 * injection), so end-to-end tests can prove "one KMS call per cold instance" or simulate an
 * outage without touching the code under test.
 */
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { runIfMain } from './run-as-main.js';

const REGION = 'us-east-1';
const ACCOUNT_ID = '000000000000';
const ARN_PREFIX = `arn:aws:kms:${REGION}:${ACCOUNT_ID}:`;
const DEFAULT_ALIAS = 'alias/identity-local';
const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
const TARGET_PREFIX = 'TrentService.';
const OPERATIONS = ['GenerateDataKey', 'Encrypt', 'Decrypt'] as const;
type Operation = (typeof OPERATIONS)[number];

/** Real KMS caps Encrypt plaintext at 4 KiB; keeping the limit catches misuse early. */
const MAX_PLAINTEXT_BYTES = 4096;
const MAX_DATA_KEY_BYTES = 1024;
const MAX_REQUEST_BYTES = 1024 * 1024;

/** Ciphertext blob: magic (4) | key id (16, UUID bytes) | iv (12) | AES-256-GCM ciphertext | tag (16). */
const BLOB_MAGIC = Buffer.from('LKM1', 'ascii');
const KEY_ID_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = BLOB_MAGIC.length + KEY_ID_BYTES;

export interface LocalKmsFault {
  /** Operations to fail (e.g. `['Decrypt']`); all KMS operations when omitted. */
  operations?: string[];
  /** HTTP status of the injected error; 503 by default. */
  status?: number;
  /** How many matching requests fail before the fault clears itself; unlimited when omitted. */
  remaining?: number;
  /** AWS error type; `KMSInternalException` for 5xx, `ThrottlingException` otherwise. */
  errorType?: string;
}

export interface LocalKmsOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** JSON file holding key material and aliases, so a restarted stack can unwrap what it wrapped before. */
  dataFile?: string;
  /** Each alias gets its own key; `['alias/identity-local']` by default. */
  aliases?: string[];
}

export interface LocalKms {
  url: string;
  port: number;
  /** ARN of the key behind `alias` (the first configured alias by default). */
  keyArn(alias?: string): string;
  /** Requests per operation since start or the last reset, including ones that failed. */
  calls(): Record<string, number>;
  resetCalls(): void;
  setFault(fault: LocalKmsFault | null): void;
  close(): Promise<void>;
}

/** An AWS-style error answer: the SDK maps `__type` / `x-amzn-ErrorType` to a typed exception. */
class KmsError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const notFound = (message: string) => new KmsError(400, 'NotFoundException', message);
const invalidCiphertext = () => new KmsError(400, 'InvalidCiphertextException', 'The ciphertext is invalid.');
const validation = (message: string) => new KmsError(400, 'ValidationException', message);

// ---------------------------------------------------------------------------------------------
// Key store: master keys by key id, aliases -> key id, optionally persisted.

interface KeyStoreFile {
  version: 1;
  keys: Record<string, string>;
  aliases: Record<string, string>;
}

function normalizeAlias(alias: string): string {
  return alias.startsWith('alias/') ? alias : `alias/${alias}`;
}

function keyArnOf(keyId: string): string {
  return `${ARN_PREFIX}key/${keyId}`;
}

class KeyStore {
  private constructor(
    private readonly keys: Map<string, Buffer>,
    private readonly aliases: Map<string, string>,
  ) {}

  static async open(aliases: string[], dataFile: string | undefined): Promise<KeyStore> {
    const store = dataFile ? await KeyStore.load(dataFile) : new KeyStore(new Map(), new Map());
    let created = false;
    for (const alias of aliases) {
      if (store.aliases.has(alias)) continue;
      const keyId = randomUUID();
      store.keys.set(keyId, randomBytes(32));
      store.aliases.set(alias, keyId);
      created = true;
    }
    if (dataFile && created) await store.save(dataFile);
    return store;
  }

  private static async load(file: string): Promise<KeyStore> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new KeyStore(new Map(), new Map());
      throw error;
    }
    // Refuse a damaged file rather than replacing it: new keys would orphan everything wrapped before.
    const parsed = JSON.parse(text) as Partial<KeyStoreFile>;
    if (parsed.version !== 1 || typeof parsed.keys !== 'object' || typeof parsed.aliases !== 'object') {
      throw new Error(`local KMS data file ${file} has an unknown format`);
    }
    const keys = new Map<string, Buffer>();
    for (const [keyId, material] of Object.entries(parsed.keys ?? {})) {
      const bytes = Buffer.from(String(material), 'base64');
      if (bytes.length !== 32) throw new Error(`local KMS data file ${file}: key ${keyId} is not 256 bits`);
      keys.set(keyId, bytes);
    }
    const aliases = new Map<string, string>();
    for (const [alias, keyId] of Object.entries(parsed.aliases ?? {})) {
      if (!keys.has(keyId)) throw new Error(`local KMS data file ${file}: ${alias} points to a missing key`);
      aliases.set(alias, keyId);
    }
    return new KeyStore(keys, aliases);
  }

  private async save(file: string): Promise<void> {
    const content: KeyStoreFile = {
      version: 1,
      keys: Object.fromEntries([...this.keys].map(([id, material]) => [id, material.toString('base64')])),
      aliases: Object.fromEntries(this.aliases),
    };
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    // Write then rename so a crash never leaves a half-written file holding the only copy of the keys.
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(content, null, 2) + '\n', { mode: 0o600 });
    await rename(temporary, file);
  }

  aliasKeyId(alias: string): string | undefined {
    return this.aliases.get(normalizeAlias(alias));
  }

  material(keyId: string): Buffer | undefined {
    return this.keys.get(keyId);
  }

  /** Accepts what KMS accepts: key ARN, bare key id, alias name, alias ARN. */
  resolve(keyIdInput: unknown): string {
    if (typeof keyIdInput !== 'string' || keyIdInput.length === 0) throw validation('KeyId is required.');
    const local = keyIdInput.startsWith(ARN_PREFIX) ? keyIdInput.slice(ARN_PREFIX.length) : keyIdInput;
    let keyId: string | undefined;
    if (local.startsWith('alias/')) keyId = this.aliases.get(local);
    else if (local.startsWith('key/')) keyId = local.slice('key/'.length);
    else if (!local.startsWith('arn:')) keyId = local;
    if (keyId === undefined || !this.keys.has(keyId)) throw notFound(`Key '${keyIdInput}' does not exist`);
    return keyId;
  }
}

// ---------------------------------------------------------------------------------------------
// Ciphertext blobs.

function uuidToBytes(keyId: string): Buffer {
  return Buffer.from(keyId.replaceAll('-', ''), 'hex');
}

function bytesToUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Sorted keys so that the same context in any property order gives the same AAD, as in KMS.
 * Serialized as JSON pairs, which is unambiguous (no separator can be forged inside a value).
 */
function canonicalContext(context: Record<string, string>): Buffer {
  const pairs = Object.keys(context)
    .sort()
    .map((key) => [key, context[key]]);
  return Buffer.from(JSON.stringify(pairs), 'utf8');
}

function seal(keyId: string, material: Buffer, plaintext: Buffer, context: Record<string, string>): Buffer {
  const header = Buffer.concat([BLOB_MAGIC, uuidToBytes(keyId)]);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', material, iv);
  // The header is authenticated too, so a blob cannot be re-labelled with another key id.
  cipher.setAAD(Buffer.concat([header, canonicalContext(context)]));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, iv, ciphertext, cipher.getAuthTag()]);
}

function blobKeyId(blob: Buffer): string {
  if (blob.length < HEADER_BYTES + IV_BYTES + TAG_BYTES || !blob.subarray(0, BLOB_MAGIC.length).equals(BLOB_MAGIC)) {
    throw invalidCiphertext();
  }
  return bytesToUuid(blob.subarray(BLOB_MAGIC.length, HEADER_BYTES));
}

function unseal(material: Buffer, blob: Buffer, context: Record<string, string>): Buffer {
  const header = blob.subarray(0, HEADER_BYTES);
  const iv = blob.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES);
  const ciphertext = blob.subarray(HEADER_BYTES + IV_BYTES, blob.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', material, iv);
  decipher.setAAD(Buffer.concat([header, canonicalContext(context)]));
  decipher.setAuthTag(blob.subarray(blob.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw invalidCiphertext();
  }
}

// ---------------------------------------------------------------------------------------------
// Request fields.

type JsonObject = Record<string, unknown>;

function blobField(body: JsonObject, name: string): Buffer {
  const value = body[name];
  if (typeof value !== 'string' || value.length === 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
    throw validation(`${name} must be a non-empty base64 blob.`);
  }
  return Buffer.from(value, 'base64');
}

function contextField(body: JsonObject): Record<string, string> {
  const value = body['EncryptionContext'];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw validation('EncryptionContext must be a map.');
  for (const entry of Object.values(value)) {
    if (typeof entry !== 'string') throw validation('EncryptionContext values must be strings.');
  }
  return value as Record<string, string>;
}

function dataKeyLength(body: JsonObject): number {
  const keySpec = body['KeySpec'];
  const numberOfBytes = body['NumberOfBytes'];
  if (keySpec !== undefined && numberOfBytes !== undefined) {
    throw validation('Specify either KeySpec or NumberOfBytes, not both.');
  }
  if (keySpec === 'AES_256') return 32;
  if (keySpec === 'AES_128') return 16;
  if (keySpec !== undefined) throw validation(`KeySpec ${String(keySpec)} is not supported.`);
  if (typeof numberOfBytes === 'number' && Number.isInteger(numberOfBytes) && numberOfBytes >= 1 && numberOfBytes <= MAX_DATA_KEY_BYTES) {
    return numberOfBytes;
  }
  throw validation('KeySpec or NumberOfBytes (1-1024) is required.');
}

// ---------------------------------------------------------------------------------------------
// Operations.

function runOperation(store: KeyStore, operation: Operation, body: JsonObject): JsonObject {
  switch (operation) {
    case 'GenerateDataKey': {
      const keyId = store.resolve(body['KeyId']);
      const plaintext = randomBytes(dataKeyLength(body));
      const blob = seal(keyId, store.material(keyId)!, plaintext, contextField(body));
      return { CiphertextBlob: blob.toString('base64'), Plaintext: plaintext.toString('base64'), KeyId: keyArnOf(keyId) };
    }
    case 'Encrypt': {
      const keyId = store.resolve(body['KeyId']);
      const plaintext = blobField(body, 'Plaintext');
      if (plaintext.length > MAX_PLAINTEXT_BYTES) throw validation(`Plaintext is longer than ${MAX_PLAINTEXT_BYTES} bytes.`);
      const blob = seal(keyId, store.material(keyId)!, plaintext, contextField(body));
      return { CiphertextBlob: blob.toString('base64'), KeyId: keyArnOf(keyId), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    }
    case 'Decrypt': {
      // As in KMS: KeyId is optional for symmetric keys; when given, it must be the key that encrypted.
      const requestedKeyId = body['KeyId'] === undefined ? undefined : store.resolve(body['KeyId']);
      const blob = blobField(body, 'CiphertextBlob');
      const keyId = blobKeyId(blob);
      const material = store.material(keyId);
      if (!material) throw invalidCiphertext();
      if (requestedKeyId !== undefined && requestedKeyId !== keyId) {
        throw new KmsError(400, 'IncorrectKeyException', 'The key ID in the request does not identify the key that encrypted the ciphertext.');
      }
      const plaintext = unseal(material, blob, contextField(body));
      return { KeyId: keyArnOf(keyId), Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Fault injection.

function parseFault(value: unknown): LocalKmsFault | null {
  if (value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error('fault must be an object or null');
  const fault = value as JsonObject;
  const { operations, status, remaining, errorType } = fault;
  if (operations !== undefined && (!Array.isArray(operations) || !operations.every((op) => typeof op === 'string'))) {
    throw new Error('fault.operations must be an array of operation names');
  }
  if (status !== undefined && (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 599)) {
    throw new Error('fault.status must be an HTTP error status (400-599)');
  }
  if (remaining !== undefined && (typeof remaining !== 'number' || !Number.isInteger(remaining) || remaining < 1)) {
    throw new Error('fault.remaining must be a positive integer');
  }
  if (errorType !== undefined && typeof errorType !== 'string') throw new Error('fault.errorType must be a string');
  return {
    ...(operations !== undefined && { operations: [...(operations as string[])] }),
    ...(status !== undefined && { status }),
    ...(remaining !== undefined && { remaining }),
    ...(errorType !== undefined && { errorType }),
  };
}

class FaultInjector {
  private fault: LocalKmsFault | null = null;

  /** Validates too: the value may come straight from an HTTP body. */
  set(fault: unknown): void {
    this.fault = parseFault(fault);
  }

  /** The error to answer instead of running `operation`, counting down `remaining`. */
  take(operation: string): KmsError | undefined {
    const fault = this.fault;
    if (!fault || (fault.operations && !fault.operations.includes(operation))) return undefined;
    if (fault.remaining !== undefined) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) this.fault = null;
    }
    const status = fault.status ?? 503;
    const type = fault.errorType ?? (status >= 500 ? 'KMSInternalException' : 'ThrottlingException');
    return new KmsError(status, type, `injected fault for ${operation}`);
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP.

class PayloadTooLarge extends Error {}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) throw new PayloadTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': JSON_CONTENT_TYPE,
    'content-length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
    ...headers,
  });
  response.end(text);
}

function sendError(response: ServerResponse, error: KmsError): void {
  sendJson(response, error.status, { __type: error.type, message: error.message }, { 'x-amzn-ErrorType': error.type });
}

function parseJson(text: string): unknown {
  try {
    return text.length === 0 ? {} : JSON.parse(text);
  } catch {
    throw new KmsError(400, 'SerializationException', 'Request body is not valid JSON.');
  }
}

export async function startLocalKms(options: LocalKmsOptions = {}): Promise<LocalKms> {
  const host = options.host ?? '127.0.0.1';
  const aliases = (options.aliases && options.aliases.length > 0 ? options.aliases : [DEFAULT_ALIAS]).map(normalizeAlias);
  const store = await KeyStore.open(aliases, options.dataFile);
  const faults = new FaultInjector();
  let callCounts: Record<string, number> = {};

  async function handleKms(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    if (!(OPERATIONS as readonly string[]).includes(operation)) {
      throw new KmsError(400, 'UnknownOperationException', `Operation '${target}' is not supported by local KMS.`);
    }
    // Read the body even when faulting, so the keep-alive connection stays usable for the next call.
    const text = await readBody(request);
    callCounts[operation] = (callCounts[operation] ?? 0) + 1;
    const fault = faults.take(operation);
    if (fault) throw fault;
    const body = parseJson(text);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw validation('Request body must be a JSON object.');
    sendJson(response, 200, runOperation(store, operation as Operation, body as JsonObject));
  }

  async function handleControl(path: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method === 'GET' && path === '/_local/calls') return sendJson(response, 200, { ...callCounts });
    if (request.method === 'POST' && path === '/_local/calls/reset') {
      callCounts = {};
      return sendJson(response, 200, {});
    }
    if (request.method === 'POST' && path === '/_local/fault') {
      try {
        faults.set(parseJson(await readBody(request)));
      } catch (error) {
        if (error instanceof PayloadTooLarge) throw error;
        throw validation(error instanceof Error ? error.message : String(error));
      }
      return sendJson(response, 200, {});
    }
    throw new KmsError(404, 'NotFound', `No control endpoint ${request.method} ${path}.`);
  }

  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const handled =
      path.startsWith('/_local/')
        ? handleControl(path, request, response)
        : request.method === 'POST' && path === '/'
          ? handleKms(request, response)
          : Promise.reject(new KmsError(404, 'NotFound', `No route ${request.method} ${path}.`));
    handled.catch((error: unknown) => {
      if (response.headersSent) return response.destroy();
      if (error instanceof KmsError) return sendError(response, error);
      if (error instanceof PayloadTooLarge) return sendError(response, new KmsError(413, 'ValidationException', 'Request body too large.'));
      // A bug in this file: answer like KMS would, so the client's outage handling is what gets exercised.
      sendError(response, new KmsError(500, 'KMSInternalException', error instanceof Error ? error.message : String(error)));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    keyArn(alias = aliases[0] ?? DEFAULT_ALIAS) {
      const keyId = store.aliasKeyId(alias);
      if (!keyId) throw new Error(`local KMS has no key for ${alias}`);
      return keyArnOf(keyId);
    },
    calls: () => ({ ...callCounts }),
    resetCalls() {
      callCounts = {};
    },
    setFault(fault) {
      faults.set(fault);
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // The SDK keeps connections alive; without this, close() would wait for them to time out.
        server.closeAllConnections();
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// CLI: `tsx scripts/local-kms.ts --port 4599 [--host 127.0.0.1] [--data-file .local/kms.json] [--alias alias/x]...`

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '4599' },
      host: { type: 'string', default: '127.0.0.1' },
      'data-file': { type: 'string' },
      alias: { type: 'string', multiple: true },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port ${values.port}`);
  const kms = await startLocalKms({
    port,
    host: values.host,
    ...(values['data-file'] !== undefined && { dataFile: values['data-file'] }),
    ...(values.alias !== undefined && { aliases: values.alias }),
  });
  const aliases = values.alias && values.alias.length > 0 ? values.alias.map(normalizeAlias) : [DEFAULT_ALIAS];
  const keys = aliases.map((alias) => `key ${alias} = ${kms.keyArn(alias)}`).join(', ');
  console.log(`local KMS listening on ${kms.url} (${keys})`);

  const shutdown = () => {
    process.off('SIGINT', shutdown);
    process.off('SIGTERM', shutdown);
    kms.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

runIfMain(import.meta.url, main);
