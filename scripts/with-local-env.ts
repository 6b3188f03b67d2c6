/**
 * Runs an operator CLI against the local stack by default: the one running now (its ports in
 * .local/ports.json) unless PORT or a LOCAL_*_PORT names another. With STAGE set to a deployed
 * stage, the environment is used as given (table names, KMS_KEY_ID and AWS credentials from the
 * shell).
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { localEnvironment, targetsLocalStack } from './local-env.js';
import { portsForCli } from './local-ports.js';

const [script, ...args] = process.argv.slice(2);
if (!script) {
  console.error('usage: tsx scripts/with-local-env.ts <script> [args...]');
  process.exit(2);
}
if (targetsLocalStack()) {
  for (const [name, value] of Object.entries(localEnvironment(portsForCli()))) process.env[name] ??= value;
}
process.argv = [process.argv[0]!, resolve(script), ...args];
await import(pathToFileURL(resolve(script)).href);
