/**
 * `npm test`: one DynamoDB Local for the whole run (each test file still gets its own tables),
 * then Node's test runner over every test file. Files can also run alone: they start their own
 * DynamoDB Local when TEST_DYNAMODB_ENDPOINT is unset.
 *
 * The browser tests need Debian's Chromium (or CHROMIUM_PATH): without it they are left out,
 * said so in the first line and counted as skipped in the last one. The last line counts
 * passed, failed and skipped tests from the runner's own report, so it never reads "fail 0"
 * above a failed run (a file that fails outside any test counts as a failure too).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startDynamoDbLocal } from './dynamodb-local.js';
import { QUIET_AWS_SDK } from './local-env.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Test files that drive Chromium. */
const BROWSER_TESTS = /browser\.test\.ts$/;

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
// The output passes through here (for the counts), so the runner sees a pipe: keep the reporter a terminal would get.
const reporter = process.stdout.isTTY ? 'spec' : 'tap';
const child = spawn(process.execPath, ['--import', 'tsx', '--test', `--test-reporter=${reporter}`, '--test-concurrency=2', ...files], {
  stdio: ['inherit', 'pipe', 'inherit'],
  // The SDK's Node 20 notice would print once per test process.
  env: { ...process.env, ...QUIET_AWS_SDK, TEST_DYNAMODB_ENDPOINT: dynamo.endpoint },
});
const counts = { pass: 0, fail: 0, skipped: 0 };
// The runner's summary (`# pass 12` in TAP, `ℹ pass 12` in spec) counts tests; take its figures as they go by.
createInterface({ input: child.stdout! }).on('line', (line) => {
  process.stdout.write(`${line}\n`);
  const total = /^(?:# |ℹ )(pass|fail|skipped) (\d+)$/.exec(line);
  if (total) counts[total[1] as keyof typeof counts] = Number(total[2]);
});
const stopAll = () => child.kill('SIGTERM');
process.on('SIGINT', stopAll);
process.on('SIGTERM', stopAll);
const code: number = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
await dynamo.stop();
// A run can fail with no failed test (a file that crashed before its tests, a runner error).
const failed = code !== 0 ? Math.max(counts.fail, 1) : counts.fail;
const skipped = [counts.skipped > 0 ? `${counts.skipped} skipped` : '', skippedFiles.length > 0 ? `${skippedFiles.length} browser file(s) not run: no Chromium` : '']
  .filter(Boolean)
  .join(', ');
console.log(`\n${counts.pass} passed, ${failed} failed${skipped ? `, ${skipped}` : ''}${code !== 0 && counts.fail === 0 ? ' (the runner exited 1: see the output above)' : ''}`);
process.exit(code);
