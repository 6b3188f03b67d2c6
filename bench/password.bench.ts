/**
 * Password sign-in cost at production's argon2id parameters (OWASP: m = 19 MiB, t = 2, p = 1),
 * with the real `login` handler invoked in-process as Lambda would, against DynamoDB Local:
 *
 *  1. Server CPU per warm password sign-in (POST /login, this process's user + system time, all
 *     threads: argon2 runs on libuv's pool), from a returning browser (device cookie) and a new
 *     one, beside one raw `@node-rs/argon2` derivation with
 *     the same parameters and the scrypt (N = 2^17, r = 8, p = 1) the project used before, all
 *     measured in the same run, interleaved. Target: a sign-in costs at most 1.5x the raw hash.
 *  2. Peak RSS (maxRSS) of a process that serves warm sign-ins, beside one that serves only
 *     GET /login from the same handler (no hashing), each in a fresh child process: what the
 *     memory size of the `login` and `register` functions must hold (serverless.yml).
 *
 * No thresholds: figures are printed beside their baselines.
 *
 *   node --import tsx bench/password.bench.ts
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes, scrypt } from 'node:crypto';
import { hashRaw } from '@node-rs/argon2';
import { tsImport } from 'tsx/esm/api';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { PasswordHasher } from '../lib/auth/password-hasher.js';
import { systemClock } from '../lib/clock.js';
import { loadConfigSections, type PasswordSettings } from '../lib/config.js';
import { UserDirectory } from '../lib/store/user-directory.js';
import { seedKeys } from '../scripts/seed.js';
import { DEVICE_COOKIE } from '../lib/session/device-cookie.js';
import { httpEvent } from '../test/support/fake-http-event.js';
import { parseForms, submitFields } from '../test/support/html-forms.js';
import { startTestStack } from '../test/support/stack.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const N = Number(process.env.BENCH_PASSWORD_N ?? 40);
const SCRYPT_N = Number(process.env.BENCH_SCRYPT_N ?? 10);
const RSS_SIGN_INS = 30;
const PASSWORD = 'correct horse battery staple';
const PRODUCTION = loadConfigSections(['accounts'], {}).password;
/** Next to free: what a sign-in costs besides its hash. */
const TRIVIAL = { argon2id: { memoryKiB: 8, iterations: 1 } };
const context = { awsRequestId: 'bench' } as Context;

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * A login instance of its own (a fresh module graph: its own config, clients and caches, as a new
 * Lambda instance) and a repeatable sign-in: the same anonymous form and cookies each time, so
 * every POST is a fresh sign-in. The instance reads its config at its first request, here.
 */
async function signInLoop(email: string, options: { returningBrowser?: boolean } = {}): Promise<{ signIn: () => Promise<void>; loginPage: () => Promise<void> }> {
  const { handler } = (await tsImport('../functions/login.ts', import.meta.url)) as { handler: Handler };
  const page = await handler(httpEvent('GET', '/login'), context);
  const cookies = new Map((page.cookies ?? []).map(cookiePair));
  const form = parseForms(page.body ?? '').find((f) => f.inputNames.includes('password'));
  if (!form) throw new Error('no sign-in form on GET /login');
  const body = submitFields(form, { email, password: PASSWORD }).toString();
  const signIn = async () => {
    const answer = await handler(httpEvent('POST', '/login', { body, cookies }), context);
    if (answer.statusCode !== 303) throw new Error(`POST /login answered ${answer.statusCode}: ${(answer.body ?? '').slice(0, 300)}`);
    return answer;
  };
  if (options.returningBrowser) {
    // The device cookie the first sign-in sets: later ones count in that device's budget only.
    const device = (await signIn()).cookies?.map(cookiePair).find(([name]) => name === DEVICE_COOKIE);
    if (!device) throw new Error('the sign-in set no device cookie');
    cookies.set(...device);
  }
  return {
    async signIn() {
      await signIn();
    },
    async loginPage() {
      const answer = await handler(httpEvent('GET', '/login'), context);
      if (answer.statusCode !== 200) throw new Error(`GET /login answered ${answer.statusCode}`);
    },
  };
}

function cookiePair(setCookie: string): [string, string] {
  return setCookie.split(';')[0]!.split(/=(.*)/s).slice(0, 2) as [string, string];
}

/** CPU (user + system, every thread of this process) and wall time of one call, in ms. */
async function measure(action: () => Promise<unknown>): Promise<{ cpuMs: number; wallMs: number }> {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await action();
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000, wallMs };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const rawArgon2 = () =>
  hashRaw(PASSWORD, {
    memoryCost: PRODUCTION.argon2id.memoryKiB,
    timeCost: PRODUCTION.argon2id.iterations,
    parallelism: 1,
    outputLen: 32,
    salt: randomBytes(16),
  });
const rawScrypt = () =>
  new Promise<Buffer>((resolve, reject) =>
    scrypt(PASSWORD, randomBytes(16), 32, { N: 2 ** 17, r: 8, p: 1, maxmem: 200 * 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key))),
  );

/** Child mode: `--rss sign-in|page <email>`, in the stack's environment; prints its peak RSS in bytes. */
async function rssChild(mode: string, email: string): Promise<void> {
  const loop = await signInLoop(email);
  for (let i = 0; i < RSS_SIGN_INS; i++) await (mode === 'sign-in' ? loop.signIn() : loop.loginPage());
  console.log(JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024, heapUsedBytes: process.memoryUsage().heapUsed }));
}

async function main(): Promise<void> {
  const stack = await startTestStack();
  try {
    // Production's cost for the handler: the stack's cheap test cost removed, the defaults apply.
    const env = { ...stack.env };
    delete (env as Record<string, string | undefined>).PASSWORD_ARGON2_MEMORY_KIB;
    delete (env as Record<string, string | undefined>).PASSWORD_ARGON2_ITERATIONS;
    for (const name of ['PASSWORD_ARGON2_MEMORY_KIB', 'PASSWORD_ARGON2_ITERATIONS']) delete process.env[name];
    Object.assign(process.env, env);
    await seedKeys(env);
    const users = new UserDirectory({ client: stack.documentClient(), tableName: stack.config.tables.directory, clock: systemClock });
    /** A user whose stored hash has the instance's cost (no rehash on sign-in). */
    const userAt = async (settings: PasswordSettings) => {
      const email = `bench-${randomBytes(4).toString('hex')}@example.com`;
      await users.create({ email, name: 'Bench User', emailVerified: true, passwordHash: await new PasswordHasher(settings).hash(PASSWORD) });
      return email;
    };
    const email = await userAt(PRODUCTION);
    const trivialEmail = await userAt(TRIVIAL);

    const { argon2id } = PRODUCTION;
    console.log(`argon2id m = ${argon2id.memoryKiB} KiB, t = ${argon2id.iterations}, p = 1 (production default); node ${process.version} ${process.arch}; DynamoDB Local at ${stack.dynamodbEndpoint}`);

    // 1. CPU per operation, interleaved rounds so background load hits every row alike. A new
    // browser counts each guess in three budgets (attempt-scopes.ts); a returning one, holding the
    // device cookie of an earlier sign-in, in its own budget only: two throttle writes, not six.
    const loops = { signIn: await signInLoop(email), returning: await signInLoop(email, { returningBrowser: true }) };
    Object.assign(process.env, { PASSWORD_ARGON2_MEMORY_KIB: String(TRIVIAL.argon2id.memoryKiB), PASSWORD_ARGON2_ITERATIONS: String(TRIVIAL.argon2id.iterations) });
    const trivialLoops = { trivial: await signInLoop(trivialEmail), trivialReturning: await signInLoop(trivialEmail, { returningBrowser: true }) };
    for (const name of ['PASSWORD_ARGON2_MEMORY_KIB', 'PASSWORD_ARGON2_ITERATIONS']) delete process.env[name];
    const signIns = { ...loops, ...trivialLoops };
    for (let i = 0; i < 3; i++) {
      for (const loop of Object.values(signIns)) await loop.signIn();
      await rawArgon2();
    }
    type Row = keyof typeof signIns | 'raw';
    const samples: Record<Row, { cpuMs: number; wallMs: number }[]> = { signIn: [], returning: [], trivial: [], trivialReturning: [], raw: [] };
    const scryptCpuMs: number[] = [];
    for (let round = 0; round < N; round++) {
      for (const [row, loop] of Object.entries(signIns)) samples[row as Row].push(await measure(loop.signIn));
      samples.raw.push(await measure(rawArgon2));
      if (round < SCRYPT_N) scryptCpuMs.push((await measure(rawScrypt)).cpuMs);
    }
    const cpu = (row: Row) => median(samples[row].map((s) => s.cpuMs));
    const wall = (row: Row) => median(samples[row].map((s) => s.wallMs)).toFixed(1);
    const raw = cpu('raw');
    const scryptCpu = median(scryptCpuMs);
    const vsRaw = (row: Row) => `wall ${wall(row)} ms; ${(cpu(row) / raw).toFixed(2)}x the raw hash (target <= 1.5x)`;
    console.log('\n1. CPU per operation (median; user + system of every thread of this process; DynamoDB Local runs in its own process)');
    const rows: [string, number, string][] = [
      [`raw @node-rs/argon2 hashRaw, same parameters (baseline)`, raw, `wall ${wall('raw')} ms`],
      [`warm POST /login, returning browser (device cookie)`, cpu('returning'), vsRaw('returning')],
      [`warm POST /login, new browser (no device cookie)`, cpu('signIn'), vsRaw('signIn')],
      [`  returning browser, trivial hash (m = 8 KiB, t = 1)`, cpu('trivialReturning'), 'what a sign-in costs besides its hash'],
      [`  new browser, trivial hash`, cpu('trivial'), 'the same, with three budgets to count in'],
      [`raw scrypt N = 2^17, r = 8, p = 1 (before)`, scryptCpu, `${(scryptCpu / cpu('returning')).toFixed(1)}x a returning sign-in today`],
    ];
    for (const [label, cpuMs, note] of rows) console.log(`  ${label.padEnd(56)} ${cpuMs.toFixed(1).padStart(7)} ms CPU  ${(1000 / cpuMs).toFixed(1).padStart(6)}/s per core  ${note}`);
    console.log(`  n = ${N} (scrypt ${SCRYPT_N}). Lambda gives a function memorySize / 1769 MB of a vCPU: wall time there ~ CPU x 1769 / memorySize.`);

    // 2. Peak RSS, each in a fresh process with the same environment.
    console.log(`\n2. Peak RSS of a fresh process after ${RSS_SIGN_INS} requests to the login handler (tsx loader included, so an upper bound of the bundle's)`);
    const peaks: Record<string, number> = {};
    for (const mode of ['page', 'sign-in']) {
      // Asynchronously: the local KMS endpoint the child calls runs in this process.
      const child = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/password.bench.ts', '--rss', mode, email], { env: process.env });
      const line = child.stdout.trim().split('\n').at(-1) ?? '{}';
      peaks[mode] = (JSON.parse(line) as { maxRssBytes: number }).maxRssBytes;
    }
    const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
    console.log(`  GET /login only (baseline, no hash)        ${mb(peaks.page!)}`);
    console.log(`  warm password sign-ins (argon2id)          ${mb(peaks['sign-in']!)}  (+${mb(peaks['sign-in']! - peaks.page!)}; m = ${(argon2id.memoryKiB / 1024).toFixed(0)} MiB per derivation)`);
  } finally {
    await stack.close();
  }
}

const rssIndex = process.argv.indexOf('--rss');
await (rssIndex >= 0 ? rssChild(process.argv[rssIndex + 1] ?? '', process.argv[rssIndex + 2] ?? '') : main());
