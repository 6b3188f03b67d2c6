/**
 * The memory Lambda bills each function for, read from serverless.yml (the function's own
 * `memorySize`, else the provider's), found by the file its `handler` names. The prices assume
 * arm64, so the architecture is checked too.
 */
import { readFileSync } from 'node:fs';
import { load as parseYaml } from 'js-yaml';
import type { FunctionName } from '../flow-calls.js';

interface ServerlessFile {
  provider: { architecture?: string; memorySize?: number };
  functions: Record<string, { handler: string; memorySize?: number }>;
}

export function functionMemoryMb(path = 'serverless.yml'): (fn: FunctionName) => number {
  const serverless = parseYaml(readFileSync(path, 'utf8')) as ServerlessFile;
  if (serverless.provider.architecture !== 'arm64') throw new Error(`${path}: the prices are for arm64, the provider says ${serverless.provider.architecture ?? 'x86_64'}`);
  return (fn) => {
    const entry = Object.values(serverless.functions).find((candidate) => candidate.handler === `functions/${fn}.handler`);
    const memoryMb = entry?.memorySize ?? serverless.provider.memorySize;
    if (entry === undefined || memoryMb === undefined) throw new Error(`${path}: no function with handler functions/${fn}.handler, or no memorySize`);
    return memoryMb;
  };
}
