/**
 * The real handlers, invoked in-process as Lambda would, against DynamoDB Local on loopback and
 * the local KMS endpoint:
 *
 *  1. DynamoDB commands (by name) and KMS calls of every step of registration, sign-in (password
 *     and code) and one authorization-code flow, each step on a cold instance (its first request)
 *     and on a warm one. DynamoDB commands are counted on the wire by a small HTTP proxy in front
 *     of DynamoDB Local that reads `X-Amz-Target` (no production hook needed, and it sees exactly
 *     what the handlers' own clients send); KMS calls by the local KMS endpoint itself. The local
 *     outbox's mail writes are left out: in AWS, SES sends the mail. (bench/flow-calls.ts holds
 *     the flows and the counters; `npm run cost` prices the same steps.)
 *  2. Warm POST /login latency at the stack's argon2id cost and at production's (OWASP), beside one
 *     DynamoDB Local GetItem measured in the same run; and the calls of warm page requests.
 *  3. POST /token warm throughput and latency (code exchange, refresh), beside one UpdateItem.
 *
 * A cold instance is a fresh module graph of the function's file (bench/flow-calls.ts says how).
 *
 * No thresholds: figures are printed beside their baselines.
 *
 *   node --import tsx bench/flows.bench.ts
 */
import { randomBytes } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { PasswordHasher } from '../lib/auth/password-hasher.js';
import { hashPassword } from './password-fixture.js';
import { loadConfigSections, type PasswordSettings } from '../lib/config.js';
import { submitFields } from '../test/support/html-forms.js';
import { httpEvent } from '../test/support/fake-http-event.js';
import {
  Browser,
  coldInstance,
  context,
  describeCounts,
  email,
  exchangeForm,
  expectStatus,
  instancePickers,
  measureFlows,
  authorizeQuery,
  codeOf,
  FlowRun,
  pkce,
  refreshForm,
  startFlowStack,
  toAnswer,
  total,
  PASSWORD,
  type Calls,
  type FlowStack,
  type FunctionName,
  type Handler,
} from './flow-calls.js';

// Read when the first SDK client is constructed, which happens below, not at import.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// MAIL_MODE=outbox also logs every mail it stores; the bench reads the codes from the table.
const consoleLog = console.log.bind(console);
console.log = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].startsWith('[outbox] ')) return;
  consoleLog(...args);
};

const LOGIN_N = Number(process.env.BENCH_LOGIN_N ?? 200);
const LOGIN_PROD_N = Number(process.env.BENCH_LOGIN_PROD_N ?? 30);
const TOKEN_N = Number(process.env.BENCH_TOKEN_N ?? 200);
const BASELINE_N = Number(process.env.BENCH_BASELINE_N ?? 500);
const PAGE_N = Number(process.env.BENCH_PAGE_N ?? 200);
const IN_FLIGHT = 8;
/** lib/config.ts's defaults: OWASP's argon2id cost. */
const PRODUCTION_PASSWORD = loadConfigSections(['accounts'], {}).password;
const cost = ({ argon2id }: PasswordSettings) => `argon2id m=${argon2id.memoryKiB} KiB t=${argon2id.iterations}`;

// ------------------------------------------------------------------------------------------
// Output

function table(headers: string[], rows: string[][], rightAligned: ReadonlySet<number>): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `  ${cells.map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  console.log(line(headers));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
}

interface Summary {
  n: number;
  p50: number;
  p99: number;
  mean: number;
}

function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
  return { n: sorted.length, p50: at(0.5), p99: at(0.99), mean: sorted.reduce((s, x) => s + x, 0) / sorted.length };
}

const ms = (value: number) => (value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0));
const ratio = (value: number, base: number) => `${(value / base).toFixed(1)}x`;

/** Latencies by name; each call is timed alone, so callers can interleave several operations. */
class Sampler {
  private readonly samples = new Map<string, number[]>();

  async time(name: string, call: () => Promise<unknown>): Promise<void> {
    const start = process.hrtime.bigint();
    await call();
    const took = Number(process.hrtime.bigint() - start) / 1e6;
    const list = this.samples.get(name);
    if (list) list.push(took);
    else this.samples.set(name, [took]);
  }

  summary(name: string): Summary {
    const list = this.samples.get(name);
    if (!list?.length) throw new Error(`no samples for ${name}`);
    return summarize(list);
  }
}

// ------------------------------------------------------------------------------------------
// Main

let flowStack: FlowStack | undefined;

try {
  const wallStart = Date.now();
  // Setup, straight to DynamoDB Local (uncounted): both key rings have a key, as after the first
  // deploy's scheduled rotation, so no step below pays for creating one; a public client.
  flowStack = await startFlowStack();
  const theFlows = flowStack;
  const { stack, config, fixtures } = flowStack;

  console.log(`Handlers in-process; DynamoDB Local at ${stack.dynamodbEndpoint}, local KMS at ${stack.kms.url}; node ${process.version}`);
  console.log(`Stack password cost ${cost(config.password)} (PASSWORD_ARGON2_*); production default ${cost(PRODUCTION_PASSWORD)}.`);

  // ----------------------------------------------------------------------------------------
  // 1. Calls per step: every instance created in section 1 talks through the counter

  const pickers = instancePickers();
  const warm = pickers.warm;
  const { flows, users } = await measureFlows(flowStack, pickers);
  const warmUser = users.warm;

  console.log('\n1. DynamoDB commands and KMS calls per step, counted: DynamoDB at the wire (X-Amz-Target via a proxy), KMS at the local endpoint.');
  console.log('   cold = the step is the first request of a new instance of its function (init included); warm = the instance served the whole flow before.');
  for (const flow of flows) {
    console.log(`\n  ${flow.title}`);
    const rows: string[][] = [];
    let coldDdb = 0;
    let coldKms = 0;
    let warmDdb = 0;
    let warmKms = 0;
    for (const [label, c] of flow.cold.steps) {
      const w = flow.warm.steps.get(label);
      if (!w) throw new Error(`warm run has no step ${label}`);
      coldDdb += total(c.calls.ddb);
      coldKms += total(c.calls.kms);
      warmDdb += total(w.calls.ddb);
      warmKms += total(w.calls.kms);
      rows.push([
        label,
        String(c.status),
        String(total(c.calls.ddb)),
        String(total(c.calls.kms)),
        describeCounts({ ...c.calls.ddb, ...c.calls.kms }),
        String(total(w.calls.ddb)),
        String(total(w.calls.kms)),
        describeCounts({ ...w.calls.ddb, ...w.calls.kms }),
      ]);
    }
    rows.push(['total', '', String(coldDdb), String(coldKms), '', String(warmDdb), String(warmKms), '']);
    table(['step', 'status', 'cold DDB', 'KMS', 'cold: commands', 'warm DDB', 'KMS', 'warm: commands'], rows, new Set([1, 2, 3, 5, 6]));
  }

  const warmStep = (flowIndex: number, label: string) => flows[flowIndex]!.warm.steps.get(label)!.calls;

  // ----------------------------------------------------------------------------------------
  // 2a. Warm page requests that only read cookies (still through the counter)

  const pageRows: string[][] = [];
  const pageCalls = new Map<string, Calls>();
  {
    const signedIn = new Browser();
    const loginHandler = await warm('login');
    const form = await signedIn.get(loginHandler, '/login');
    expectStatus(await signedIn.submit(loginHandler, form, { email: warmUser, password: PASSWORD }), 303, 'sign-in for page requests');
    const anonymous = new Browser();
    expectStatus(await anonymous.get(loginHandler, '/login'), 200, 'anonymous visitor'); // gets its af cookie
    const home = await warm('home');
    expectStatus(await signedIn.get(home, '/'), 200, 'home warm-up'); // the home instance's first request
    const requests: Array<[string, FunctionName, Browser | undefined, string, string]> = [
      ['GET  /login  anonymous, no cookie', 'login', undefined, '/login', 'antiforgery cookie + form token: protect only'],
      ['GET  /login  anonymous, af cookie', 'login', anonymous, '/login', 'unprotects the af cookie'],
      ['GET  /login  with session cookie', 'login', signedIn, '/login', 'session id from the cookie (no revocation check)'],
      ['GET  /login/code  anonymous', 'login-code', anonymous, '/login/code', ''],
      ['GET  /register  anonymous', 'register', anonymous, '/register', ''],
      ['GET  /  anonymous', 'home', anonymous, '/', ''],
      ['GET  /  with session cookie', 'home', signedIn, '/', 'verify() = revocation GetItem; user GetItem for the name'],
    ];
    const pageRun = new FlowRun(theFlows, warm);
    for (const [label, fn, browser, path, note] of requests) {
      await pageRun.step(label, fn, 200, (handler) => (browser ?? new Browser()).get(handler, path));
      const { calls } = pageRun.steps.get(label)!;
      pageCalls.set(label, calls);
      pageRows.push([label, String(total(calls.ddb)), String(total(calls.kms)), describeCounts({ ...calls.ddb, ...calls.kms }), note]);
    }
    if (!signedIn.jar.has('__Host-session')) throw new Error('no session cookie');
  }
  const loginPostWarm = warmStep(1, 'POST /login  password');

  // ----------------------------------------------------------------------------------------
  // 2b. Latency, straight to DynamoDB Local (no proxy in the path)

  flowStack.callDirectly();
  const baselineClient = stack.documentClient();
  const probeKey = `bench-probe#${randomBytes(6).toString('hex')}`;
  await baselineClient.send(new PutCommand({ TableName: config.tables.cache, Item: { pk: probeKey, status: 'a', ttl: Math.floor(Date.now() / 1000) + 3600 } }));
  const getItem = () => baselineClient.send(new GetCommand({ TableName: config.tables.cache, Key: { pk: probeKey }, ConsistentRead: true }));
  let flip = 0;
  const updateItem = () =>
    baselineClient.send(
      new UpdateCommand({
        TableName: config.tables.cache,
        Key: { pk: probeKey },
        UpdateExpression: 'SET #s = :s',
        ConditionExpression: 'attribute_exists(pk) AND #ttl > :now',
        ExpressionAttributeNames: { '#s': 'status', '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':s': String(flip++), ':now': Math.floor(Date.now() / 1000) },
        ReturnValues: 'ALL_NEW',
      }),
    );
  const GETS_PER_ROUND = Math.max(1, Math.ceil(BASELINE_N / LOGIN_N));
  const UPDATES_PER_ROUND = Math.max(1, Math.ceil(BASELINE_N / TOKEN_N));

  /** A login instance at a given password cost, and a user whose stored hash has that cost (no rehash on login). */
  async function loginAt(settings: PasswordSettings): Promise<{ handler: Handler; event: () => APIGatewayProxyEventV2 }> {
    process.env.PASSWORD_ARGON2_MEMORY_KIB = String(settings.argon2id.memoryKiB);
    process.env.PASSWORD_ARGON2_ITERATIONS = String(settings.argon2id.iterations);
    const handler = await coldInstance('login');
    const address = email(`login${settings.argon2id.memoryKiB}`);
    await fixtures.createUser({ email: address, passwordHash: await hashPassword({ password: settings }, PASSWORD) });
    const browser = new Browser();
    const form = await browser.get(handler, '/login');
    const loginForm = form.forms().find((f) => f.inputNames.includes('password'))!;
    const body = submitFields(loginForm, { email: address, password: PASSWORD }).toString();
    // The same anonymous form and af cookie every time: each POST is a fresh sign-in.
    const cookies = new Map(browser.jar);
    const event = () => httpEvent('POST', '/login', { body, cookies });
    // The instance has read its config by the end of the warm-up; then the stack's cost again.
    for (let i = 0; i < 3; i++) expectStatus(toAnswer('/login', await handler(event(), context)), 303, `login warm-up ${cost(settings)}`);
    process.env.PASSWORD_ARGON2_MEMORY_KIB = stack.env.PASSWORD_ARGON2_MEMORY_KIB;
    process.env.PASSWORD_ARGON2_ITERATIONS = stack.env.PASSWORD_ARGON2_ITERATIONS;
    return { handler, event };
  }

  const login12 = await loginAt(config.password);
  const loginProd = await loginAt(PRODUCTION_PASSWORD);
  const postLogin = (login: { handler: Handler }) => async (event: APIGatewayProxyEventV2) => {
    const result = await login.handler(event, context);
    if (result.statusCode !== 303) throw new Error(`POST /login answered ${result.statusCode}`);
  };

  // Page requests on direct instances of their own.
  const loginPage = await coldInstance('login');
  const homePage = await coldInstance('home');
  const pageBrowser = new Browser();
  const firstForm = await pageBrowser.get(loginPage, '/login');
  const pageLoginForm = firstForm.forms().find((f) => f.inputNames.includes('password'))!;
  const pageUser = email('pages');
  await fixtures.createUser({ email: pageUser, passwordHash: await hashPassword(config, PASSWORD) });
  expectStatus(
    toAnswer('/login', await loginPage(httpEvent('POST', '/login', { body: submitFields(pageLoginForm, { email: pageUser, password: PASSWORD }).toString(), cookies: pageBrowser.jar }), context)),
    303,
    'page sign-in',
  ).setCookies.forEach((line) => {
    const pair = line.split(';')[0]!;
    pageBrowser.jar.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
  });
  const sessionCookies = new Map(pageBrowser.jar);
  const expect200 = (handler: Handler) => async (event: APIGatewayProxyEventV2) => {
    const result = await handler(event, context);
    if (result.statusCode !== 200) throw new Error(`${event.rawPath} answered ${result.statusCode}`);
  };
  for (let i = 0; i < 50; i++) {
    await expect200(loginPage)(httpEvent('GET', '/login'));
    await expect200(homePage)(httpEvent('GET', '/', { cookies: sessionCookies }));
  }

  // Interleaved rounds: background load (GC, DynamoDB Local's JVM, the other core) hits the
  // baseline and the requests alike.
  const hasher12 = new PasswordHasher(config.password);
  const hash12 = await hasher12.hash(PASSWORD);
  const hasherProd = new PasswordHasher(PRODUCTION_PASSWORD);
  const hashProd = await hasherProd.hash(PASSWORD);
  const section2 = new Sampler();
  for (let i = 0; i < 200; i++) await getItem(); // warm-up: connection, DynamoDB Local's JIT
  for (let round = 0; round < LOGIN_N; round++) {
    for (let i = 0; i < GETS_PER_ROUND; i++) await section2.time('getItem', getItem);
    const login = login12.event();
    await section2.time('login', () => postLogin(login12)(login));
    await section2.time('verify', () => hasher12.verify(PASSWORD, hash12));
    if (round < PAGE_N) {
      const page = httpEvent('GET', '/login');
      await section2.time('loginPage', () => expect200(loginPage)(page));
      const home = httpEvent('GET', '/', { cookies: sessionCookies });
      await section2.time('home', () => expect200(homePage)(home));
    }
  }
  for (let round = 0; round < LOGIN_PROD_N; round++) {
    const login = loginProd.event();
    await section2.time('loginProd', () => postLogin(loginProd)(login));
    if (round % 3 === 0) await section2.time('verifyProd', () => hasherProd.verify(PASSWORD, hashProd));
  }
  const getBase = section2.summary('getItem');

  console.log('\n2. Warm sign-in and page latency, sequential, straight to DynamoDB Local; baseline measured in the same run.');
  const callsCell = (calls: Calls | undefined) => (calls ? `${total(calls.ddb)} / ${total(calls.kms)}` : '');
  const latencyRow = (label: string, s: Summary, base: Summary | undefined, calls?: Calls, note = '') => [
    label,
    String(s.n),
    ms(s.p50),
    ms(s.p99),
    base ? ratio(s.p50, base.p50) : '',
    callsCell(calls),
    note,
  ];
  table(
    ['request', 'n', 'p50 ms', 'p99 ms', 'p50 vs GetItem', 'DDB / KMS', 'note'],
    [
      latencyRow('DynamoDB Local GetItem (consistent)', getBase, undefined, undefined, 'baseline: one round trip'),
      latencyRow(`POST /login  ${cost(config.password)}`, section2.summary('login'), getBase, loginPostWarm, describeCounts(loginPostWarm.ddb)),
      latencyRow(`  verify alone ${cost(config.password)}`, section2.summary('verify'), getBase, undefined, 'in-process, no I/O'),
      latencyRow(`POST /login  ${cost(PRODUCTION_PASSWORD)}`, section2.summary('loginProd'), getBase, loginPostWarm, 'production cost; same calls'),
      latencyRow(`  verify alone ${cost(PRODUCTION_PASSWORD)}`, section2.summary('verifyProd'), getBase, undefined, 'in-process, no I/O'),
      latencyRow('GET  /login  anonymous', section2.summary('loginPage'), getBase, pageCalls.get('GET  /login  anonymous, no cookie')),
      latencyRow('GET  /  with session cookie', section2.summary('home'), getBase, pageCalls.get('GET  /  with session cookie')),
    ],
    new Set([1, 2, 3, 4, 5]),
  );
  console.log('  Rounds interleave every row. p99 of fewer than 100 samples is their maximum. DDB / KMS: calls per request, counted on warm instances (section 1, table below).');
  console.log('\n  Warm page requests (counted at the wire). Target: a page that only reads the session cookie makes no DynamoDB or KMS call.');
  table(['request', 'DDB', 'KMS', 'commands', 'what it does'], pageRows, new Set([1, 2]));

  // ----------------------------------------------------------------------------------------
  // 3. Token endpoint

  const authorizeHandler = await coldInstance('authorize');
  const tokenHandler = await coldInstance('token');
  const { verifier, challenge } = pkce();
  const authorizeEvent = () => httpEvent('GET', `/authorize?${authorizeQuery(challenge)}`, { cookies: sessionCookies });
  const issueCode = async () => codeOf(expectStatus(toAnswer('/authorize', await authorizeHandler(authorizeEvent(), context)), 302, 'authorize'));
  const token = async (form: URLSearchParams) => {
    const answer = expectStatus(toAnswer('/token', await tokenHandler(httpEvent('POST', '/token', { body: form.toString() }), context)), 200, 'token');
    return JSON.parse(answer.body) as { access_token: string; refresh_token: string };
  };
  let refreshToken = '';
  for (let i = 0; i < 20; i++) refreshToken = (await token(exchangeForm(await issueCode(), verifier))).refresh_token; // warm-up
  for (let i = 0; i < 20; i++) refreshToken = (await token(refreshForm(refreshToken))).refresh_token;

  // Interleaved rounds: UpdateItem floor, /authorize (which issues the code), its exchange right
  // away (codes live AUTHORIZATION_CODE_TTL_S), and one refresh of a rotating chain.
  const section3 = new Sampler();
  for (let i = 0; i < 200; i++) await updateItem(); // warm-up
  let chain = refreshToken;
  for (let round = 0; round < TOKEN_N; round++) {
    for (let i = 0; i < UPDATES_PER_ROUND; i++) await section3.time('updateItem', updateItem);
    const authorizeRequest = authorizeEvent();
    let code = '';
    await section3.time('authorize', async () => {
      code = codeOf(toAnswer('/authorize', await authorizeHandler(authorizeRequest, context)));
    });
    const exchange = exchangeForm(code, verifier);
    await section3.time('exchange', () => token(exchange));
    const refresh = refreshForm(chain);
    await section3.time('refresh', async () => {
      chain = (await token(refresh)).refresh_token;
    });
  }
  const updateBase = section3.summary('updateItem');

  async function inFlight(count: number, work: (worker: number) => Promise<void>): Promise<number> {
    const start = process.hrtime.bigint();
    await Promise.all(Array.from({ length: count }, (_, worker) => work(worker)));
    return Number(process.hrtime.bigint() - start) / 1e6;
  }
  const parallelCodes: string[] = [];
  for (let i = 0; i < TOKEN_N; i++) parallelCodes.push(await issueCode());
  const exchangeParallelMs = await inFlight(IN_FLIGHT, async () => {
    for (let code = parallelCodes.pop(); code !== undefined; code = parallelCodes.pop()) await token(exchangeForm(code, verifier));
  });

  const families: string[] = [];
  for (let i = 0; i < IN_FLIGHT; i++) families.push((await token(exchangeForm(await issueCode(), verifier))).refresh_token);
  const perFamily = Math.ceil(TOKEN_N / IN_FLIGHT);
  const refreshParallelMs = await inFlight(IN_FLIGHT, async (worker) => {
    for (let i = 0; i < perFamily; i++) families[worker] = (await token(refreshForm(families[worker]!))).refresh_token;
  });

  console.log(`\n3. Token endpoint, warm, straight to DynamoDB Local; floor: one UpdateItem (conditional, ALL_NEW) measured in the same run.`);
  const tokenRow = (label: string, s: Summary, parallel: { count: number; ms: number } | undefined, calls?: Calls) => [
    label,
    String(s.n),
    (1000 / s.mean).toFixed(0),
    parallel ? (parallel.count / (parallel.ms / 1000)).toFixed(0) : '',
    ms(s.p50),
    ms(s.p99),
    ratio(s.p50, updateBase.p50),
    callsCell(calls),
    calls ? describeCounts(calls.ddb) : '',
  ];
  table(
    ['request', 'n', 'req/s 1 in flight', `req/s ${IN_FLIGHT} in flight`, 'p50 ms', 'p99 ms', 'p50 vs UpdateItem', 'DDB / KMS', 'DynamoDB commands'],
    [
      tokenRow('DynamoDB Local UpdateItem', updateBase, undefined),
      tokenRow('DynamoDB Local GetItem (section 2)', getBase, undefined),
      tokenRow('POST /token  authorization_code', section3.summary('exchange'), { count: TOKEN_N, ms: exchangeParallelMs }, warmStep(2, 'POST /token  authorization_code')),
      tokenRow('POST /token  refresh_token', section3.summary('refresh'), { count: perFamily * IN_FLIGHT, ms: refreshParallelMs }, warmStep(2, 'POST /token  refresh_token')),
      tokenRow('GET  /authorize  session -> code', section3.summary('authorize'), undefined, warmStep(2, 'GET  /authorize  session -> code')),
    ],
    new Set([1, 2, 3, 4, 5, 6, 7]),
  );
  console.log(`  1 in flight = 1000 / mean latency: one warm instance's rate (a Lambda instance serves one request at a time).`);
  console.log(`  ${IN_FLIGHT} in flight = one process with concurrent requests, sharing the 2 cores with DynamoDB Local. Rounds interleave the rows.`);
  console.log(`\nWall time: ${((Date.now() - wallStart) / 1000).toFixed(0)} s.`);
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await flowStack?.close();
}
// SDK clients of the many instances keep sockets alive; nothing else is left to wait for.
process.exit(process.exitCode ?? 0);
