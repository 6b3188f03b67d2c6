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

/**
 * The reference for a set of clients: a bundle that only imports and constructs those SDK
 * clients (the DynamoDB one as a document client, as the functions do) and jose.
 */
const CLIENT_CONSTRUCTION: Record<string, string> = {
  'client-dynamodb':
    "import { DynamoDBClient } from '@aws-sdk/client-dynamodb'; import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'; keep.push(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })));",
  'client-kms': "import { KMSClient } from '@aws-sdk/client-kms'; keep.push(new KMSClient({ region: 'us-east-1' }));",
  'client-sesv2': "import { SESv2Client } from '@aws-sdk/client-sesv2'; keep.push(new SESv2Client({ region: 'us-east-1' }));",
};

function referenceSource(clients: readonly string[]): string {
  return [
    "import * as jose from 'jose';",
    'const keep = [jose.SignJWT]; globalThis.__keep = keep;',
    ...clients.map((client) => CLIENT_CONSTRUCTION[client] ?? `throw new Error('no reference for ${client}')`),
    'export const handler = async () => ({ statusCode: 200 });',
  ].join('\n');
}

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

function runOnce(args: string[]): number {
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0) throw new Error(`${args.join(' ')} failed: ${run.stderr.toString().slice(0, 500)}`);
  return elapsed;
}

/**
 * Median whole-process time of each command. Rounds interleave the commands, so background
 * load on this shared machine lands on the baselines and the functions alike.
 */
function medians(commands: Record<string, string[]>): Record<string, number> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
  for (let round = 0; round < RUNS; round++) {
    for (const [name, args] of Object.entries(commands)) samples[name]!.push(runOnce(args));
  }
  return Object.fromEntries(
    Object.entries(samples).map(([name, values]) => {
      values.sort((a, b) => a - b);
      return [name, values[Math.floor(values.length / 2)]!];
    }),
  );
}

mkdirSync(OUT, { recursive: true });
const loader = join(OUT, 'load.mjs');
// Importing the bundle runs its module scope, which is what a Lambda cold start pays.
writeFileSync(loader, 'await import(process.argv[2]);\n');

const built: Record<string, Awaited<ReturnType<typeof bundle>>> = {};
for (const [name, fn] of Object.entries(serverless.functions)) {
  built[name] = await bundle(name, { path: `${fn.handler.replace(/\.[^.]+$/, '')}.ts` });
}
const clientSets = [...new Set(Object.values(built).map((b) => b.clients.join('+')))].filter((set) => set !== '');
const references: Record<string, Awaited<ReturnType<typeof bundle>>> = {};
for (const set of clientSets) references[set] = await bundle(`reference-${set}`, { contents: referenceSource(set.split('+')) });

const timings = medians({
  bare: ['-e', '0'],
  ...Object.fromEntries(Object.entries(references).map(([set, b]) => [`ref:${set}`, [loader, b.file]])),
  ...Object.fromEntries(Object.entries(built).map(([name, b]) => [`fn:${name}`, [loader, b.file]])),
});
const bare = timings.bare!;

console.log(`node -e 0 (median of ${RUNS}, rounds interleaved): ${bare.toFixed(1)} ms\n`);
console.log('reference (only the SDK clients + jose)        size KB   cold ms   over node');
for (const [set, b] of Object.entries(references)) {
  const ms = timings[`ref:${set}`]!;
  console.log(`${set.padEnd(46)} ${(b.bytes / 1024).toFixed(0).padStart(7)} ${ms.toFixed(1).padStart(9)} ${(ms - bare).toFixed(1).padStart(11)}`);
}
console.log('\nfunction         size KB   cold ms   over node   vs its reference   AWS clients bundled');
for (const [name, b] of Object.entries(built)) {
  const over = timings[`fn:${name}`]! - bare;
  const set = b.clients.join('+');
  const vsReference = set === '' ? 'no SDK' : `${((over / (timings[`ref:${set}`]! - bare)) * 100).toFixed(0)}%`;
  console.log(
    `${name.padEnd(16)} ${(b.bytes / 1024).toFixed(0).padStart(7)} ${timings[`fn:${name}`]!.toFixed(1).padStart(9)} ${over.toFixed(1).padStart(11)} ${vsReference.padStart(18)}   ${set.replaceAll('+', ', ') || '-'}`,
  );
}
console.log('\nTarget: each function at most 115% of the reference with the same clients (our code adds at most 15%).');
