/**
 * A real local stack for tests: DynamoDB Local (shared across the run when `npm test` started
 * one, otherwise started here) and an in-process local KMS endpoint, with tables under a
 * unique prefix so test files never see each other's data.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { loadConfig, type Config } from '../../lib/config.js';
import { createDocumentClient } from '../../lib/runtime/dynamodb-client.js';
import { startDynamoDbLocal } from '../../scripts/dynamodb-local.js';
import { TEST_PASSWORD_ENV } from './password-hashing.js';
import { startLocalKms, type LocalKms } from '../../scripts/local-kms.js';
import { createTables, localTableNames } from '../../scripts/tables.js';

export interface TestStack {
  config: Config;
  /** The environment a separate process (worker, osls offline) needs to join this stack. */
  env: Record<string, string>;
  dynamodbEndpoint: string;
  kms: LocalKms;
  /** A fresh client each call, so each simulated instance has its own. */
  documentClient(): DynamoDBDocumentClient;
  close(): Promise<void>;
}

export interface TestStackOptions {
  /** Extra environment for the config (e.g. shorter lifetimes). */
  env?: Record<string, string>;
}

export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const shared = process.env.TEST_DYNAMODB_ENDPOINT;
  const dynamo = shared ? { endpoint: shared, stop: async () => {} } : await startDynamoDbLocal();
  const kms = await startLocalKms({ port: 0, aliases: ['alias/identity-test'] });
  const tables = localTableNames(`t${randomUUID().slice(0, 8)}`);
  const raw = new DynamoDBClient({ region: 'us-east-1', endpoint: dynamo.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await createTables(raw, tables);
  raw.destroy();

  const env: Record<string, string> = {
    APP_NAME: 'identity',
    STAGE: 'test',
    ISSUER: 'http://localhost:3000',
    AWS_REGION: 'us-east-1',
    KEYS_TABLE: tables.keys,
    CACHE_TABLE: tables.cache,
    DIRECTORY_TABLE: tables.directory,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    KMS_ENDPOINT: kms.url,
    KMS_KEY_ID: 'alias/identity-test',
    MAIL_MODE: 'outbox',
    // Suites mail many addresses from one test address; the mail budget's own suite
    // (test/integration/mail-budget-pages.test.ts) sets the production limits again.
    MAIL_MAX_PER_SOURCE_PER_HOUR: '100000',
    MAIL_MAX_PER_SOURCE_PER_DAY: '100000',
    MAIL_MAX_PER_MINUTE: '100000',
    ...TEST_PASSWORD_ENV,
    ...options.env,
  };
  const config = loadConfig(env);
  return {
    config,
    env,
    dynamodbEndpoint: dynamo.endpoint,
    kms,
    documentClient: () => createDocumentClient({ region: config.region, endpoint: dynamo.endpoint }),
    async close() {
      await kms.close();
      await dynamo.stop();
    },
  };
}
