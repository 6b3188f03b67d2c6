/**
 * `npm start`: the whole identity server on this machine. In order: DynamoDB Local (data kept
 * under .local/ unless --in-memory), the local KMS endpoint, the tables from infra/, the demo
 * client and the first keys, then `osls offline`. Ctrl-C stops every child; nothing is left listening.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createDynamoDbClient } from '../lib/runtime/dynamodb-client.js';
import { JavaMissingError, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.js';
import { startLocalKms, type LocalKms } from './local-kms.js';
import { localEnvironment, localKmsAlias, localPorts } from './local-env.js';
import { seedDemoClient, seedKeys } from './seed.js';
import { createTables } from './tables.js';

const inMemory = process.argv.includes('--in-memory');
const port = process.env.PORT ?? '3000';
const env = { ...localEnvironment(), PORT: port };

let dynamo: DynamoDbLocal | undefined;
let kms: LocalKms | undefined;
let offline: ChildProcess | undefined;
let stopping = false;

async function stopEverything(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    if (offline?.pid && offline.exitCode === null) {
      // osls runs esbuild and worker threads; signal the whole process group.
      try {
        process.kill(-offline.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
    await kms?.close();
    await dynamo?.stop();
  }
  process.exit(code);
}

process.on('SIGINT', () => void stopEverything(0));
process.on('SIGTERM', () => void stopEverything(0));

function startOffline(): Promise<void> {
  return new Promise((resolve, reject) => {
    offline = spawn('npx', ['osls', 'offline', '--stage', 'local'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let ready = false;
    const relay = (chunk: Buffer, stream: NodeJS.WriteStream) => {
      const text = chunk.toString();
      stream.write(text);
      if (!ready && text.includes('Server ready')) {
        ready = true;
        resolve();
      }
    };
    offline.stdout?.on('data', (chunk: Buffer) => relay(chunk, process.stdout));
    offline.stderr?.on('data', (chunk: Buffer) => relay(chunk, process.stderr));
    offline.on('exit', (code) => {
      if (!ready) reject(new Error(`osls offline exited with code ${code} before it was ready`));
      else if (!stopping) {
        console.error(`osls offline exited with code ${code}`);
        void stopEverything(code ?? 1);
      }
    });
  });
}

function printWelcome(demo: { clientId: string; redirectUris: string[] }): void {
  const issuer = env.ISSUER;
  console.log(`
Identity server is running (${inMemory ? 'in-memory, nothing is kept' : 'data kept in .local/'}).

  Home:           ${issuer}/
  Register:       ${issuer}/register
  Sign in:        ${issuer}/login
  Discovery:      ${issuer}/.well-known/openid-configuration
  JWKS:           ${issuer}/jwks

  Demo client:    client_id=${demo.clientId} (public, PKCE S256)
                  redirect_uri=${demo.redirectUris.join(' ')}

  Read mail:      npm run outbox -- <email>
  Keys:           npm run keys -- list
  Stop:           Ctrl-C
`);
}

try {
  dynamo = await startDynamoDbLocal({ port: localPorts.dynamodb, ...(inMemory ? {} : { dataDir: '.local/dynamodb' }) });
  console.log(`DynamoDB Local on ${dynamo.endpoint}`);
  kms = await startLocalKms({ port: localPorts.kms, aliases: [localKmsAlias], ...(inMemory ? {} : { dataFile: '.local/kms.json' }) });
  console.log(`local KMS on ${kms.url}`);
  const raw = createDynamoDbClient({ region: env.AWS_REGION, endpoint: dynamo.endpoint });
  await createTables(raw, { keys: env.KEYS_TABLE, cache: env.CACHE_TABLE, directory: env.DIRECTORY_TABLE });
  raw.destroy();
  const demo = await seedDemoClient(env);
  for (const rotation of await seedKeys(env)) {
    const key = rotation.action === 'none' ? rotation.currentKeyId : rotation.successor?.keyId;
    console.log(`${rotation.ring} key ${key}${rotation.action === 'none' ? '' : ' (created)'}`);
  }
  await startOffline();
  printWelcome(demo);
} catch (error) {
  if (error instanceof JavaMissingError) console.error(`\n${error.message}\n`);
  else console.error('Could not start the local stack:', error instanceof Error ? error.message : error);
  await stopEverything(1);
}
