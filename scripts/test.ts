/**
 * `npm test`: one DynamoDB Local for the whole run (each test file still gets its own tables),
 * then Node's test runner over every test file. Files can also run alone: they start their own
 * DynamoDB Local when TEST_DYNAMODB_ENDPOINT is unset.
 *
 * The end-to-end files (test/e2e/) share one three-instance cluster (test/support/e2e-cluster.ts):
 * it builds while the other files run, two at a time; then the e2e files run one at a time on it.
 *
 * The browser tests need Debian's Chromium (or CHROMIUM_PATH): without it they are left out,
 * said so in the first line and counted as skipped in the last one. The last line counts
 * passed, failed and skipped tests from the runner's own report, so it never reads "fail 0"
 * above a failed run (a file that fails outside any test counts as a failure too).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startDynamoDbLocal } from './dynamodb-local.js';
import { QUIET_AWS_SDK } from './local-env.js';
import { startSharedE2eCluster } from '../test/support/e2e-cluster.js';
import type { OfflineCluster } from '../test/support/offline-cluster.js';
import { startTestStack, type TestStack } from '../test/support/stack.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Test files that drive Chromium. */
const BROWSER_TESTS = /browser\.test\.ts$/;
/** Test files that run against the shared multi-instance cluster (test/support/e2e-cluster.ts). */
const E2E_TESTS = /(^|\/)e2e\//;

function testFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return testFiles(path);
      return name.endsWith('.test.ts') ? [path] : [];
    })
    .sort();
}

const filter = process.argv.slice(2);
const selected = testFiles('test').filter((file) => filter.length === 0 || filter.some((f) => file.includes(f)));
const hasChromium = existsSync(CHROMIUM);
const skippedFiles = hasChromium ? [] : selected.filter((file) => BROWSER_TESTS.test(file));
const files = selected.filter((file) => !skippedFiles.includes(file));
if (skippedFiles.length > 0) {
  console.log(`# the browser tests need Debian's chromium: apt-get install -y chromium, or set CHROMIUM_PATH (skipping ${skippedFiles.join(', ')})`);
}

const dynamo = await startDynamoDbLocal();
const baseEnv = { ...process.env, ...QUIET_AWS_SDK, TEST_DYNAMODB_ENDPOINT: dynamo.endpoint };
const e2eFiles = files.filter((file) => E2E_TESTS.test(file));
const otherFiles = files.filter((file) => !E2E_TESTS.test(file));
const counts = { pass: 0, fail: 0, skipped: 0 };
const running = new Set<ChildProcess>();
const stopAll = () => running.forEach((child) => child.kill('SIGTERM'));
process.on('SIGINT', stopAll);
process.on('SIGTERM', stopAll);

// The shared cluster builds while the other files run; the e2e files then run one at a time on it.
process.env.TEST_DYNAMODB_ENDPOINT = dynamo.endpoint;
const shared = e2eFiles.length > 0 ? startE2eResources() : undefined;
shared?.catch(() => {}); // awaited below; a failure is reported there, not as an unhandled rejection
const codes = [otherFiles.length > 0 ? await runFiles(otherFiles, 2, baseEnv) : 0];
if (shared) codes.push(await runE2eFiles(shared));
await dynamo.stop();
const code = codes.find((c) => c !== 0) ?? 0;
// A run can fail with no failed test (a file that crashed before its tests, a runner error).
const failed = code !== 0 ? Math.max(counts.fail, 1) : counts.fail;
const skipped = [counts.skipped > 0 ? `${counts.skipped} skipped` : '', skippedFiles.length > 0 ? `${skippedFiles.length} browser file(s) not run: no Chromium` : '']
  .filter(Boolean)
  .join(', ');
console.log(`\n${counts.pass} passed, ${failed} failed${skipped ? `, ${skipped}` : ''}${code !== 0 && counts.fail === 0 ? ' (the runner exited 1: see the output above)' : ''}`);
process.exit(code || (process.exitCode ?? 0));

async function startE2eResources(): Promise<{ stack: TestStack; cluster: OfflineCluster; variables: Record<string, string> }> {
  const stack = await startTestStack();
  try {
    return { stack, ...(await startSharedE2eCluster(stack)) };
  } catch (error) {
    await stack.close();
    throw error;
  }
}

async function runE2eFiles(resources: ReturnType<typeof startE2eResources>): Promise<number> {
  let started;
  try {
    started = await resources;
  } catch (error) {
    console.log(`# the shared end-to-end cluster did not start: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  try {
    return await runFiles(e2eFiles, 1, { ...baseEnv, ...started.variables });
  } finally {
    await started.cluster.close();
    await started.stack.close();
    await reportLeftListening(started.cluster.instanceUrls);
  }
}

/** Nothing may be left listening after a run: the next run needs the machine clean. */
async function reportLeftListening(urls: readonly string[]): Promise<void> {
  for (const url of urls) {
    const answered = await fetch(`${url}/`, { signal: AbortSignal.timeout(2000) }).then(() => true, () => false);
    if (answered) {
      console.log(`# ${url} still answers after the shared cluster was closed`);
      process.exitCode = 1;
    }
  }
}

/** Node's test runner over `paths`; its summary lines (`# pass 12` in TAP, `ℹ pass 12` in spec) add to `counts`. */
async function runFiles(paths: string[], concurrency: number, env: NodeJS.ProcessEnv): Promise<number> {
  // The output passes through here (for the counts), so the runner sees a pipe: keep the reporter a terminal would get.
  const reporter = process.stdout.isTTY ? 'spec' : 'tap';
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', `--test-reporter=${reporter}`, `--test-concurrency=${concurrency}`, ...paths], {
    stdio: ['inherit', 'pipe', 'inherit'],
    // The SDK's Node 20 notice would print once per test process.
    env,
  });
  running.add(child);
  createInterface({ input: child.stdout! }).on('line', (line) => {
    process.stdout.write(`${line}\n`);
    const total = /^(?:# |ℹ )(pass|fail|skipped) (\d+)$/.exec(line);
    if (total) counts[total[1] as keyof typeof counts] += Number(total[2]);
  });
  const code: number = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
  running.delete(child);
  return code;
}
