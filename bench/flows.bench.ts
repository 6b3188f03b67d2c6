/**
 * The real handlers, invoked in-process as Lambda would, against DynamoDB Local on loopback and
 * the local KMS endpoint:
 *
 *  1. DynamoDB commands (by name) and KMS calls of every step of registration, sign-in (password
 *     and code) and one authorization-code flow, each step on a cold instance (its first request)
 *     and on a warm one. DynamoDB commands are counted on the wire by a small HTTP proxy in front
 *     of DynamoDB Local that reads `X-Amz-Target` (no production hook needed, and it sees exactly
 *     what the handlers' own clients send); KMS calls by the local KMS endpoint itself.
 *  2. Warm POST /login latency at the stack's argon2id cost and at production's (OWASP), beside one
 *     DynamoDB Local GetItem measured in the same run; and the calls of warm page requests.
 *  3. POST /token warm throughput and latency (code exchange, refresh), beside one UpdateItem.
 *
 * A cold instance is a fresh module graph of the function's file (tsx `tsImport`, which gives
 * every call its own namespace): its own lib/runtime singletons, SDK clients, key-ring
 * caches and unwrapped keys, which is what a new Lambda instance builds. Packages under
 * node_modules are loaded once and shared, which changes no call count.
 *
 * No thresholds: figures are printed beside their baselines.
 *
 *   node --import tsx bench/flows.bench.ts
 */
import { createHash, randomBytes } from 'node:crypto';
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { tsImport } from 'tsx/esm/api';
import { PasswordHasher } from '../lib/auth/password-hasher.js';
import { createBenchFixtures } from './fixtures.js';
import { hashPassword } from './password-fixture.js';
import { loadConfigSections, type PasswordSettings } from '../lib/config.js';
import { parseForms, submitFields, type HtmlForm } from '../test/support/html-forms.js';
import { httpEvent } from '../test/support/fake-http-event.js';
import { OutboxReader } from '../test/support/outbox-reader.js';
import { startTestStack, type TestStack } from '../test/support/stack.js';

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

const PASSWORD = 'correct horse battery staple';
const CLIENT_ID = 'bench-spa';
const REDIRECT_URI = 'https://app.example/cb';
const context = { awsRequestId: 'bench' } as Context;

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
type FunctionName = 'home' | 'login' | 'login-code' | 'register' | 'authorize' | 'token' | 'userinfo';
type Counts = Record<string, number>;
interface Calls {
  ddb: Counts;
  kms: Counts;
}

// ------------------------------------------------------------------------------------------
// Counting DynamoDB at the wire

interface CountingProxy {
  url: string;
  counts(): Counts;
  close(): Promise<void>;
}

/** Forwards every request to DynamoDB Local unchanged and counts it by its `X-Amz-Target` operation. */
async function startCountingProxy(upstream: string): Promise<CountingProxy> {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true });
  const counts: Counts = {};
  const server = createServer((incoming, outgoing) => {
    const header = incoming.headers['x-amz-target'];
    const operation = typeof header === 'string' ? header.slice(header.lastIndexOf('.') + 1) : `${incoming.method} ${incoming.url}`;
    counts[operation] = (counts[operation] ?? 0) + 1;
    const forward = httpRequest(
      { hostname: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers, agent },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forward.on('error', (error) => {
      if (!outgoing.headersSent) outgoing.writeHead(502);
      outgoing.end(String(error));
    });
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts: () => ({ ...counts }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}

function difference(before: Counts, after: Counts): Counts {
  const out: Counts = {};
  for (const [name, n] of Object.entries(after)) {
    const delta = n - (before[name] ?? 0);
    if (delta > 0) out[name] = delta;
  }
  return out;
}

const total = (counts: Counts) => Object.values(counts).reduce((sum, n) => sum + n, 0);

const SHORT_NAMES: Record<string, string> = {
  GetItem: 'Get',
  PutItem: 'Put',
  UpdateItem: 'Update',
  DeleteItem: 'Delete',
  TransactWriteItems: 'TransactWrite',
  TransactGetItems: 'TransactGet',
  BatchGetItem: 'BatchGet',
  BatchWriteItem: 'BatchWrite',
};
const ORDER = ['Query', 'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems', 'Decrypt', 'Encrypt', 'GenerateDataKey'];

function describeCounts(counts: Counts): string {
  const names = Object.keys(counts).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return names.length === 0 ? '-' : names.map((name) => `${counts[name]} ${SHORT_NAMES[name] ?? name}`).join(', ');
}
function rank(name: string): number {
  const i = ORDER.indexOf(name);
  return i < 0 ? ORDER.length : i;
}

// ------------------------------------------------------------------------------------------
// Instances and requests

/** A new instance of a function: its own module graph, hence its own config, clients and caches. */
async function coldInstance(name: FunctionName): Promise<Handler> {
  const module = (await tsImport(`../functions/${name}.ts`, import.meta.url)) as { handler: Handler };
  return module.handler;
}

interface Answer {
  path: string;
  status: number;
  body: string;
  location: string | undefined;
  setCookies: string[];
  forms(): HtmlForm[];
}

function toAnswer(path: string, result: APIGatewayProxyStructuredResultV2): Answer {
  const body = result.body ?? '';
  let forms: HtmlForm[] | undefined;
  return {
    path,
    status: result.statusCode ?? 200,
    body,
    location: (result.headers as Record<string, string> | undefined)?.Location,
    setCookies: result.cookies ?? [],
    forms: () => (forms ??= parseForms(body)),
  };
}

/** A browser stand-in: a cookie jar and requests straight into a handler. */
class Browser {
  readonly jar = new Map<string, string>();

  async get(handler: Handler, pathAndQuery: string): Promise<Answer> {
    return this.send(handler, 'GET', pathAndQuery);
  }

  /** Submits the form of `page` that has every field in `fields`, with the page's hidden fields. */
  async submit(handler: Handler, page: Answer, fields: Record<string, string>): Promise<Answer> {
    const form = page.forms().find((f) => f.method === 'POST' && Object.keys(fields).every((name) => f.inputNames.includes(name)));
    if (!form) throw new Error(`no form with ${Object.keys(fields).join(', ')} on ${page.path} (${page.status}): ${page.body.slice(0, 400)}`);
    return this.send(handler, 'POST', form.action || page.path, submitFields(form, fields).toString());
  }

  private async send(handler: Handler, method: 'GET' | 'POST', pathAndQuery: string, body?: string): Promise<Answer> {
    const answer = toAnswer(pathAndQuery, await handler(httpEvent(method, pathAndQuery, { body, cookies: this.jar }), context));
    for (const line of answer.setCookies) {
      const pair = line.split(';')[0]!;
      const name = pair.slice(0, pair.indexOf('='));
      if (/Max-Age=0/i.test(line)) this.jar.delete(name);
      else this.jar.set(name, pair.slice(pair.indexOf('=') + 1));
    }
    return answer;
  }
}

/** A program calling an API endpoint: no cookies. */
async function apiCall(handler: Handler, method: 'GET' | 'POST', path: string, options: { form?: URLSearchParams; headers?: Record<string, string> } = {}): Promise<Answer> {
  return toAnswer(path, await handler(httpEvent(method, path, { body: options.form?.toString(), headers: options.headers }), context));
}

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizeQuery(challenge: string): string {
  return new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    scope: 'openid email profile offline_access',
    state: 'bench-state',
    nonce: 'bench-nonce',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
}

const exchangeForm = (code: string, verifier: string) =>
  new URLSearchParams({ grant_type: 'authorization_code', client_id: CLIENT_ID, code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
const refreshForm = (refreshToken: string) => new URLSearchParams({ grant_type: 'refresh_token', client_id: CLIENT_ID, refresh_token: refreshToken });

function codeOf(answer: Answer): string {
  const code = answer.location ? new URL(answer.location).searchParams.get('code') : null;
  if (!code) throw new Error(`no code in ${answer.status} ${answer.location ?? answer.body.slice(0, 300)}`);
  return code;
}

function expectStatus(answer: Answer, status: number, what: string): Answer {
  if (answer.status !== status) throw new Error(`${what}: expected ${status}, got ${answer.status} ${answer.location ?? ''} ${answer.body.slice(0, 400)}`);
  return answer;
}

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

const directEnv: Record<string, string | undefined> = {};
let stack: TestStack | undefined;
let proxy: CountingProxy | undefined;
let outbox: OutboxReader | undefined;

try {
  const wallStart = Date.now();
  stack = await startTestStack();
  const { config } = stack;
  Object.assign(process.env, stack.env);
  Object.assign(directEnv, stack.env);
  proxy = await startCountingProxy(stack.dynamodbEndpoint);
  const theProxy = proxy;
  const theStack = stack;
  outbox = new OutboxReader(config); // reads the outbox directly, not through the proxy
  const mailbox = outbox;

  // Setup, straight to DynamoDB Local (uncounted): both key rings have a key, as after the first
  // deploy's scheduled rotation, so no step below pays for creating one; a public client.
  const setupClient = stack.documentClient();
  const fixtures = createBenchFixtures(config, { documentClient: setupClient });
  await fixtures.ensureKeys();
  await fixtures.registerClient({ clientId: CLIENT_ID, firstParty: true, redirectUris: [REDIRECT_URI] });

  console.log(`Handlers in-process; DynamoDB Local at ${stack.dynamodbEndpoint}, local KMS at ${stack.kms.url}; node ${process.version}`);
  console.log(`Stack password cost ${cost(config.password)} (PASSWORD_ARGON2_*); production default ${cost(PRODUCTION_PASSWORD)}.`);

  // ----------------------------------------------------------------------------------------
  // 1. Calls per step

  process.env.DYNAMODB_ENDPOINT = proxy.url; // every instance created in section 1 talks through the counter

  async function counted<T>(action: () => Promise<T>): Promise<{ value: T; calls: Calls }> {
    const ddb = theProxy.counts();
    const kms = theStack.kms.calls();
    const value = await action();
    return { value, calls: { ddb: difference(ddb, theProxy.counts()), kms: difference(kms, theStack.kms.calls()) } };
  }

  interface StepResult {
    status: number;
    calls: Calls;
  }
  type Picker = (name: FunctionName) => Promise<Handler>;

  /** Runs steps on the instances `pick` hands out; each step's calls include the instance's init. */
  class FlowRun {
    constructor(
      private readonly pick: Picker,
      readonly steps = new Map<string, StepResult>(),
    ) {}

    async step(label: string, fn: FunctionName, expected: number, action: (handler: Handler) => Promise<Answer>): Promise<Answer> {
      const { value, calls } = await counted(async () => action(await this.pick(fn)));
      expectStatus(value, expected, label);
      this.steps.set(label, { status: value.status, calls });
      return value;
    }
  }

  const cold: Picker = (name) => coldInstance(name);
  const warmInstances = new Map<FunctionName, Handler>();
  const warm: Picker = async (name) => {
    let handler = warmInstances.get(name);
    if (handler === undefined) warmInstances.set(name, (handler = await coldInstance(name)));
    return handler;
  };

  const email = (label: string) => `${label}-${randomBytes(4).toString('hex')}@example.com`;

  async function registration(run: FlowRun, address: string): Promise<void> {
    const browser = new Browser();
    const start = await run.step('GET  /register', 'register', 200, (h) => browser.get(h, '/register'));
    const since = new Date();
    const codeStep = await run.step('POST /register  email', 'register', 200, (h) => browser.submit(h, start, { email: address }));
    const code = await mailbox.waitForCode(address, since);
    const details = await run.step('POST /register  code', 'register', 200, (h) => browser.submit(h, codeStep, { code }));
    await run.step('POST /register  name + password', 'register', 303, (h) => browser.submit(h, details, { name: 'Bench User', password: PASSWORD }));
  }

  async function signIn(run: FlowRun, address: string): Promise<void> {
    const withPassword = new Browser();
    const form = await run.step('GET  /login', 'login', 200, (h) => withPassword.get(h, '/login'));
    await run.step('POST /login  password', 'login', 303, (h) => withPassword.submit(h, form, { email: address, password: PASSWORD }));
    const withCode = new Browser();
    const start = await run.step('GET  /login/code', 'login-code', 200, (h) => withCode.get(h, '/login/code'));
    const since = new Date();
    const entry = await run.step('POST /login/code  email', 'login-code', 200, (h) => withCode.submit(h, start, { email: address }));
    const code = await mailbox.waitForCode(address, since);
    await run.step('POST /login/code  code', 'login-code', 303, (h) => withCode.submit(h, entry, { code }));
  }

  async function authorizationCodeFlow(run: FlowRun, address: string): Promise<void> {
    const browser = new Browser();
    const { verifier, challenge } = pkce();
    const toLogin = await run.step('GET  /authorize  no session', 'authorize', 302, (h) => browser.get(h, `/authorize?${authorizeQuery(challenge)}`));
    const form = await run.step('GET  /login?return_to=/authorize..', 'login', 200, (h) => browser.get(h, toLogin.location!));
    const back = await run.step('POST /login  password', 'login', 303, (h) => browser.submit(h, form, { email: address, password: PASSWORD }));
    const redirect = await run.step('GET  /authorize  session -> code', 'authorize', 302, (h) => browser.get(h, back.location!));
    const exchanged = await run.step('POST /token  authorization_code', 'token', 200, (h) =>
      apiCall(h, 'POST', '/token', { form: exchangeForm(codeOf(redirect), verifier) }),
    );
    const tokens = JSON.parse(exchanged.body) as { access_token: string; refresh_token: string };
    await run.step('GET  /userinfo', 'userinfo', 200, (h) => apiCall(h, 'GET', '/userinfo', { headers: { authorization: `Bearer ${tokens.access_token}` } }));
    await run.step('POST /token  refresh_token', 'token', 200, (h) => apiCall(h, 'POST', '/token', { form: refreshForm(tokens.refresh_token) }));
  }

  const coldUser = email('cold');
  const warmupUser = email('warmup');
  const warmUser = email('warm');

  const flows: Array<{ title: string; cold: FlowRun; warm: FlowRun }> = [];
  {
    const coldRun = new FlowRun(cold);
    const warmRun = new FlowRun(warm);
    await registration(coldRun, coldUser);
    await registration(new FlowRun(warm), warmupUser); // makes the warm instance warm
    await registration(warmRun, warmUser);
    flows.push({ title: 'Registration', cold: coldRun, warm: warmRun });
  }
  {
    const coldRun = new FlowRun(cold);
    const warmRun = new FlowRun(warm);
    await signIn(coldRun, coldUser);
    await signIn(new FlowRun(warm), warmupUser);
    await signIn(warmRun, warmUser);
    flows.push({ title: 'Sign-in (password; code by email)', cold: coldRun, warm: warmRun });
  }
  {
    const coldRun = new FlowRun(cold);
    const warmRun = new FlowRun(warm);
    await authorizationCodeFlow(coldRun, coldUser);
    await authorizationCodeFlow(new FlowRun(warm), warmupUser);
    await authorizationCodeFlow(warmRun, warmUser);
    flows.push({ title: 'Authorization-code flow (public client, PKCE, offline_access)', cold: coldRun, warm: warmRun });
  }

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
    for (const [label, fn, browser, path, note] of requests) {
      const handler = await warm(fn);
      const { value, calls } = await counted(() => (browser ?? new Browser()).get(handler, path));
      expectStatus(value, 200, label);
      pageCalls.set(label, calls);
      pageRows.push([label, String(total(calls.ddb)), String(total(calls.kms)), describeCounts({ ...calls.ddb, ...calls.kms }), note]);
    }
    if (!signedIn.jar.has('__Host-session')) throw new Error('no session cookie');
  }
  const loginPostWarm = warmStep(1, 'POST /login  password');

  // ----------------------------------------------------------------------------------------
  // 2b. Latency, straight to DynamoDB Local (no proxy in the path)

  process.env.DYNAMODB_ENDPOINT = directEnv.DYNAMODB_ENDPOINT;
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
    process.env.PASSWORD_ARGON2_MEMORY_KIB = directEnv.PASSWORD_ARGON2_MEMORY_KIB;
    process.env.PASSWORD_ARGON2_ITERATIONS = directEnv.PASSWORD_ARGON2_ITERATIONS;
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
  outbox?.close();
  await proxy?.close();
  await stack?.close();
}
// SDK clients of the many instances keep sockets alive; nothing else is left to wait for.
process.exit(process.exitCode ?? 0);
