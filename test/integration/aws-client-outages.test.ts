/**
 * The AWS clients of lib/runtime against real endpoints: DynamoDB Local, the local KMS with
 * injected faults, and sockets that refuse or hang. An outage reaches callers as
 * DependencyUnavailableError (after the SDK's retries); every other service error reaches the
 * adapters as the SDK's own class.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GenerateDataKeyCommand, NotFoundException } from '@aws-sdk/client-kms';
import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { GetAccountCommand } from '@aws-sdk/client-sesv2';
import { DependencyUnavailableError } from '../../lib/errors.js';
import { createDocumentClient } from '../../lib/runtime/dynamodb-client.js';
import { createKmsClient } from '../../lib/runtime/kms-client.js';
import { createSesClient } from '../../lib/runtime/ses-client.js';
import { startLocalKms, type LocalKms } from '../../scripts/local-kms.js';
import { startHungServer } from '../support/hung-server.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/** A loopback port nothing listens on: it was free a moment ago and is closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function outageOf(dependency: string, check: (cause: unknown) => void) {
  return (error: unknown) => {
    assert.ok(error instanceof DependencyUnavailableError, String(error));
    assert.equal(error.dependency, dependency);
    check(error.cause);
    return true;
  };
}

describe('AWS clients when the endpoint cannot be reached', () => {
  it('DynamoDB, KMS and SES report a refused connection as DependencyUnavailableError', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const refused = (cause: unknown) => assert.equal((cause as NodeJS.ErrnoException).code, 'ECONNREFUSED');
    const documents = createDocumentClient({ region: 'us-east-1', endpoint, maxAttempts: 1 });
    const kms = createKmsClient({ region: 'us-east-1', endpoint, maxAttempts: 1 });
    const ses = createSesClient({ region: 'us-east-1', endpoint, maxAttempts: 1 });
    try {
      await assert.rejects(documents.send(new GetCommand({ TableName: 't', Key: { pk: 'x' } })), outageOf('dynamodb', refused));
      await assert.rejects(kms.send(new GenerateDataKeyCommand({ KeyId: 'alias/x', KeySpec: 'AES_256' })), outageOf('kms', refused));
      await assert.rejects(ses.send(new GetAccountCommand({})), outageOf('ses', refused));
    } finally {
      kms.destroy();
      ses.destroy();
    }
  });

  it('DynamoDB gives up on a hung endpoint after the request timeout', { timeout: 10_000 }, async () => {
    // Without the factory's request timeout the call would hang past the test's own timeout.
    const hung = await startHungServer();
    const documents = createDocumentClient({ region: 'us-east-1', endpoint: hung.url, maxAttempts: 1, requestTimeoutMs: 200 });
    try {
      await assert.rejects(
        documents.send(new GetCommand({ TableName: 't', Key: { pk: 'x' } })),
        outageOf('dynamodb', (cause) => assert.equal((cause as Error).name, 'TimeoutError')),
      );
    } finally {
      await hung.close();
    }
  });
});

describe('KMS client against the local KMS with injected faults', () => {
  let kms: LocalKms;
  before(async () => {
    kms = await startLocalKms({ port: 0 });
  });
  after(() => kms.close());

  it('reports throttling only after the SDK retries gave up, and a retried fault not at all', async () => {
    const once = createKmsClient({ region: 'us-east-1', endpoint: kms.url, maxAttempts: 1 });
    const retrying = createKmsClient({ region: 'us-east-1', endpoint: kms.url, maxAttempts: 2 });
    const generate = new GenerateDataKeyCommand({ KeyId: 'alias/identity-local', KeySpec: 'AES_256' });
    try {
      kms.setFault({ status: 400, errorType: 'ThrottlingException', remaining: 1 });
      await assert.rejects(once.send(generate), outageOf('kms', (cause) => assert.equal((cause as Error).name, 'ThrottlingException')));

      kms.setFault({ status: 503, errorType: 'KMSInternalException', remaining: 1 });
      kms.resetCalls();
      assert.equal((await retrying.send(generate)).Plaintext?.length, 32);
      assert.deepEqual(kms.calls(), { GenerateDataKey: 2 });
    } finally {
      kms.setFault(null);
      once.destroy();
      retrying.destroy();
    }
  });

  it('passes a client error through as the SDK class', async () => {
    const client = createKmsClient({ region: 'us-east-1', endpoint: kms.url, maxAttempts: 1 });
    try {
      await assert.rejects(client.send(new GenerateDataKeyCommand({ KeyId: 'alias/does-not-exist', KeySpec: 'AES_256' })), NotFoundException);
    } finally {
      client.destroy();
    }
  });
});

describe('DynamoDB client against DynamoDB Local', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(() => stack.close());

  it('lets conditional-write and transaction failures reach the adapters as the SDK classes', async () => {
    const client = createDocumentClient({ region: 'us-east-1', endpoint: stack.dynamodbEndpoint });
    const TableName = stack.config.tables.cache;
    const taken = { TableName, Item: { pk: 'outage-test#taken', value: 1 }, ConditionExpression: 'attribute_not_exists(pk)' };
    await client.send(new PutCommand(taken));
    await assert.rejects(client.send(new PutCommand(taken)), ConditionalCheckFailedException);
    await assert.rejects(client.send(new TransactWriteCommand({ TransactItems: [{ Put: taken }] })), TransactionCanceledException);
  });
});

describe('every AWS client is built by the same rules', () => {
  const names = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE'] as const;
  let saved: Record<string, string | undefined>;
  before(() => {
    saved = Object.fromEntries(names.map((name) => [name, process.env[name]]));
  });
  after(() => {
    for (const name of names) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  const factories = { dynamodb: createDocumentClient, kms: createKmsClient, ses: createSesClient };

  it('a local endpoint gets dummy credentials only when the environment has none; region and attempts as given', async () => {
    for (const [name, create] of Object.entries(factories)) {
      for (const variable of names) delete process.env[variable];
      const local = create({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:1', maxAttempts: 1 });
      assert.equal((await local.config.credentials()).accessKeyId, 'local', name);
      assert.equal(await local.config.region(), 'eu-west-1', name);
      assert.equal(await local.config.maxAttempts(), 1, name);

      process.env['AWS_ACCESS_KEY_ID'] = 'AKIDFROMENV';
      process.env['AWS_SECRET_ACCESS_KEY'] = 'secret-from-env';
      const withEnv = create({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:1' });
      assert.equal((await withEnv.config.credentials()).accessKeyId, 'AKIDFROMENV', name);
    }
  });
});
