/**
 * Runs scripts/seed.ts in a process of its own and reports each line it prints as a step of the
 * start-up (see that file for why it is a process).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SEED_SCRIPT = fileURLToPath(new URL('./seed.ts', import.meta.url));

export function runSeed(env: NodeJS.ProcessEnv, report: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SEED_SCRIPT], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let errors = '';
    createInterface({ input: child.stdout }).on('line', report);
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`seeding failed (${signal ?? `code ${code}`}): ${errors.trim()}`));
    });
  });
}
