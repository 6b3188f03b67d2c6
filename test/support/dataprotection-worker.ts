/**
 * One simulated instance: its own DynamoDB and KMS clients, its own key-ring caches, nothing
 * shared with other instances but DynamoDB Local and the local KMS endpoint.
 *
 * Imported by tests (`buildInstance`), and run as a separate OS process:
 *   node --import tsx test/support/dataprotection-worker.ts
 * with the stack's environment. Protocol, one JSON object per line:
 *   worker -> {"ready":true}
 *   parent -> {"protect":"<message>"}            worker -> {"payload":"..."}
 *   parent -> {"unprotect":["<payload>", ...]}   worker -> {"plaintexts":["..."]} or {"error":"<code>"}
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createInterface } from 'node:readline';
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';
import { loadConfig, type Config } from '../../lib/config.js';
import type { DataProtector } from '../../lib/dataprotection/data-protector.js';
import type { KeyRingProvider } from '../../lib/keyring/key-ring-provider.js';
import { createDataProtectionKeyRing, createProtector } from '../../lib/dataprotection/protector.js';
import { createKmsClient } from '../../lib/runtime/kms-client.js';
import { KmsKeyWrapper } from '../../lib/kms/kms-key-wrapper.js';
import { SigningKeyRing } from '../../lib/signing/signing-key-ring.js';
import { createDocumentClient } from '../../lib/runtime/dynamodb-client.js';
import { DynamoDbKeyRingRepository } from '../../lib/store/key-ring-repository.js';
import { runIfMain } from '../../scripts/run-as-main.js';
import { createTables, localTableNames } from '../../scripts/tables.js';
import { countCommands, type CommandCounter } from './count-commands.js';

export interface Instance {
  config: Config;
  documentClient: DynamoDBDocumentClient;
  /** Commands this instance sent to DynamoDB. */
  dynamo: CommandCounter;
  repository: DynamoDbKeyRingRepository;
  keyWrapper: KmsKeyWrapper;
  keyRing: KeyRingProvider<Buffer>;
  protector: DataProtector;
  signing: SigningKeyRing;
  close(): void;
}

export interface InstanceOptions {
  clock?: Clock;
}

export function buildInstance(config: Config, options: InstanceOptions = {}): Instance {
  const clock = options.clock ?? Date.now;
  const documentClient = createDocumentClient({ region: config.region, endpoint: config.endpoints.dynamodb });
  const dynamo = countCommands(documentClient);
  const kmsClient = createKmsClient({ region: config.region, endpoint: config.endpoints.kms, maxAttempts: 1 });
  const keyWrapper = new KmsKeyWrapper({ client: kmsClient, keyId: config.kmsKeyId });
  const repository = new DynamoDbKeyRingRepository({ client: documentClient, tableName: config.tables.keys });
  const deps = { config, keyWrapper, repository, clock };
  const keyRing = createDataProtectionKeyRing(deps);
  return {
    config,
    documentClient,
    dynamo,
    repository,
    keyWrapper,
    keyRing,
    protector: createProtector(keyRing, config.appName, clock),
    signing: new SigningKeyRing(deps),
    close() {
      documentClient.destroy();
      kmsClient.destroy();
    },
  };
}

/** The same stack with a new, empty set of tables: an isolated key ring for one test. */
export async function withFreshTables(config: Config): Promise<Config> {
  const endpoint = config.endpoints.dynamodb;
  if (endpoint === undefined) throw new Error('fresh tables need a local DynamoDB endpoint');
  const tables = localTableNames(`t${randomUUID().slice(0, 8)}`);
  const raw = new DynamoDBClient({ region: config.region, endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    await createTables(raw, tables);
  } finally {
    raw.destroy();
  }
  return { ...config, tables };
}

async function main(): Promise<void> {
  const instance = buildInstance(loadConfig());
  const protector = instance.protector.forPurpose('worker');
  const send = (message: unknown) => process.stdout.write(`${JSON.stringify(message)}\n`);
  send({ ready: true });
  for await (const line of createInterface({ input: process.stdin })) {
    if (!line.trim()) continue;
    const request = JSON.parse(line) as { protect?: string; unprotect?: string[] };
    try {
      if (request.protect !== undefined) {
        send({ payload: await protector.protect(Buffer.from(request.protect, 'utf8')) });
      } else if (request.unprotect !== undefined) {
        const plaintexts: string[] = [];
        for (const payload of request.unprotect) plaintexts.push(Buffer.from(await protector.unprotect(payload)).toString('utf8'));
        send({ plaintexts });
      }
    } catch (error) {
      send({ error: (error as { code?: string }).code ?? (error instanceof Error ? error.name : String(error)) });
    }
  }
  instance.close();
}

runIfMain(import.meta.url, main, { showStack: true });
