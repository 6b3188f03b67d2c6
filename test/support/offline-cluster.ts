/**
 * Several independent `osls offline` processes behind a round-robin proxy: the end-to-end shape
 * of "many Lambda instances, no affinity". Nothing is shared between the instances except what
 * production shares: DynamoDB (Local) and KMS (the local endpoint). The issuer is the proxy's
 * URL, as it would be the load balancer's in production.
 *
 * Each instance builds its own bundle in its own esbuild work folder (`.esbuild-e2e-<id>-<n>`,
 * removed again by `close()`), so the builds can run side by side, and writes its output to
 * `test-artifacts/offline/<id>-<n>.log`.
 *
 * The instances see the environment `serverless.yml` renders (`provider.environment`), not
 * this process's: a name it takes from the stage rather than `${env:...}` (table names, the
 * KMS alias) cannot be pointed at the test stack's resources. So the cluster renders those
 * values the same way and makes them exist: tables of those names in the stack's DynamoDB Local,
 * and, when the alias is not the stack's, a local KMS endpoint of its own that has it.
 * `cluster.config` is what the instances run with; read their tables (outbox, users) with it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, rmSync, type WriteStream } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { load as parseYaml } from 'js-yaml';
import { loadConfig, type Config } from '../../lib/config.js';
import { freePort } from '../../scripts/dynamodb-local.js';
import { startLocalKms, type LocalKms } from '../../scripts/local-kms.js';
import { createTables } from '../../scripts/tables.js';
import { startRoundRobinProxy, type RoundRobinProxy } from './round-robin-proxy.js';
import type { TestStack } from './stack.js';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const OSLS_BIN = join(PROJECT_ROOT, 'node_modules/osls/bin/serverless.js');
export const ARTIFACTS_DIR = join(PROJECT_ROOT, 'test-artifacts');
const READINESS_PATH = '/.well-known/openid-configuration';
const LOG_TAIL_CHARS = 4000;

export interface OfflineClusterOptions {
  stack: TestStack;
  instances?: number;
  /** Extra environment for every instance (wins over the stack's). */
  env?: Record<string, string>;
  /** How long all instances together may take to answer; 180 s by default (2 cores, parallel builds). */
  startupTimeoutMs?: number;
  /**
   * Enforce the functions' Lambda timeouts (serverless.yml `timeout`). Off by default: on a busy
   * two-core machine a cold start of three instances' bundles can exceed 10 s, and
   * serverless-offline then answers 200 with a JSON error, which no test means to exercise.
   * Clients put their own bound on every request instead.
   */
  lambdaTimeouts?: boolean;
}

export interface OfflineCluster {
  /** Base URL of each instance, `http://127.0.0.1:<port>`, by index. */
  instanceUrls: string[];
  /** Process id of each instance, by index (the soak benchmark reads their memory). */
  pids: number[];
  /** The load balancer, `http://localhost:<port>`: also the issuer. */
  proxyUrl: string;
  proxy: RoundRobinProxy;
  /** The environment the handlers run with (serverless.yml's `provider.environment` as rendered for this cluster). */
  env: Record<string, string>;
  /** `loadConfig(env)`: the tables and settings the instances use. */
  config: Config;
  /** The KMS endpoint the instances use (the stack's, or the cluster's own; see the file comment). */
  kms: LocalKms;
  logFiles: string[];
  /** Wall-clock time from spawning the first process to the last instance answering. */
  startupMs: number;
  close(): Promise<void>;
}

interface Instance {
  index: number;
  url: string;
  child: ChildProcess;
  logFile: string;
  log: WriteStream;
  output: { tail: string };
  workFolder: string;
}

export async function startOfflineCluster(options: OfflineClusterOptions): Promise<OfflineCluster> {
  const { stack } = options;
  const count = options.instances ?? 3;
  const id = randomBytes(4).toString('hex');
  const stage = `e2e${id}`;
  const proxy = await startRoundRobinProxy();
  const cleanups: (() => Promise<void>)[] = [() => proxy.close()];
  const instances: Instance[] = [];
  const closeAll = async () => {
    unregisterExitHook(instances);
    await Promise.all(instances.map(stopInstance));
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };

  try {
    const overrides = { ...stack.env, ...options.env, ISSUER: proxy.url };
    const rendered = renderProviderEnvironment(stage, overrides);
    const kms = await provideResources(stack, rendered, cleanups);
    const env: Record<string, string> = { ...overrides, ...rendered, KMS_ENDPOINT: kms.url };
    // Render again now that the endpoint is known, so `env` is exactly what the handlers get.
    Object.assign(env, renderProviderEnvironment(stage, { ...overrides, KMS_ENDPOINT: kms.url }));

    const logDir = join(ARTIFACTS_DIR, 'offline');
    mkdirSync(logDir, { recursive: true });
    const started = Date.now();
    for (let index = 0; index < count; index++) {
      const port = await freePort();
      const lambdaPort = await freePort();
      const workFolder = `.esbuild-e2e-${id}-${index}`;
      const logFile = join(logDir, `${id}-${index}.log`);
      const log = createWriteStream(logFile);
      const childEnv: NodeJS.ProcessEnv = {
        ...process.env,
        ...overrides,
        KMS_ENDPOINT: kms.url,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        PORT: String(port),
        LAMBDA_PORT: String(lambdaPort),
        ESBUILD_WORK_FOLDER: workFolder,
        // Edits elsewhere in the tree must not rebuild a running test cluster.
        ESBUILD_WATCH_PATTERN: 'no-watch-during-tests',
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
        FORCE_COLOR: '0',
      };
      // Inherited from `node --test`; the servers are not test processes.
      delete childEnv.NODE_TEST_CONTEXT;
      const args = [OSLS_BIN, 'offline', '--stage', stage, '--host', '127.0.0.1', ...(options.lambdaTimeouts ? [] : ['--noTimeout'])];
      const child = spawn(process.execPath, args, {
        cwd: PROJECT_ROOT,
        env: childEnv,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const output = { tail: '' };
      const capture = (chunk: Buffer) => {
        log.write(chunk);
        output.tail = (output.tail + chunk.toString()).slice(-LOG_TAIL_CHARS);
      };
      child.stdout?.on('data', capture);
      child.stderr?.on('data', capture);
      instances.push({ index, url: `http://127.0.0.1:${port}`, child, logFile, log, output, workFolder });
    }
    registerExitHook(instances);

    const deadline = started + (options.startupTimeoutMs ?? 180_000);
    await Promise.all(instances.map((instance) => waitUntilReady(instance, deadline)));
    const startupMs = Date.now() - started;
    proxy.setTargets(instances.map((i) => i.url));

    return {
      instanceUrls: instances.map((i) => i.url),
      pids: instances.map((i) => i.child.pid!),
      proxyUrl: proxy.url,
      proxy,
      env,
      config: loadConfig(env),
      kms,
      logFiles: instances.map((i) => i.logFile),
      startupMs,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/**
 * `provider.environment` of serverless.yml as osls would render it for `stage` with `env` as the
 * process environment. Supports the variable sources that file uses: `self:`, `sls:stage`,
 * `opt:stage` and `env:`, with defaults.
 */
export function renderProviderEnvironment(stage: string, env: Record<string, string | undefined>): Record<string, string> {
  const doc = parseYaml(readFileSync(join(PROJECT_ROOT, 'serverless.yml'), 'utf8')) as Record<string, unknown>;
  const provider = (doc.provider ?? {}) as { environment?: Record<string, unknown> };
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(provider.environment ?? {})) {
    out[name] = resolveVariables(String(value), doc, stage, env);
  }
  return out;
}

function resolveVariables(text: string, doc: Record<string, unknown>, stage: string, env: Record<string, string | undefined>): string {
  // Innermost first: a variable without `${` inside it.
  const innermost = /\$\{([^${}]*)\}/;
  for (let guard = 0; guard < 50; guard++) {
    const match = innermost.exec(text);
    if (!match) return text;
    const body = match[1]!;
    const comma = body.indexOf(',');
    const address = (comma < 0 ? body : body.slice(0, comma)).trim();
    const fallback = comma < 0 ? undefined : unquote(body.slice(comma + 1).trim());
    let value: string | undefined;
    if (address === 'sls:stage' || address === 'opt:stage') value = stage;
    else if (address.startsWith('env:')) value = env[address.slice(4)] || undefined;
    else if (address.startsWith('self:')) {
      const found = address
        .slice(5)
        .split('.')
        .reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), doc);
      value = found === undefined ? undefined : String(found);
    } else throw new Error(`serverless.yml: variable source not supported by the e2e cluster: \${${body}}`);
    if (value === undefined) value = fallback;
    if (value === undefined) throw new Error(`serverless.yml: \${${body}} has no value for the e2e cluster`);
    text = text.slice(0, match.index) + value + text.slice(match.index + match[0].length);
  }
  throw new Error(`serverless.yml: variables nest too deeply in ${text}`);
}

function unquote(text: string): string {
  const quoted = /^'(.*)'$|^"(.*)"$/.exec(text);
  return quoted ? (quoted[1] ?? quoted[2] ?? '') : text;
}

/**
 * Makes the tables and the KMS alias the rendered environment names exist. Returns the KMS
 * endpoint that has the alias.
 */
async function provideResources(
  stack: TestStack,
  rendered: Record<string, string>,
  cleanups: (() => Promise<void>)[],
): Promise<LocalKms> {
  const tables = { keys: rendered.KEYS_TABLE ?? '', cache: rendered.CACHE_TABLE ?? '', directory: rendered.DIRECTORY_TABLE ?? '' };
  const sameTables =
    tables.keys === stack.env.KEYS_TABLE && tables.cache === stack.env.CACHE_TABLE && tables.directory === stack.env.DIRECTORY_TABLE;
  if (!sameTables) {
    const raw = new DynamoDBClient({
      region: stack.config.region,
      endpoint: stack.dynamodbEndpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      await createTables(raw, tables);
    } finally {
      raw.destroy();
    }
  }
  const alias = rendered.KMS_KEY_ID ?? '';
  if (alias === stack.env.KMS_KEY_ID && rendered.KMS_ENDPOINT === stack.kms.url) return stack.kms;
  const kms = await startLocalKms({ port: 0, aliases: [alias] });
  cleanups.push(() => kms.close());
  return kms;
}

async function waitUntilReady(instance: Instance, deadline: number): Promise<void> {
  const exited = new Promise<never>((_, reject) => {
    instance.child.once('exit', (code, signal) =>
      reject(new Error(`offline instance ${instance.index} exited (${signal ?? `code ${code}`}) before it was ready`)),
    );
  });
  exited.catch(() => {});
  while (Date.now() < deadline) {
    try {
      const answer = await Promise.race([fetch(instance.url + READINESS_PATH, { signal: AbortSignal.timeout(2000) }), exited]);
      await answer.body?.cancel();
      if (answer.status === 200) return;
    } catch (error) {
      if (instance.child.exitCode !== null || instance.child.signalCode !== null) throw startupFailure(instance, error);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw startupFailure(instance, new Error(`not ready within the startup timeout`));
}

function startupFailure(instance: Instance, cause: unknown): Error {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new Error(
    `offline instance ${instance.index} (${instance.url}) failed to start: ${reason}\n` +
      `log: ${instance.logFile}\n--- last output ---\n${instance.output.tail}`,
  );
}

async function stopInstance(instance: Instance): Promise<void> {
  const { child } = instance;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  // Worker threads or grandchildren that outlived the leader.
  killGroup(child, 'SIGKILL');
  await new Promise<void>((r) => instance.log.end(() => r()));
  rmSync(join(PROJECT_ROOT, instance.workFolder), { recursive: true, force: true });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

// If the test process ends without close() (a crash, Ctrl-C, the runner's timeout), take the
// servers down with it rather than leave them listening.
const live = new Set<Instance>();
let hooked = false;

function registerExitHook(instances: Instance[]): void {
  for (const instance of instances) live.add(instance);
  if (hooked) return;
  hooked = true;
  process.once('exit', killLive);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killLive();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

function unregisterExitHook(instances: Instance[]): void {
  for (const instance of instances) live.delete(instance);
}

function killLive(): void {
  for (const instance of live) killGroup(instance.child, 'SIGKILL');
  live.clear();
}
