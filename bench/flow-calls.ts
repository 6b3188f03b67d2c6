/**
 * What one request of registration, sign-in or the authorization-code flow costs the backends,
 * measured on the real handlers invoked in-process as Lambda would, against DynamoDB Local and
 * the local KMS endpoint. Shared by `npm run bench -- flows` (calls per step) and `npm run cost`
 * (those calls priced), so both read the same flows and the same counters.
 *
 * Per step it records the DynamoDB commands (by name, counted on the wire by a small HTTP proxy
 * in front of DynamoDB Local that reads `X-Amz-Target`: no production hook, and it sees exactly
 * what the handlers' own clients send), the capacity units DynamoDB Local reports for them (the
 * proxy adds `ReturnConsumedCapacity` to each request and reads the answer), the KMS calls (the
 * local KMS endpoint counts them), the handler's wall and CPU time, its response bytes and, when
 * given a capture of the process output, the bytes of the log lines it wrote.
 *
 * A cold instance is a fresh module graph of the function's file (tsx `tsImport`, which gives
 * every call its own namespace): its own lib/runtime singletons, SDK clients, key-ring caches and
 * unwrapped keys, which is what a new Lambda instance builds. Packages under node_modules are
 * loaded once and shared, which changes no call count.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Agent, createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { tsImport } from 'tsx/esm/api';
import type { Config } from '../lib/config.js';
import { CREDENTIAL_FIELD, PASSKEY_SIGN_IN_OPTIONS_PATH } from '../lib/pages/passkey-pages.js';
import type { CapturedOutput } from '../test/support/captured-output.js';
import { httpEvent } from '../test/support/fake-http-event.js';
import { parseForms, submitFields, type HtmlForm } from '../test/support/html-forms.js';
import { OutboxReader } from '../test/support/outbox-reader.js';
import { startTestStack, type TestStack } from '../test/support/stack.js';
import { createBenchFixtures, type BenchFixtures } from './fixtures.js';

export const PASSWORD = 'correct horse battery staple';
export const CLIENT_ID = 'bench-spa';
export const REDIRECT_URI = 'https://app.example/cb';
export const context = { awsRequestId: 'bench' } as Context;

export type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
/** A file of functions/: serverless.yml names the function that serves it by its `handler`. */
export type FunctionName = 'home' | 'login' | 'login-code' | 'passkey-sign-in' | 'register' | 'authorize' | 'token' | 'userinfo';
export type Counts = Record<string, number>;
export interface Calls {
  ddb: Counts;
  kms: Counts;
}

/**
 * DynamoDB capacity units, as DynamoDB Local reports them in `ConsumedCapacity` (table and global
 * secondary indexes together; transactions doubled, as AWS bills them).
 */
export interface Capacity {
  readUnits: number;
  writeUnits: number;
  /** Writes refused by their condition: the answer is an error and carries no ConsumedCapacity. */
  refusedWrites: number;
}

// ------------------------------------------------------------------------------------------
// Counting DynamoDB at the wire

interface WireUsage {
  counts: Counts;
  capacity: Capacity;
  /** Calls that only the local stack makes: the mail outbox (`outbox#...`), which SES replaces in AWS. */
  localOnly: Counts;
  localOnlyCapacity: Capacity;
}

export interface CountingProxy {
  url: string;
  usage(): WireUsage;
  close(): Promise<void>;
}

const READ_OPERATIONS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
/**
 * AWS charges a transaction two units per item unit; DynamoDB Local reports the standard rate
 * (two small puts in one TransactWriteItems: 2 units), so these are doubled (the index writes
 * inside them too, which overstates a little).
 */
const TRANSACTIONS = new Set(['TransactWriteItems', 'TransactGetItems']);
const REFUSED = new Set(['ConditionalCheckFailedException', 'TransactionCanceledException']);
const noCapacity = (): Capacity => ({ readUnits: 0, writeUnits: 0, refusedWrites: 0 });

/** The partition key a request names, for the commands that name one item. */
function partitionKeyOf(request: Record<string, unknown>): string | undefined {
  const item = (request.Key ?? request.Item) as { pk?: { S?: string } } | undefined;
  return item?.pk?.S;
}

function consumedUnits(answer: unknown): number {
  const consumed = (answer as { ConsumedCapacity?: unknown }).ConsumedCapacity;
  const list = Array.isArray(consumed) ? consumed : consumed === undefined ? [] : [consumed];
  return list.reduce((sum: number, entry) => sum + ((entry as { CapacityUnits?: number }).CapacityUnits ?? 0), 0);
}

async function readBody(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Forwards every request to DynamoDB Local, asking for its consumed capacity (DynamoDB Local
 * checks no signature, so the changed body passes), and counts it by its `X-Amz-Target` operation.
 * The answer goes back unchanged: the SDK ignores the extra `ConsumedCapacity` field.
 */
export async function startCountingProxy(upstream: string): Promise<CountingProxy> {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true });
  const usage: WireUsage = { counts: {}, capacity: noCapacity(), localOnly: {}, localOnlyCapacity: noCapacity() };
  const server = createServer((incoming, outgoing) => {
    forwardCounted(incoming, outgoing).catch((error: unknown) => {
      if (!outgoing.headersSent) outgoing.writeHead(502);
      outgoing.end(String(error));
    });
  });
  async function forwardCounted(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const header = incoming.headers['x-amz-target'];
    const operation = typeof header === 'string' ? header.slice(header.lastIndexOf('.') + 1) : `${incoming.method} ${incoming.url}`;
    let body = await readBody(incoming);
    let localOnly = false;
    if (typeof header === 'string' && body.length > 0) {
      const request = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      localOnly = partitionKeyOf(request)?.startsWith('outbox#') === true;
      body = Buffer.from(JSON.stringify({ ...request, ReturnConsumedCapacity: 'TOTAL' }));
    }
    const counts = localOnly ? usage.localOnly : usage.counts;
    const capacity = localOnly ? usage.localOnlyCapacity : usage.capacity;
    counts[operation] = (counts[operation] ?? 0) + 1;
    const answer = await new Promise<IncomingMessage>((resolve, reject) => {
      const forward = httpRequest(
        {
          hostname: target.hostname,
          port: target.port,
          method: incoming.method,
          path: incoming.url,
          headers: { ...incoming.headers, 'content-length': String(body.length) },
          agent,
        },
        resolve,
      );
      forward.on('error', reject);
      forward.end(body);
    });
    const answerBody = await readBody(answer);
    const parsed = answerBody.length > 0 && answer.headers['content-encoding'] === undefined ? (JSON.parse(answerBody.toString('utf8')) as { __type?: string }) : {};
    if (answer.statusCode === 200) {
      const units = consumedUnits(parsed) * (TRANSACTIONS.has(operation) ? 2 : 1);
      if (READ_OPERATIONS.has(operation)) capacity.readUnits += units;
      else capacity.writeUnits += units;
    } else if (REFUSED.has(parsed.__type?.slice(parsed.__type.lastIndexOf('#') + 1) ?? '')) {
      capacity.refusedWrites++;
    }
    outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
    outgoing.end(answerBody);
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    usage: () => ({
      counts: { ...usage.counts },
      capacity: { ...usage.capacity },
      localOnly: { ...usage.localOnly },
      localOnlyCapacity: { ...usage.localOnlyCapacity },
    }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}

export function difference(before: Counts, after: Counts): Counts {
  const out: Counts = {};
  for (const [name, n] of Object.entries(after)) {
    const delta = n - (before[name] ?? 0);
    if (delta > 0) out[name] = delta;
  }
  return out;
}

function capacityDifference(before: Capacity, after: Capacity): Capacity {
  return {
    readUnits: after.readUnits - before.readUnits,
    writeUnits: after.writeUnits - before.writeUnits,
    refusedWrites: after.refusedWrites - before.refusedWrites,
  };
}

export const total = (counts: Counts) => Object.values(counts).reduce((sum, n) => sum + n, 0);

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

export function describeCounts(counts: Counts): string {
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
export async function coldInstance(name: FunctionName): Promise<Handler> {
  const module = (await tsImport(`../functions/${name}.ts`, import.meta.url)) as { handler: Handler };
  return module.handler;
}

export interface Answer {
  path: string;
  status: number;
  body: string;
  location: string | undefined;
  setCookies: string[];
  /** What goes back to the client: body, headers and cookies (API Gateway adds a few more). */
  bytes: number;
  forms(): HtmlForm[];
}

export function toAnswer(path: string, result: APIGatewayProxyStructuredResultV2): Answer {
  const body = result.body ?? '';
  const headers = Object.entries(result.headers ?? {}).map(([name, value]) => `${name}: ${String(value)}\r\n`);
  const cookies = (result.cookies ?? []).map((cookie) => `set-cookie: ${cookie}\r\n`);
  let forms: HtmlForm[] | undefined;
  return {
    path,
    status: result.statusCode ?? 200,
    body,
    location: (result.headers as Record<string, string> | undefined)?.Location,
    setCookies: result.cookies ?? [],
    bytes: Buffer.byteLength(body, result.isBase64Encoded ? 'base64' : 'utf8') + Buffer.byteLength([...headers, ...cookies].join('')),
    forms: () => (forms ??= parseForms(body)),
  };
}

/** A browser stand-in: a cookie jar and requests straight into a handler. */
export class Browser {
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

  /**
   * What the login page's script does as it loads where the browser offers passkeys in the email
   * field's autofill: asks for sign-in options (a challenge), with the passkey form's fields.
   */
  async passkeyOptions(handler: Handler, page: Answer): Promise<Answer> {
    const form = page.forms().find((f) => f.method === 'POST' && f.inputNames.includes(CREDENTIAL_FIELD));
    if (!form) throw new Error(`no passkey form on ${page.path} (${page.status})`);
    return this.send(handler, 'POST', PASSKEY_SIGN_IN_OPTIONS_PATH, submitFields(form, { [CREDENTIAL_FIELD]: undefined }).toString());
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
export async function apiCall(
  handler: Handler,
  method: 'GET' | 'POST',
  path: string,
  options: { form?: URLSearchParams; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return toAnswer(path, await handler(httpEvent(method, path, { body: options.form?.toString(), headers: options.headers }), context));
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizeQuery(challenge: string): string {
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

export const exchangeForm = (code: string, verifier: string) =>
  new URLSearchParams({ grant_type: 'authorization_code', client_id: CLIENT_ID, code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
export const refreshForm = (refreshToken: string) => new URLSearchParams({ grant_type: 'refresh_token', client_id: CLIENT_ID, refresh_token: refreshToken });

export function codeOf(answer: Answer): string {
  const code = answer.location ? new URL(answer.location).searchParams.get('code') : null;
  if (!code) throw new Error(`no code in ${answer.status} ${answer.location ?? answer.body.slice(0, 300)}`);
  return code;
}

export function expectStatus(answer: Answer, status: number, what: string): Answer {
  if (answer.status !== status) throw new Error(`${what}: expected ${status}, got ${answer.status} ${answer.location ?? ''} ${answer.body.slice(0, 400)}`);
  return answer;
}

export const email = (label: string) => `${label}-${randomBytes(4).toString('hex')}@example.com`;

// ------------------------------------------------------------------------------------------
// The stack the flows run on

export interface FlowStack {
  stack: TestStack;
  config: Config;
  proxy: CountingProxy;
  mailbox: OutboxReader;
  /** Setup traffic, straight to DynamoDB Local (uncounted). */
  fixtures: BenchFixtures;
  /** Instances created from now on talk to DynamoDB through the counting proxy. */
  countCalls(): void;
  /** Instances created from now on talk to DynamoDB Local directly (latency without the proxy's hop). */
  callDirectly(): void;
  close(): Promise<void>;
}

/**
 * DynamoDB Local, the local KMS endpoint and the counting proxy, with both key rings holding a key
 * (as after the first deploy's scheduled rotation, so no step pays for creating one) and the
 * public client the flows use. `env` overrides the stack's environment (e.g. the password cost).
 */
export async function startFlowStack(env: Record<string, string> = {}): Promise<FlowStack> {
  const stack = await startTestStack({ env });
  const direct = { ...stack.env };
  Object.assign(process.env, direct);
  let proxy: CountingProxy | undefined;
  let mailbox: OutboxReader | undefined;
  const close = async () => {
    mailbox?.close();
    await proxy?.close();
    await stack.close();
  };
  try {
    proxy = await startCountingProxy(stack.dynamodbEndpoint);
    mailbox = new OutboxReader(stack.config); // reads the outbox directly, not through the proxy
    const fixtures = createBenchFixtures(stack.config, { documentClient: stack.documentClient() });
    await fixtures.ensureKeys();
    await fixtures.registerClient({ clientId: CLIENT_ID, firstParty: true, redirectUris: [REDIRECT_URI] });
    const proxyUrl = proxy.url;
    return {
      stack,
      config: stack.config,
      proxy,
      mailbox,
      fixtures,
      countCalls: () => {
        process.env.DYNAMODB_ENDPOINT = proxyUrl;
      },
      callDirectly: () => {
        process.env.DYNAMODB_ENDPOINT = direct.DYNAMODB_ENDPOINT;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

// ------------------------------------------------------------------------------------------
// Steps and flows

export interface StepResult {
  status: number;
  /** The function that served the step. */
  fn: FunctionName;
  calls: Calls;
  capacity: Capacity;
  /** Mails sent: the local outbox's writes (not in `calls`), which SES replaces in AWS. */
  mails: number;
  wallMs: number;
  /** CPU of the whole process during the step: the handler, and the proxy when counting. */
  cpuMs: number;
  responseBytes: number;
  /** Log lines written during the step (only with a capture), without the outbox's own. */
  log: { lines: number; bytes: number };
}

/** How an outbox mail shows in the log: a line the SES mailer does not write. */
const OUTBOX_LOG_MESSAGE = 'outbox mail (local stage only)';

export type Picker = (name: FunctionName) => Promise<Handler>;

/** Runs steps on the instances `pick` hands out; each step's figures include the instance's init. */
export class FlowRun {
  readonly steps = new Map<string, StepResult>();

  constructor(
    private readonly flows: FlowStack,
    private readonly pick: Picker,
    private readonly output?: CapturedOutput,
  ) {}

  async step(label: string, fn: FunctionName, expected: number, action: (handler: Handler) => Promise<Answer>): Promise<Answer> {
    const { proxy, stack } = this.flows;
    const wire = proxy.usage();
    const kms = stack.kms.calls();
    // Calls at a cold instance's import count for its first step; the time to load the module does not.
    const handler = await this.pick(fn);
    const logFrom = this.output?.lines.length ?? 0;
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    const answer = await action(handler);
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    const used = process.cpuUsage(cpu);
    const after = proxy.usage();
    expectStatus(answer, expected, label);
    const lines = (this.output?.lines.slice(logFrom) ?? []).filter((line) => !line.includes(OUTBOX_LOG_MESSAGE));
    this.steps.set(label, {
      status: answer.status,
      fn,
      calls: { ddb: difference(wire.counts, after.counts), kms: difference(kms, stack.kms.calls()) },
      capacity: capacityDifference(wire.capacity, after.capacity),
      // The outbox's first mail to an address is a refused append and then a put: count what was written.
      mails: total(difference(wire.localOnly, after.localOnly)) - (after.localOnlyCapacity.refusedWrites - wire.localOnlyCapacity.refusedWrites),
      wallMs,
      cpuMs: (used.user + used.system) / 1000,
      responseBytes: answer.bytes,
      // Lambda ingests each line with its newline.
      log: { lines: lines.length, bytes: lines.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0) },
    });
    return answer;
  }
}

/** Pickers: a new instance per step, or one instance per function kept for every later step. */
export function instancePickers(): { cold: Picker; warm: Picker } {
  const warmInstances = new Map<FunctionName, Handler>();
  return {
    cold: (name) => coldInstance(name),
    warm: async (name) => {
      let handler = warmInstances.get(name);
      if (handler === undefined) warmInstances.set(name, (handler = await coldInstance(name)));
      return handler;
    },
  };
}

export type Flow = (run: FlowRun, mailbox: OutboxReader, address: string) => Promise<void>;

/** From the first page to an account, the code read from the outbox. */
export const registration: Flow = async (run, mailbox, address) => {
  const browser = new Browser();
  const start = await run.step('GET  /register', 'register', 200, (h) => browser.get(h, '/register'));
  const since = new Date();
  const codeStep = await run.step('POST /register  email', 'register', 200, (h) => browser.submit(h, start, { email: address }));
  const code = await mailbox.waitForCode(address, since);
  const details = await run.step('POST /register  code', 'register', 200, (h) => browser.submit(h, codeStep, { code }));
  await run.step('POST /register  name + password', 'register', 303, (h) => browser.submit(h, details, { name: 'Bench User', password: PASSWORD }));
};

/** A password sign-in, then a sign-in with a mailed code, each from its own browser. */
export const signIn: Flow = async (run, mailbox, address) => {
  const withPassword = new Browser();
  const form = await run.step('GET  /login', 'login', 200, (h) => withPassword.get(h, '/login'));
  await run.step('POST /login  password', 'login', 303, (h) => withPassword.submit(h, form, { email: address, password: PASSWORD }));
  const withCode = new Browser();
  const start = await run.step('GET  /login/code', 'login-code', 200, (h) => withCode.get(h, '/login/code'));
  const since = new Date();
  const entry = await run.step('POST /login/code  email', 'login-code', 200, (h) => withCode.submit(h, start, { email: address }));
  const code = await mailbox.waitForCode(address, since);
  await run.step('POST /login/code  code', 'login-code', 303, (h) => withCode.submit(h, entry, { code }));
};

/** A public client with PKCE and offline_access: sign-in on the way, code exchange, userinfo, one refresh. */
export const authorizationCodeFlow: Flow = async (run, _mailbox, address) => {
  const browser = new Browser();
  const { verifier, challenge } = pkce();
  const toLogin = await run.step('GET  /authorize  no session', 'authorize', 302, (h) => browser.get(h, `/authorize?${authorizeQuery(challenge)}`));
  const form = await run.step('GET  /login?return_to=/authorize..', 'login', 200, (h) => browser.get(h, toLogin.location!));
  await run.step('POST /passkeys/sign-in/options  autofill', 'passkey-sign-in', 200, (h) => browser.passkeyOptions(h, form));
  const back = await run.step('POST /login  password', 'login', 303, (h) => browser.submit(h, form, { email: address, password: PASSWORD }));
  const redirect = await run.step('GET  /authorize  session -> code', 'authorize', 302, (h) => browser.get(h, back.location!));
  const exchanged = await run.step('POST /token  authorization_code', 'token', 200, (h) =>
    apiCall(h, 'POST', '/token', { form: exchangeForm(codeOf(redirect), verifier) }),
  );
  const tokens = JSON.parse(exchanged.body) as { access_token: string; refresh_token: string };
  await run.step('GET  /userinfo', 'userinfo', 200, (h) => apiCall(h, 'GET', '/userinfo', { headers: { authorization: `Bearer ${tokens.access_token}` } }));
  await run.step('POST /token  refresh_token', 'token', 200, (h) => apiCall(h, 'POST', '/token', { form: refreshForm(tokens.refresh_token) }));
};

export const FLOWS = [
  { key: 'registration', title: 'Registration', flow: registration },
  { key: 'signIn', title: 'Sign-in (password; code by email)', flow: signIn },
  { key: 'authorizationCode', title: 'Authorization-code flow (public client, PKCE, offline_access)', flow: authorizationCodeFlow },
] as const;
export type FlowKey = (typeof FLOWS)[number]['key'];

export interface MeasuredFlow {
  key: FlowKey;
  title: string;
  cold: FlowRun;
  warm: FlowRun;
}

/**
 * Every flow on cold instances (each step the first request of a new instance), then on warm
 * ones (instances that served the whole flow before, for another user), all through the
 * counting proxy. The users the flows register are returned: `warm` can sign in.
 */
export async function measureFlows(flows: FlowStack, pickers = instancePickers(), output?: CapturedOutput): Promise<{ flows: MeasuredFlow[]; users: { cold: string; warm: string } }> {
  flows.countCalls();
  const users = { cold: email('cold'), warmup: email('warmup'), warm: email('warm') };
  const measured: MeasuredFlow[] = [];
  for (const { key, title, flow } of FLOWS) {
    const cold = new FlowRun(flows, pickers.cold, output);
    const warm = new FlowRun(flows, pickers.warm, output);
    await flow(cold, flows.mailbox, users.cold);
    await flow(new FlowRun(flows, pickers.warm, output), flows.mailbox, users.warmup); // makes the warm instances warm
    await flow(warm, flows.mailbox, users.warm);
    measured.push({ key, title, cold, warm });
  }
  return { flows: measured, users: { cold: users.cold, warm: users.warm } };
}
