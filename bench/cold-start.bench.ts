/**
 * Cold start of each bundled function: whole-process time of `node` loading the bundle (module
 * scope runs: config, clients), against a reference bundle in the same run that only imports
 * and constructs the same AWS SDK clients, jose and the Powertools logger and metrics, and
 * against `node -e 0`. Each function is also built with Powertools replaced by an empty stub,
 * and each reference without it, so the table shows what Powertools costs. Bundles are built
 * with the esbuild options from serverless.yml, so they are what Lambda would load.
 */
import { build, type Metafile } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { load as parseYaml } from 'js-yaml';

const OUT = resolve('bench/.out/cold-start');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);

interface ServerlessFile {
  functions: Record<string, { handler: string }>;
  custom: { esbuild: { minify: boolean; target: string; banner: { js: string }; external?: string[] } };
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

/** What every function builds at module scope through lib/observability. */
const POWERTOOLS_CONSTRUCTION = [
  "import { Logger } from '@aws-lambda-powertools/logger'; import { Metrics } from '@aws-lambda-powertools/metrics';",
  "keep.push(new Logger({ serviceName: 'identity' }), new Logger({ serviceName: 'identity', persistentKeys: { audit: true } }), new Metrics({ namespace: 'identity', serviceName: 'identity' }));",
];

function referenceSource(clients: readonly string[], powertools: boolean): string {
  return [
    "import * as jose from 'jose';",
    'const keep = [jose.SignJWT]; globalThis.__keep = keep;',
    ...(powertools ? POWERTOOLS_CONSTRUCTION : []),
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

/**
 * Stands in for both Powertools packages: the same classes with methods that do nothing, so a
 * function built against it loads everything but Powertools.
 */
const POWERTOOLS_STUB = join(OUT, 'powertools-stub.mjs');
const STUB_SOURCE = `const noop = () => {};
const stub = () => new Proxy({}, { get: () => noop });
export class Logger { constructor() { return stub(); } }
export class Metrics { constructor() { return stub(); } }
export const MetricUnit = { Count: 'Count' };
`;

async function bundle(
  name: string,
  entry: { path: string } | { contents: string },
  options: { stubPowertools?: boolean } = {},
): Promise<{ file: string; bytes: number; clients: string[] }> {
  const outfile = join(OUT, `${name}.mjs`);
  const result = await build({
    ...(options.stubPowertools ? { alias: { '@aws-lambda-powertools/logger': POWERTOOLS_STUB, '@aws-lambda-powertools/metrics': POWERTOOLS_STUB } } : {}),
    ...('path' in entry ? { entryPoints: [entry.path] } : { stdin: { contents: entry.contents, resolveDir: process.cwd(), loader: 'ts' } }),
    bundle: true,
    minify: esbuildOptions.minify,
    target: esbuildOptions.target,
    platform: 'node',
    format: 'esm',
    banner: esbuildOptions.banner,
    // Native modules stay outside the bundle, as serverless-esbuild ships them beside it.
    external: esbuildOptions.external ?? [],
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
writeFileSync(POWERTOOLS_STUB, STUB_SOURCE);
const loader = join(OUT, 'load.mjs');
// Importing the bundle runs its module scope, which is what a Lambda cold start pays.
writeFileSync(loader, 'await import(process.argv[2]);\n');

type Built = Awaited<ReturnType<typeof bundle>>;
const built: Record<string, Built> = {};
const stubbed: Record<string, Built> = {};
for (const [name, fn] of Object.entries(serverless.functions)) {
  const entry = { path: `${fn.handler.replace(/\.[^.]+$/, '')}.ts` };
  built[name] = await bundle(name, entry);
  stubbed[name] = await bundle(`${name}-without-powertools`, entry, { stubPowertools: true });
}
const clientSets = [...new Set(Object.values(built).map((b) => b.clients.join('+')))];
const references: Record<string, Built> = {};
const bareReferences: Record<string, Built> = {};
for (const set of clientSets) {
  const clients = set === '' ? [] : set.split('+');
  references[set] = await bundle(`reference-${set || 'none'}`, { contents: referenceSource(clients, true) });
  bareReferences[set] = await bundle(`reference-${set || 'none'}-without-powertools`, { contents: referenceSource(clients, false) });
}

const timings = medians({
  bare: ['-e', '0'],
  ...Object.fromEntries(Object.entries(references).map(([set, b]) => [`ref:${set}`, [loader, b.file]])),
  ...Object.fromEntries(Object.entries(bareReferences).map(([set, b]) => [`ref0:${set}`, [loader, b.file]])),
  ...Object.fromEntries(Object.entries(built).map(([name, b]) => [`fn:${name}`, [loader, b.file]])),
  ...Object.fromEntries(Object.entries(stubbed).map(([name, b]) => [`fn0:${name}`, [loader, b.file]])),
});
const bare = timings.bare!;
const over = (key: string) => timings[key]! - bare;
const pad = (value: string, width: number) => value.padStart(width);

console.log(`node -e 0 (median of ${RUNS}, rounds interleaved): ${bare.toFixed(1)} ms\n`);
console.log('reference (SDK clients + jose [+ Powertools])   KB   cold ms over node   without Powertools: KB   over node   Powertools share');
for (const [set, b] of Object.entries(references)) {
  const without = bareReferences[set]!;
  const share = over(`ref:${set}`) - over(`ref0:${set}`);
  console.log(
    `${(set || '(no SDK client)').padEnd(44)} ${pad((b.bytes / 1024).toFixed(0), 6)} ${pad(timings[`ref:${set}`]!.toFixed(1), 9)} ${pad(over(`ref:${set}`).toFixed(1), 9)} ${pad((without.bytes / 1024).toFixed(0), 24)} ${pad(over(`ref0:${set}`).toFixed(1), 11)} ${pad(`${share.toFixed(1)} ms`, 18)}`,
  );
}
console.log('\nfunction         KB   cold ms over node  vs reference   without Powertools: over node  vs reference   AWS clients bundled');
for (const [name, b] of Object.entries(built)) {
  const set = b.clients.join('+');
  const vs = (key: string, ref: string) => `${((over(key) / over(ref)) * 100).toFixed(0)}%`;
  console.log(
    `${name.padEnd(14)} ${pad((b.bytes / 1024).toFixed(0), 5)} ${pad(timings[`fn:${name}`]!.toFixed(1), 9)} ${pad(over(`fn:${name}`).toFixed(1), 9)} ${pad(vs(`fn:${name}`, `ref:${set}`), 13)} ${pad(over(`fn0:${name}`).toFixed(1), 30)} ${pad(vs(`fn0:${name}`, `ref0:${set}`), 13)}   ${set.replaceAll('+', ', ') || '-'}`,
  );
}
console.log('\nTarget: each function at most 115% of the reference with the same clients and Powertools (our code adds at most 15%).');
console.log(`Load average while measuring: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (${cpus().length} CPUs)`);
