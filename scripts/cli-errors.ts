/**
 * What the operator CLIs (`npm run keys|clients|outbox`) print when they fail: one line saying
 * what to do, never a stack trace or a bare ECONNREFUSED. Shared by the three CLIs.
 */
import { DependencyUnavailableError } from '../lib/errors.js';

export const LOCAL_STACK_DOWN = 'the local stack is not running: start it with `npm start`';

/** A wrong invocation: the message, then the usage of the command that was meant (exit code 2). */
export class UsageError extends Error {
  constructor(message: string, usage: string) {
    super(`${message}\n${usage}`);
    this.name = 'UsageError';
  }
}

/** The usage text of one command (`keys revoke`), or of all of them when none was recognised. */
export function usageOf(commands: Record<string, string>, command: string | undefined): string {
  const lines = command !== undefined && commands[command] !== undefined ? [commands[command]] : Object.values(commands);
  return `usage:\n${lines.map((line) => `  ${line}`).join('\n')}`;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
/** A refused connection may be rethrown as the cause of another error; a few levels bound the walk. */
const MAX_CAUSE_DEPTH = 5;

/**
 * True when the failure is an outage whose cause is a connection refused by a loopback address:
 * the local DynamoDB or KMS endpoint is not listening, i.e. `npm start` is not running. A
 * refused connection to AWS itself, or any other outage, is not this.
 */
export function isLocalStackDown(error: unknown): boolean {
  let outage = false;
  let current: unknown = error;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && current instanceof Error; depth++) {
    if (current instanceof DependencyUnavailableError) outage = true;
    else if (outage && refusedOnLoopback(current)) return true;
    current = current.cause;
  }
  return false;
}

function refusedOnLoopback(error: Error): boolean {
  // Node reports one refusal per address tried (127.0.0.1, ::1) inside an AggregateError.
  const attempts = error instanceof AggregateError ? error.errors : [error];
  return attempts.some((attempt: NodeJS.ErrnoException & { address?: string }) => attempt?.code === 'ECONNREFUSED' && LOOPBACK.has(attempt.address ?? ''));
}

/**
 * The CLI's own options that npm took for itself: `npm run clients add --id x` (without `--`)
 * hands the script `add x` and sets npm_config_id instead. Only under npm (npm_lifecycle_event).
 */
export function optionsTakenByNpm(optionNames: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.npm_lifecycle_event === undefined) return [];
  return optionNames.filter((name) => env[`npm_config_${name.replaceAll('-', '_')}`] !== undefined).map((name) => `--${name}`);
}

/**
 * Refuses to run with options npm took, saying how to pass them. `script` is the npm script
 * (`clients`), `argv` what reached the CLI, `usage` the usage of its command.
 */
export function assertNoOptionsTakenByNpm(script: string, argv: readonly string[], optionNames: readonly string[], usage: string, env: NodeJS.ProcessEnv = process.env): void {
  const taken = optionsTakenByNpm(optionNames, env);
  if (taken.length === 0) return;
  const example = `npm run ${script} -- ${argv[0] ?? '<command>'} ${taken[0]} ...`;
  throw new UsageError(`npm took ${taken.join(', ')} for itself: put \`--\` after the script name, as in \`${example}\``, usage);
}

/** The line a CLI prints for a failure. */
export function describeCliError(error: unknown): string {
  if (isLocalStackDown(error)) return LOCAL_STACK_DOWN;
  return error instanceof Error ? error.message : String(error);
}
