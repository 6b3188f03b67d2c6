/**
 * `osls offline` as a child of `npm start`: started at once (it bundles the functions while
 * DynamoDB Local starts), quiet until it is ready unless asked to be verbose (its route table
 * is 75 lines), then relayed as it is (one line per request, handler errors).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';

/** serverless-offline's last line for an invocation: `(λ: discovery) RequestId: ... Duration: ...`. */
const INVOCATION_END = /RequestId: \S+\s+Duration:/;
/** Relay anyway after this long, should that line never come. */
const RELAY_AFTER_MS = 2000;

/** Kept to show what went wrong when osls stops before it is ready. */
const OUTPUT_TAIL_CHARS = 6000;

export interface OfflineOptions {
  env: NodeJS.ProcessEnv;
  /** Relay osls's output from the start (route table included), not only once it is ready. */
  verbose: boolean;
  /** Called once osls says its server listens. */
  onListening(): void;
  /** Called when osls exits on its own; not after `stop()`. */
  onExit(code: number | null, outputTail: string): void;
}

export interface OfflineProcess {
  pid: number | undefined;
  /**
   * From the end of the invocation under way on, osls's output goes to this process's stdout
   * and stderr: the readiness probe's own log lines would otherwise trail the welcome text.
   */
  relay(): void;
  stop(): Promise<void>;
}

export function startOffline(options: OfflineOptions): OfflineProcess {
  // The bin itself, not `npx osls`: npx would be one more Node process (~60 MB) for nothing.
  const bin = createRequire(import.meta.url).resolve('osls/bin/serverless.js');
  const child: ChildProcess = spawn(process.execPath, [bin, 'offline', '--stage', 'local'], {
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so that stop() reaches esbuild and the worker threads' children too.
    detached: true,
  });
  let relaying = options.verbose;
  let relayAfterInvocation = false;
  let stopping = false;
  let tail = '';
  let listening = false;
  const capture = (chunk: Buffer, stream: NodeJS.WriteStream) => {
    if (stopping) return;
    const text = chunk.toString();
    tail = (tail + text).slice(-OUTPUT_TAIL_CHARS);
    if (relaying) stream.write(text);
    else if (relayAfterInvocation && INVOCATION_END.test(text)) relaying = true;
    if (!listening && text.includes('Server ready')) {
      listening = true;
      options.onListening();
    }
  };
  child.stdout?.on('data', (chunk: Buffer) => capture(chunk, process.stdout));
  child.stderr?.on('data', (chunk: Buffer) => capture(chunk, process.stderr));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code) => {
    if (!stopping) options.onExit(code, tail);
  });

  return {
    pid: child.pid,
    relay() {
      relayAfterInvocation = true;
      setTimeout(() => (relaying = true), RELAY_AFTER_MS).unref();
    },
    async stop() {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      signalGroup(child, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}
