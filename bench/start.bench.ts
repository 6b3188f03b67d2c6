/**
 * `npm start` from the user's side: time until discovery answers and the memory (RSS) of every
 * process it runs, on a first start (empty data folder) and a second one (tables and keys kept),
 * beside a bare DynamoDB Local started in the same run with Amazon's documented command. Each
 * start ends with Ctrl-C (SIGINT to the process group, as a terminal sends it), which must
 * leave nothing running and print no exit complaint.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dynamoDbLocalArgs, jarDirectory } from '../scripts/dynamodb-local.js';
import { derivePorts, type LocalPorts } from '../scripts/local-ports.js';
import { isListening } from '../scripts/port-owner.js';
import { waitForDiscovery } from '../scripts/wait-for-discovery.js';

interface ProcessMemory {
  pid: number;
  rssMb: number;
  command: string;
}

/** Every live descendant of `root` (and root itself), from /proc. */
function processTree(root: number): ProcessMemory[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command may hold spaces and parentheses: the fields follow the last ')'.
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Gone meanwhile.
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const [pid, parent] of parents) if (parent === tree[i]) tree.push(pid);
  return tree.flatMap((pid) => {
    try {
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      return rss ? [{ pid, rssMb: Number(rss[1]) / 1024, command }] : [];
    } catch {
      return [];
    }
  });
}

/** A short label for a process of the stack. */
function label(command: string): string {
  if (command.startsWith('sh -c')) return 'sh (npm script shell)';
  if (command.includes('DynamoDBLocal.jar')) return 'java (DynamoDB Local)';
  if (command.includes('osls/bin/serverless.js')) return 'osls offline';
  if (command.includes('scripts/start.ts')) return 'node scripts/start.ts (local KMS)';
  if (command.includes('esbuild')) return 'esbuild service (tsx)';
  if (/^npm\b/.test(command)) return 'npm';
  return command.slice(0, 40);
}

function printMemory(processes: ProcessMemory[]): number {
  const total = processes.reduce((sum, p) => sum + p.rssMb, 0);
  for (const p of processes) console.log(`    ${p.rssMb.toFixed(0).padStart(5)} MB  ${label(p.command)}`);
  console.log(`    ${total.toFixed(0).padStart(5)} MB  total`);
  return total;
}

/** A PORT whose derived ports (web, Lambda, DynamoDB Local, KMS) are all free. */
async function freeStackPorts(): Promise<LocalPorts> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const ports = derivePorts({ PORT: String(20000 + Math.floor(Math.random() * 8000)) });
    const taken = await Promise.all(Object.values(ports).map((port) => isListening(port)));
    if (!taken.some(Boolean)) return ports;
  }
  throw new Error('no free set of ports');
}

async function bareDynamoDbLocal(): Promise<{ readyMs: number; rssMb: number }> {
  const { dynamodb: port } = await freeStackPorts();
  const jarDir = jarDirectory();
  const started = Date.now();
  const java = spawn('java', dynamoDbLocalArgs(jarDir, port, ['-inMemory'], []), { cwd: jarDir, stdio: 'ignore' });
  for (;;) {
    try {
      await fetch(`http://127.0.0.1:${port}`, { method: 'POST', signal: AbortSignal.timeout(1000) });
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const readyMs = Date.now() - started;
  const rssMb = processTree(java.pid!)[0]?.rssMb ?? NaN;
  const exited = new Promise((r) => java.once('exit', r));
  java.kill('SIGTERM');
  await exited;
  return { readyMs, rssMb };
}

async function npmStart(ports: LocalPorts, workFolder: string): Promise<{ readyMs: number; rssMb: number; stopMs: number }> {
  const started = Date.now();
  const child = spawn('npm', ['start'], {
    env: { ...process.env, PORT: String(ports.web), ESBUILD_WORK_FOLDER: workFolder },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? `code ${code}`)));
  await waitForDiscovery(`http://127.0.0.1:${ports.web}`, () => child.exitCode !== null);
  const readyMs = Date.now() - started;
  // The welcome text follows the first answer by a moment; memory is read once it is out.
  while (!output.includes('Identity server is ready') && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
  const rssMb = printMemory(processTree(child.pid!));
  const stopping = Date.now();
  process.kill(-child.pid!, 'SIGINT');
  // npm itself dies of the SIGINT, as it does in a terminal; the script must exit 0 behind it.
  const exit = await exited;
  // Whatever Ctrl-C left behind would still hold a port.
  for (const port of Object.values(ports)) if (await isListening(port)) throw new Error(`port ${port} still taken after Ctrl-C`);
  if (/exited|Could not start|ERR/.test(output) || !['SIGINT', 'code 0'].includes(exit)) throw new Error(`npm start did not stop cleanly (${exit}):\n${output}`);
  return { readyMs, rssMb, stopMs: Date.now() - stopping };
}

const load = () => loadavg().map((n) => n.toFixed(2)).join(' ');
console.log(`load average before: ${load()} (2 cores: timings are pessimistic above ~2)`);
const bare = await bareDynamoDbLocal();
const ports = await freeStackPorts();
const workFolder = `.esbuild-bench-${process.pid}`;
const dataDir = `.local/${ports.web}`;
try {
  rmSync(dataDir, { recursive: true, force: true });
  console.log(`\nnpm start, first start (PORT=${ports.web}, empty ${dataDir}):`);
  const first = await npmStart(ports, workFolder);
  console.log(`\nnpm start, second start (tables and keys kept):`);
  const second = await npmStart(ports, workFolder);
  console.log(`\n${'what'.padEnd(44)} ${'ready'.padStart(8)} ${'RSS'.padStart(8)}  vs bare DynamoDB Local`);
  const row = (what: string, ms: number, mb: number) =>
    console.log(`${what.padEnd(44)} ${`${(ms / 1000).toFixed(1)} s`.padStart(8)} ${`${mb.toFixed(0)} MB`.padStart(8)}  ${(ms / bare.readyMs).toFixed(1)}x`);
  row('bare DynamoDB Local (java -jar, in memory)', bare.readyMs, bare.rssMb);
  row('npm start, first (discovery answers)', first.readyMs, first.rssMb);
  row('npm start, second', second.readyMs, second.rssMb);
  console.log(`Ctrl-C stopped everything in ${(first.stopMs / 1000).toFixed(1)} s and ${(second.stopMs / 1000).toFixed(1)} s`);
  console.log(`load average after: ${load()}`);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(workFolder, { recursive: true, force: true });
}
