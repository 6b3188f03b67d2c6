/**
 * The four ports of a local stack, all derived from PORT so that a second stack needs one
 * variable (`PORT=4000 npm start`), each overridable on its own. A running stack writes its
 * ports to .local/ports.json, where the operator CLIs find them when PORT is not set.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface LocalPorts {
  /** The identity server (`osls offline`'s HTTP port): PORT, 3000 by default. */
  web: number;
  /** serverless-offline's Lambda invoke endpoint: LAMBDA_PORT, or PORT + 2. */
  lambda: number;
  /** DynamoDB Local: LOCAL_DYNAMODB_PORT, or PORT + 5100 (8100 beside 3000). */
  dynamodb: number;
  /** The local KMS endpoint: LOCAL_KMS_PORT, or PORT + 1599 (4599 beside 3000). */
  kms: number;
}

/** The variable that sets each port, for messages. */
export const PORT_VARIABLES: Record<keyof LocalPorts, string> = {
  web: 'PORT',
  lambda: 'LAMBDA_PORT',
  dynamodb: 'LOCAL_DYNAMODB_PORT',
  kms: 'LOCAL_KMS_PORT',
};

export const PORT_NAMES: Record<keyof LocalPorts, string> = {
  web: 'the identity server',
  lambda: "serverless-offline's Lambda endpoint",
  dynamodb: 'DynamoDB Local',
  kms: 'the local KMS endpoint',
};

const DEFAULT_WEB_PORT = 3000;
const OFFSETS = { lambda: 2, dynamodb: 5100, kms: 1599 } as const;

export const PORTS_FILE = '.local/ports.json';

export function derivePorts(env: NodeJS.ProcessEnv = process.env): LocalPorts {
  const web = portFrom(env, 'PORT') ?? DEFAULT_WEB_PORT;
  return {
    web,
    lambda: portFrom(env, 'LAMBDA_PORT') ?? web + OFFSETS.lambda,
    dynamodb: portFrom(env, 'LOCAL_DYNAMODB_PORT') ?? web + OFFSETS.dynamodb,
    kms: portFrom(env, 'LOCAL_KMS_PORT') ?? web + OFFSETS.kms,
  };
}

/**
 * The ports a CLI should use: the environment's when it names any, else those of the stack
 * running now (ports.json), else the defaults.
 */
export function portsForCli(env: NodeJS.ProcessEnv = process.env, file = PORTS_FILE): LocalPorts {
  if (Object.values(PORT_VARIABLES).some((name) => env[name])) return derivePorts(env);
  return readPortsFile(file) ?? derivePorts(env);
}

export function writePortsFile(ports: LocalPorts, file = PORTS_FILE): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ ...ports, pid: process.pid }, null, 2)}\n`);
}

/** Removes the file only if this process wrote it: a second stack may have written its own since. */
export function removePortsFile(file = PORTS_FILE): void {
  try {
    if ((JSON.parse(readFileSync(file, 'utf8')) as { pid?: number }).pid === process.pid) rmSync(file, { force: true });
  } catch {
    // Not there, or not ours to judge: leave it.
  }
}

function readPortsFile(file: string): LocalPorts | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalPorts> & { pid?: number };
    // A stack that died without cleaning up leaves a stale file: its ports mean nothing now.
    if (typeof stored.pid !== 'number' || !isAlive(stored.pid)) return undefined;
    const ports = { web: stored.web, lambda: stored.lambda, dynamodb: stored.dynamodb, kms: stored.kms };
    return Object.values(ports).every(isPort) ? (ports as LocalPorts) : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function portFrom(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  const port = Number(text);
  if (!isPort(port)) throw new Error(`${name} must be a port number (1-65535), got "${text}"`);
  return port;
}

function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value < 65536;
}
