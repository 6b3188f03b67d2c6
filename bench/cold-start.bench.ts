/**
 * Cold start of each bundled function: whole-process time of `node` loading the bundle (module
 * scope runs: config, clients), against a reference bundle in the same run that only imports
 * and constructs the same AWS SDK clients and jose, and against `node -e 0`. Bundles are built
 * with the esbuild options from serverless.yml, so they are what Lambda would load.
 */
import { build, type Metafile } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { load as parseYaml } from 'js-yaml';

const OUT = resolve('bench/.out/cold-start');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);

interface ServerlessFile {
  functions: Record<string, { handler: string }>;
  custom: { esbuild: { minify: boolean; target: string; banner: { js: string } } };
}
const serverless = parseYaml(readFileSync('serverless.yml', 'utf8')) as ServerlessFile;
const esbuildOptions = serverless.custom.esbuild;

const referenceSource = `
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import * as jose from 'jose';
const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const kms = new KMSClient({ region: 'us-east-1' });
globalThis.__keep = [dynamo, kms, jose.SignJWT];
export const handler = async () => ({ statusCode: 200 });
`;

// What a function's module scope needs to load; no network is touched at init.
const env: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  ISSUER: 'https://id.example.com',
  KEYS_TABLE: 'k',
  CACHE_TABLE: 'c',
  DIRECTORY_TABLE: 'd',
  KMS_KEY_ID: 'alias/bench',
};

async function bundle(name: string, entry: { path: string } | { contents: string }): Promise<{ file: string; bytes: number; clients: string[] }> {
  const outfile = join(OUT, `${name}.mjs`);
  const result = await build({
    ...('path' in entry ? { entryPoints: [entry.path] } : { stdin: { contents: entry.contents, resolveDir: process.cwd(), loader: 'ts' } }),
    bundle: true,
    minify: esbuildOptions.minify,
    target: esbuildOptions.target,
    platform: 'node',
    format: 'esm',
    banner: esbuildOptions.banner,
    outfile,
    metafile: true,
    logLevel: 'error',
  });
  return { file: outfile, bytes: statSync(outfile).size, clients: sdkClients(result.metafile) };
}

function sdkClients(metafile: Metafile): string[] {
  const names = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /node_modules\/@aws-sdk\/(client-[a-z0-9-]+)\//.exec(input);
    if (match?.[1]) names.add(match[1]);
  }
  return [...names].sort();
}

function timeProcess(args: string[]): number {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    const run = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    if (run.status !== 0) throw new Error(`${args.join(' ')} failed: ${run.stderr.toString().slice(0, 500)}`);
    samples.push(elapsed);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

mkdirSync(OUT, { recursive: true });
const loader = join(OUT, 'load.mjs');
// Importing the bundle runs its module scope, which is what a Lambda cold start pays.
writeFileSync(loader, 'await import(process.argv[2]);\n');

const bare = timeProcess(['-e', '0']);
const reference = await bundle('reference', { contents: referenceSource });
const referenceMs = timeProcess([loader, reference.file]);
const referenceOverBare = referenceMs - bare;

console.log(`node -e 0 (median of ${RUNS}): ${bare.toFixed(1)} ms`);
console.log(`reference bundle (SDK clients + jose): ${referenceMs.toFixed(1)} ms, +${referenceOverBare.toFixed(1)} ms over node -e 0, ${(reference.bytes / 1024).toFixed(0)} KB`);
console.log('');
console.log('function         size KB   cold ms   over node   vs reference   AWS clients bundled');
for (const [name, fn] of Object.entries(serverless.functions)) {
  const entryPath = `${fn.handler.replace(/\.[^.]+$/, '')}.ts`;
  const built = await bundle(name, { path: entryPath });
  const ms = timeProcess([loader, built.file]);
  const over = ms - bare;
  const ratio = over / referenceOverBare;
  console.log(
    `${name.padEnd(16)} ${(built.bytes / 1024).toFixed(0).padStart(7)} ${ms.toFixed(1).padStart(9)} ${over.toFixed(1).padStart(11)} ${`${(ratio * 100).toFixed(0)}%`.padStart(14)}   ${built.clients.join(', ') || '-'}`,
  );
}
console.log('\nTarget: a function that needs the SDK clients adds at most 15% over the reference; one that needs none stays well under it.');
