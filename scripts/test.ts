/**
 * `npm test`: one DynamoDB Local for the whole run (each test file still gets its own tables),
 * then Node's test runner over every test file. Files can also run alone: they start their own
 * DynamoDB Local when TEST_DYNAMODB_ENDPOINT is unset.
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startDynamoDbLocal } from './dynamodb-local.js';

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
const files = testFiles('test').filter((file) => filter.length === 0 || filter.some((f) => file.includes(f)));
const dynamo = await startDynamoDbLocal();
const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], {
  stdio: 'inherit',
  env: { ...process.env, TEST_DYNAMODB_ENDPOINT: dynamo.endpoint },
});
const stopAll = () => child.kill('SIGTERM');
process.on('SIGINT', stopAll);
process.on('SIGTERM', stopAll);
const code: number = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
await dynamo.stop();
process.exit(code);
