/**
 * `npm start`: the whole identity server on this machine. `osls offline` starts at once (it
 * bundles the functions meanwhile), and beside it DynamoDB Local (data kept under
 * .local/<PORT>/ unless --in-memory), the local KMS endpoint, the tables from infra/, the demo
 * client and the first keys. Ready when discovery answers; the welcome text comes last.
 *
 *   npm start [-- --in-memory] [-- --watch] [-- --verbose]
 *
 * --watch rebuilds the functions on save; --verbose shows osls's own output (the route table)
 * as it comes. Ctrl-C stops every child at any time; nothing is left listening.
 */
import { parseArgs } from 'node:util';
import { JavaMissingError, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.js';
import { localEnvironment, localKmsAlias } from './local-env.js';
import { derivePorts, removePortsFile, writePortsFile } from './local-ports.js';
import { startLocalKms, type LocalKms } from './local-kms.js';
import { startOffline, type OfflineProcess } from './offline-process.js';
import { portConflicts } from './port-owner.js';
import { DEMO_CLIENT, demoClientFor, demoPort } from './demo-client.js';
import { runSeed } from './seed-process.js';
import { waitForDiscovery } from './wait-for-discovery.js';

const { values: flags } = parseArgs({
  options: { 'in-memory': { type: 'boolean' }, watch: { type: 'boolean' }, verbose: { type: 'boolean' } },
});
const inMemory = flags['in-memory'] === true;
const ports = derivePorts();
const dataDir = `.local/${ports.web}`;
const env = { ...localEnvironment(ports), PORT: String(ports.web), LAMBDA_PORT: String(ports.lambda) };
const startedAt = Date.now();
const OSLS_NODE_OPTIONS = '--max-semi-space-size=2';

/** A progress line: what the start is doing or waiting for, with the time since it began. */
function step(text: string): void {
  console.log(`[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(5)} s] ${text}`);
}

let dynamo: DynamoDbLocal | undefined;
let kms: LocalKms | undefined;
let offline: OfflineProcess | undefined;
let stopping = false;
/** Set once discovery answers: from then on, osls exiting is a crash rather than a failed start. */
let ready = false;

async function stopEverything(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await Promise.allSettled([offline?.stop(), kms?.close(), dynamo?.stop()]);
    removePortsFile();
  }
  process.exit(code);
}

// Ctrl-C reaches Java directly too (same process group); osls has its own group, stopped here.
process.on('SIGINT', () => void stopEverything(0));
process.on('SIGTERM', () => void stopEverything(0));

async function startDatabase(): Promise<void> {
  dynamo = await startDynamoDbLocal({ port: ports.dynamodb, ...(inMemory ? {} : { dataDir: `${dataDir}/dynamodb` }) });
  step(`DynamoDB Local on ${dynamo.endpoint}`);
  kms = await startLocalKms({ port: ports.kms, aliases: [localKmsAlias], ...(inMemory ? {} : { dataFile: `${dataDir}/kms.json` }) });
  step(`local KMS on ${kms.url}; creating the tables`);
  await runSeed({ ...process.env, ...env }, step);
}

function launchOffline(): Promise<void> {
  return new Promise((resolve, reject) => {
    offline = startOffline({
      env: {
        ...process.env,
        ...env,
        OFFLINE_WATCH: flags.watch ? '1' : '0',
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
        // Small young-generation spaces: osls allocates in bursts at start-up and then mostly
        // idles, and V8's default 16 MB semi-spaces stay resident (about 20 MB less RSS).
        NODE_OPTIONS: [process.env.NODE_OPTIONS, OSLS_NODE_OPTIONS].filter(Boolean).join(' '),
      },
      verbose: flags.verbose === true,
      onListening: () => {
        step(`osls offline listens on ${ports.web}; waiting for discovery to answer`);
        resolve();
      },
      onExit: (code, tail) => {
        if (stopping) return;
        if (!ready) return reject(new Error(`osls offline exited (code ${code}) before it was ready:\n${tail}`));
        console.error(`osls offline exited (code ${code})`);
        void stopEverything(code ?? 1);
      },
    });
  });
}

function printWelcome(): void {
  const demo = demoClientFor(process.env);
  const issuer = env.ISSUER;
  console.log(`
Identity server is ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s (${inMemory ? 'in-memory, nothing is kept' : `data kept in ${dataDir}/`}).

  Home:           ${issuer}/
  Register:       ${issuer}/register
  Sign in:        ${issuer}/login
  Discovery:      ${issuer}/.well-known/openid-configuration
  JWKS:           ${issuer}/jwks

  Demo client:    client_id=${DEMO_CLIENT.clientId} (public, PKCE S256)
                  redirect_uri=${demo.redirectUris.join(' ')}
  Demo app:       npm run demo  (then open http://localhost:${demoPort(process.env)}/)

  Read mail:      npm run outbox -- <email>
  Keys:           npm run keys -- list
  Stop:           Ctrl-C
`);
}

try {
  const conflicts = await portConflicts(ports);
  if (conflicts.length > 0) {
    for (const line of conflicts) console.error(line);
    process.exit(1);
  }
  writePortsFile(ports);
  step(
    `starting DynamoDB Local (${ports.dynamodb}) and the local KMS (${ports.kms}), ` +
      `and bundling the functions for osls offline (${ports.web}) at the same time${flags.watch ? ', rebuilding on save' : ''}`,
  );
  const listening = launchOffline();
  await Promise.all([startDatabase(), listening]);
  await waitForDiscovery(`http://127.0.0.1:${ports.web}`, () => stopping);
  ready = true;
  offline?.relay();
  printWelcome();
} catch (error) {
  if (!stopping) {
    if (error instanceof JavaMissingError) console.error(`\n${error.message}\n`);
    else console.error('Could not start the local stack:', error instanceof Error ? error.message : error);
    await stopEverything(1);
  }
}
