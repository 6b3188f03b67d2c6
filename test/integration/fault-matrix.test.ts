/**
 * The fault matrix: every DynamoDB call of every flow, failed once on purpose.
 *
 * The handlers run in-process as Lambda runs them (the functions' own modules, built from the
 * environment through lib/runtime's composition roots), with DYNAMODB_ENDPOINT aimed at a
 * fault-injecting proxy in front of DynamoDB Local (test/support/dynamodb-fault-proxy.ts) and
 * AWS_MAX_ATTEMPTS=1, so that an injected fault is not hidden by an SDK retry. For each flow
 * step: one clean run counts its calls; then for each call i a fresh attempt fails call i, and
 *
 *   - the answer is 503 with Retry-After (pages: a readable HTML page), never 500 or a trace;
 *   - the stored state is the old one or the new one, never half of each;
 *   - the same step, retried without faults (or, where the new state makes the retry moot, the
 *     next thing a person or client does), completes: every flow can be resumed.
 *
 * Refusals fail before anything is forwarded; forward-then-drop is a write that DynamoDB applied
 * but whose answer was lost, tried on every write. The table of outcomes is printed at the end;
 * a half state (an outcome marked HALF: resumable only by a workaround) fails its step.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { systemClock } from '../../lib/clock.js';
import { GrantStore, grantIdForCode } from '../../lib/oidc/grant-store.js';
import { TtlCache } from '../../lib/store/ttl-cache.js';
import { UserDirectory } from '../../lib/store/user-directory.js';
import { ClientRegistry } from '../../lib/store/client-registry.js';
import { startDynamoDbFaultProxy, type DynamoDbFaultProxy, type FaultKind } from '../support/dynamodb-fault-proxy.js';
import { httpEvent } from '../support/fake-http-event.js';
import { parseForms, submitFields, type HtmlForm } from '../support/html-forms.js';
import { call, codeRequestQuery, pkcePair, type Answer, type FunctionHandler } from '../support/oidc-instances.js';
import { OutboxReader } from '../support/outbox-reader.js';
import { PasswordHasher } from '../../lib/auth/password-hasher.js';
import { TEST_PASSWORD_SETTINGS } from '../support/password-hashing.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const TEST_PASSWORD = 'correct horse battery staple';
const REDIRECT = 'https://app.example/cb';
const CLIENT_ID = 'fault-spa';

let stack: TestStack;
let proxy: DynamoDbFaultProxy;
let outbox: OutboxReader;
let direct: DynamoDBDocumentClient;
/** Read straight from DynamoDB Local, past the proxy: what is really stored. */
let grants: GrantStore;
let users: UserDirectory;
const handlers: Record<string, FunctionHandler> = {};

before(async () => {
  // A one-second resend gate: some recoveries wait it out (the table says which), as a person would wait 60 s.
  stack = await startTestStack({ env: { OTP_RESEND_AFTER_S: '1' } });
  proxy = await startDynamoDbFaultProxy(stack.dynamodbEndpoint);
  // The functions read these at their cold start: the proxy instead of DynamoDB Local, and one
  // SDK attempt per call (AWS_MAX_ATTEMPTS is the SDK's own setting), so each fault surfaces.
  Object.assign(process.env, stack.env, { DYNAMODB_ENDPOINT: proxy.url, AWS_MAX_ATTEMPTS: '1' });
  handlers['/'] = (await import('../../functions/home.js')).handler;
  handlers['/login'] = (await import('../../functions/login.js')).handler;
  handlers['/login/code'] = (await import('../../functions/login-code.js')).handler;
  handlers['/register'] = (await import('../../functions/register.js')).handler;
  handlers['/logout'] = (await import('../../functions/logout.js')).handler;
  handlers['/authorize'] = (await import('../../functions/authorize.js')).handler;
  handlers['/token'] = (await import('../../functions/token.js')).handler;
  handlers['/revoke'] = (await import('../../functions/revoke.js')).handler;
  handlers['/userinfo'] = (await import('../../functions/userinfo.js')).handler;

  direct = stack.documentClient();
  const cache = new TtlCache({ client: direct, tableName: stack.config.tables.cache, clock: systemClock });
  grants = new GrantStore({ cache, clock: systemClock, refreshReuseGraceS: stack.config.tokens.refreshReuseGraceS });
  users = new UserDirectory({ client: direct, tableName: stack.config.tables.directory, clock: systemClock });
  await new ClientRegistry({ client: direct, tableName: stack.config.tables.directory, clock: systemClock }).register({
    clientId: CLIENT_ID,
    firstParty: true,
    redirectUris: [REDIRECT],
    grantTypes: ['authorization_code', 'refresh_token'],
  });
  outbox = new OutboxReader(stack.config);
});

after(async () => {
  outbox?.close();
  direct?.destroy();
  await proxy?.close();
  await stack?.close();
});

const newEmail = (label: string) => `${label}-${randomBytes(5).toString('hex')}@example.com`;
/** Each attempt from its own address, so no per-source budget decides an outcome. */
const newIp = () => `198.51.${randomBytes(1)[0]}.${randomBytes(1)[0]! % 250 + 1}`;

/** A browser stand-in over the in-process handlers: a cookie jar by name, forms submitted as parsed. */
class Browser {
  readonly jar = new Map<string, string>();
  readonly ip = newIp();

  get(pathAndQuery: string): Promise<Page> {
    return this.send('GET', pathAndQuery);
  }

  /** Submits the form of `page` that has every named field (hidden fields as the page set them). */
  submit(page: Page, fields: Record<string, string>, options: { keepJar?: boolean } = {}): Promise<Page> {
    const form = page.forms.find((f) => f.method === 'POST' && Object.keys(fields).every((n) => f.inputNames.includes(n)));
    assert.ok(form, `a form with ${Object.keys(fields).join(', ')} in ${page.body}`);
    return this.send('POST', form.action, submitFields(form, fields).toString(), options);
  }

  /** Presses "Send a new code" (the form whose hidden step is `resend`). */
  resend(page: Page): Promise<Page> {
    const form = page.forms.find((f) => f.fields.some(([name, value]) => name === 'step' && value === 'resend'));
    assert.ok(form, `a resend form in ${page.body}`);
    return this.send('POST', form.action, submitFields(form).toString());
  }

  async send(method: string, pathAndQuery: string, body?: string, options: { keepJar?: boolean } = {}): Promise<Page> {
    const path = new URL(pathAndQuery, 'https://id.example.test').pathname;
    const handler = handlers[path];
    assert.ok(handler, `no handler for ${path}`);
    const answer = await call(handler, httpEvent(method, pathAndQuery, { body, cookies: this.jar, ip: this.ip }));
    if (!options.keepJar) this.store(answer.cookies);
    return { ...answer, forms: parseForms(answer.body) };
  }

  /** The request a failed attempt would have sent, for cookie-reading helpers. */
  event(): APIGatewayProxyEventV2 {
    return httpEvent('GET', '/', { cookies: this.jar, ip: this.ip });
  }

  private store(lines: readonly string[]): void {
    for (const line of lines) {
      const pair = line.split(';')[0]!;
      const name = pair.slice(0, pair.indexOf('='));
      if (/Max-Age=0/i.test(line)) this.jar.delete(name);
      else this.jar.set(name, pair.slice(pair.indexOf('=') + 1));
    }
  }
}

interface Page extends Answer {
  forms: HtmlForm[];
}

const reached = (completed: boolean, how: string): string | false => (completed ? how : false);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Long enough for an outbox write that happened; a missing mail is known well before the default 5 s. */
const MAIL_WAIT_MS = 1_500;

/**
 * The code mailed to `email` since `since`; when none was (the failed attempt issued a code and
 * took the resend gate, but the mail was lost), waits out the gate and presses "Send a new code"
 * on `codePage`, as the page invites a person to. `recovered` names which path it took.
 */
async function mailedCode(browser: Browser, email: string, since: Date, codePage: Page): Promise<{ code: string; page: Page; recovered: string }> {
  const mailed = await outbox.waitForCode(email, since, MAIL_WAIT_MS).catch(() => undefined);
  if (mailed !== undefined) return { code: mailed, page: codePage, recovered: 'retried' };
  await pause(stack.config.otp.resendAfterS * 1000 + 100);
  const resentAt = new Date();
  const page = await browser.resend(codePage);
  assert.equal(page.status, 200, page.body);
  return { code: await outbox.waitForCode(email, resentAt), page, recovered: 'HALF: code issued, mail lost; new code after the resend gate' };
}

/**
 * `unobservable`: the outcome lives in a cookie that a 503 does not set (a session, a flow id),
 * or in a one-time code that cannot be checked without spending it; the resume tells.
 */
type State = 'old' | 'new' | 'unobservable';

/** One attempt at a flow step, from a fresh starting point prepared without faults. */
interface Attempt {
  run(): Promise<Answer>;
  succeeded(answer: Answer): boolean;
  /** The stored state after a failed run; throws when it is half old, half new. */
  state(): Promise<State>;
  /**
   * What the person or client does next after a 503, without faults, to the end of the flow;
   * says how it got there (`retried`, or the recovery a half state needed), or false.
   */
  resume(state: State): Promise<string | false>;
}

interface FlowStep {
  name: string;
  /** Pages answer people (HTML), the OAuth endpoints programs (JSON). */
  surface: 'page' | 'api';
  prepare(): Promise<Attempt>;
}

const isRedirect303 = (answer: Answer) => answer.status === 303 && answer.headers.Location !== undefined;
const setsSession = (answer: Answer) => answer.cookies.some((line) => line.startsWith('__Host-session=') && !/Max-Age=0/i.test(line));

async function signedIn(browser: Browser): Promise<boolean> {
  return /Signed in as/.test((await browser.get('/')).body);
}

/** Registration up to the page of the given step: the email form, the code form or the details form. */
async function registrationAt(step: 'email' | 'code' | 'details'): Promise<{ browser: Browser; email: string; page: Page; code?: string }> {
  const browser = new Browser();
  const email = newEmail('reg');
  let page = await browser.get('/register');
  if (step === 'email') return { browser, email, page };
  const since = new Date();
  page = await browser.submit(page, { email });
  assert.equal(page.status, 200, page.body);
  const code = await outbox.waitForCode(email, since);
  if (step === 'code') return { browser, email, page, code };
  page = await browser.submit(page, { code });
  assert.equal(page.status, 200, page.body);
  return { browser, email, page };
}

/** The rest of a registration from a details form: name and password, then signed in. */
async function completeRegistration(browser: Browser, page: Page): Promise<boolean> {
  const done = await browser.submit(page, { name: 'Fault Tester', password: TEST_PASSWORD });
  return isRedirect303(done) && setsSession(done) && (await signedIn(browser));
}

/** Whether the directory holds a whole account for the address (user and email index), none, or half. */
async function accountState(email: string): Promise<State> {
  const index = (await direct.send(new GetCommand({ TableName: stack.config.tables.directory, Key: { pk: `email#${email}`, sk: 'email' }, ConsistentRead: true }))).Item;
  if (index === undefined) return 'old';
  const user = await users.findById(String(index.userId));
  assert.ok(user, `half an account: the email index of ${email} names a user that does not exist`);
  return 'new';
}

async function newAccount(): Promise<{ email: string; userId: string }> {
  const email = newEmail('user');
  const passwordHash = await new PasswordHasher(TEST_PASSWORD_SETTINGS).hash(TEST_PASSWORD);
  const user = await users.create({ email, name: 'Fault Tester', passwordHash, emailVerified: true });
  return { email, userId: user.id };
}

/** A signed-in browser (through the password form) and its account. */
async function signedInBrowser(): Promise<{ browser: Browser; userId: string }> {
  const { email, userId } = await newAccount();
  const browser = new Browser();
  const done = await browser.submit(await browser.get('/login'), { email, password: TEST_PASSWORD });
  assert.ok(isRedirect303(done), done.body);
  return { browser, userId };
}

async function authorizationCode(browser: Browser): Promise<{ code: string; verifier: string }> {
  const { verifier, challenge } = pkcePair();
  const query = codeRequestQuery({ clientId: CLIENT_ID, redirectUri: REDIRECT, challenge, state: 's' });
  const answer = await browser.get(`/authorize?${query}`);
  assert.equal(answer.status, 302, answer.body);
  const code = new URL(answer.headers.Location!).searchParams.get('code');
  assert.ok(code);
  return { code, verifier };
}

function tokenRequest(fields: Record<string, string>): Promise<Answer> {
  return call(handlers['/token']!, httpEvent('POST', '/token', { body: new URLSearchParams({ client_id: CLIENT_ID, ...fields }).toString() }));
}

const exchange = (code: string, verifier: string) =>
  tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier });
const refresh = (refreshToken: string) => tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken });
const tokensOf = (answer: Answer) => JSON.parse(answer.body) as { access_token: string; refresh_token?: string };

async function userinfoOk(accessToken: string): Promise<boolean> {
  const answer = await call(handlers['/userinfo']!, httpEvent('GET', '/userinfo', { headers: { authorization: `Bearer ${accessToken}` } }));
  return answer.status === 200;
}

/** Tokens from a fresh sign-in and code exchange. */
async function issuedTokens(): Promise<{ accessToken: string; refreshToken: string }> {
  const { browser } = await signedInBrowser();
  const { code, verifier } = await authorizationCode(browser);
  const answer = await exchange(code, verifier);
  assert.equal(answer.status, 200, answer.body);
  const tokens = tokensOf(answer);
  assert.ok(tokens.refresh_token);
  return { accessToken: tokens.access_token, refreshToken: tokens.refresh_token };
}

const FLOWS: FlowStep[] = [
  {
    name: 'registration: start',
    surface: 'page',
    async prepare() {
      const { browser, email, page } = await registrationAt('email');
      const since = new Date();
      return {
        run: () => browser.submit(page, { email }),
        succeeded: (answer) => answer.status === 200 && answer.cookies.some((l) => l.startsWith('__Host-reg=')),
        // Nothing reaches the browser with a 503: a flow record or a code alone is an orphan the TTL removes.
        state: async () => 'unobservable',
        async resume() {
          const codeStep = await browser.submit(page, { email });
          if (codeStep.status !== 200) return false;
          const { code, page: codePage, recovered } = await mailedCode(browser, email, since, codeStep);
          const details = await browser.submit(codePage, { code });
          return reached(details.status === 200 && (await completeRegistration(browser, details)), recovered);
        },
      };
    },
  },
  {
    name: 'registration: verify code',
    surface: 'page',
    async prepare() {
      const { browser, email, page, code } = await registrationAt('code');
      return {
        run: () => browser.submit(page, { code: code! }, { keepJar: true }),
        succeeded: (answer) => answer.status === 200 && parseForms(answer.body).some((f) => f.inputNames.includes('password')),
        async state() {
          // The flow advanced (new) or it did not and the code still works (old).
          const current = await browser.get('/register');
          return parseForms(current.body).some((f) => f.inputNames.includes('password')) ? 'new' : 'old';
        },
        async resume(state) {
          if (state === 'new') {
            const details = await browser.get('/register');
            return reached(await completeRegistration(browser, details), 'reloaded: at the details step');
          }
          const retried = await browser.submit(page, { code: code! });
          if (retried.status === 200) return reached(await completeRegistration(browser, retried), 'retried');
          // The failed attempt spent the code but did not advance the flow: the page offers a new code.
          await pause(stack.config.otp.resendAfterS * 1000 + 100);
          const resentAt = new Date();
          const codePage = await browser.resend(retried);
          const details = await browser.submit(codePage, { code: await outbox.waitForCode(email, resentAt) });
          return reached(await completeRegistration(browser, details), 'HALF: code spent, flow not advanced; a new code');
        },
      };
    },
  },
  {
    name: 'registration: complete',
    surface: 'page',
    async prepare() {
      const { browser, email, page } = await registrationAt('details');
      return {
        run: () => browser.submit(page, { name: 'Fault Tester', password: TEST_PASSWORD }, { keepJar: true }),
        succeeded: (answer) => isRedirect303(answer) && setsSession(answer),
        state: () => accountState(email),
        async resume(state) {
          if (state === 'old') return reached(await completeRegistration(browser, page), 'retried');
          // The account exists: the retry says so (or that the flow is over), and its owner signs
          // in with the password just chosen.
          const retry = await browser.submit(page, { name: 'Fault Tester', password: TEST_PASSWORD });
          const login = new Browser();
          const done = await login.submit(await login.get('/login'), { email, password: TEST_PASSWORD });
          const said = retry.status === 409 ? 'account exists' : 'flow over';
          return reached([400, 409].includes(retry.status) && isRedirect303(done) && (await signedIn(login)), `retry: "${said}"; signed in with the password`);
        },
      };
    },
  },
  {
    name: 'password sign-in',
    surface: 'page',
    async prepare() {
      const { email } = await newAccount();
      const browser = new Browser();
      const page = await browser.get('/login');
      return {
        run: () => browser.submit(page, { email, password: TEST_PASSWORD }, { keepJar: true }),
        succeeded: (answer) => isRedirect303(answer) && setsSession(answer),
        // A session lives in its cookie, which a 503 does not set.
        state: async () => 'unobservable',
        async resume() {
          const done = await browser.submit(page, { email, password: TEST_PASSWORD });
          return reached(isRedirect303(done) && (await signedIn(browser)), 'retried');
        },
      };
    },
  },
  {
    name: 'code sign-in: send code',
    surface: 'page',
    async prepare() {
      const { email } = await newAccount();
      const browser = new Browser();
      const page = await browser.get('/login/code');
      const since = new Date();
      return {
        run: () => browser.submit(page, { email }, { keepJar: true }),
        succeeded: (answer) => answer.status === 200 && parseForms(answer.body).some((f) => f.inputNames.includes('code')),
        state: async () => 'unobservable',
        async resume() {
          const codeStep = await browser.submit(page, { email });
          if (codeStep.status !== 200) return false;
          const { code, page: codePage, recovered } = await mailedCode(browser, email, since, codeStep);
          const done = await browser.submit(codePage, { code });
          return reached(isRedirect303(done) && (await signedIn(browser)), recovered);
        },
      };
    },
  },
  {
    name: 'code sign-in: enter code',
    surface: 'page',
    async prepare() {
      const { email } = await newAccount();
      const browser = new Browser();
      const since = new Date();
      const page = await browser.submit(await browser.get('/login/code'), { email });
      assert.equal(page.status, 200, page.body);
      const code = await outbox.waitForCode(email, since);
      return {
        run: () => browser.submit(page, { code }, { keepJar: true }),
        succeeded: (answer) => isRedirect303(answer) && setsSession(answer),
        // A spent code is the new state: the session it paid for was lost with the answer.
        state: async () => 'unobservable',
        async resume() {
          const done = await browser.submit(page, { code });
          if (isRedirect303(done)) return reached(await signedIn(browser), 'retried');
          // The failed attempt spent the code (single use): the session it paid for went with the answer.
          await pause(stack.config.otp.resendAfterS * 1000 + 100);
          const resent = new Date();
          const codePage = await browser.resend(done);
          const finished = await browser.submit(codePage, { code: await outbox.waitForCode(email, resent) });
          return reached(isRedirect303(finished) && (await signedIn(browser)), 'code spent: a new code after the resend gate');
        },
      };
    },
  },
  {
    name: 'code exchange',
    surface: 'api',
    async prepare() {
      const { browser } = await signedInBrowser();
      const { code, verifier } = await authorizationCode(browser);
      return {
        run: () => exchange(code, verifier),
        succeeded: (answer) => answer.status === 200 && tokensOf(answer).refresh_token !== undefined,
        async state() {
          // The grant's one conditional write is the redemption: pending (old) or active (new).
          const grant = await grants.grant(grantIdForCode(code));
          assert.equal(grant?.revoked, false, 'a failed exchange revoked the grant');
          if (grant?.status === 'active') return 'new';
          assert.ok(await grants.findCode(code), 'the grant is pending but its code is gone');
          return 'old';
        },
        async resume(state) {
          if (state === 'old') {
            const answer = await exchange(code, verifier);
            return reached(answer.status === 200 && (await userinfoOk(tokensOf(answer).access_token)), 'retried');
          }
          // A redeemed code is spent (RFC 6749 4.1.2): the retry is refused, never a 500, and the client signs in again.
          const retry = await exchange(code, verifier);
          if (retry.status !== 400 || JSON.parse(retry.body).error !== 'invalid_grant') return false;
          const again = await authorizationCode(browser);
          return reached((await exchange(again.code, again.verifier)).status === 200, 'retry: invalid_grant; a new code exchanged');
        },
      };
    },
  },
  {
    name: 'refresh',
    surface: 'api',
    async prepare() {
      const { refreshToken } = await issuedTokens();
      return {
        run: () => refresh(refreshToken),
        succeeded: (answer) => answer.status === 200 && tokensOf(answer).refresh_token !== undefined,
        async state() {
          const record = await grants.refreshToken(refreshToken);
          assert.ok(record, 'the presented refresh token is gone');
          const grant = await grants.grant(record.grantId);
          assert.equal(grant?.revoked, false, 'a failed refresh revoked the family (taken for reuse)');
          return record.status === 'active' ? 'old' : 'new';
        },
        async resume() {
          // The client retries with the token it holds: served (the successor again, within the grace window), not reuse.
          const answer = await refresh(refreshToken);
          if (answer.status !== 200) return false;
          const next = await refresh(tokensOf(answer).refresh_token!);
          return reached(next.status === 200 && (await userinfoOk(tokensOf(next).access_token)), 'retried (same token)');
        },
      };
    },
  },
  {
    name: 'revocation',
    surface: 'api',
    async prepare() {
      const { refreshToken } = await issuedTokens();
      const revoke = () => call(handlers['/revoke']!, httpEvent('POST', '/revoke', { body: new URLSearchParams({ client_id: CLIENT_ID, token: refreshToken }).toString() }));
      return {
        run: revoke,
        succeeded: (answer) => answer.status === 200,
        async state() {
          const record = await grants.refreshToken(refreshToken);
          assert.ok(record);
          return (await grants.grant(record.grantId))?.revoked ? 'new' : 'old';
        },
        async resume() {
          return reached((await revoke()).status === 200 && (await refresh(refreshToken)).status === 400, 'retried');
        },
      };
    },
  },
  {
    name: 'logout',
    surface: 'page',
    async prepare() {
      const { browser } = await signedInBrowser();
      const home = await browser.get('/');
      const session = new Map(browser.jar);
      return {
        run: () => browser.submit(home, {}, { keepJar: true }),
        succeeded: (answer) => isRedirect303(answer) && answer.cookies.some((l) => l.startsWith('__Host-session=') && /Max-Age=0/i.test(l)),
        async state() {
          // The session id is revoked (new: a copied cookie no longer works) or not (old).
          return (await signedIn(browser)) ? 'old' : 'new';
        },
        async resume(state) {
          const copied = new Browser();
          for (const [name, value] of session) copied.jar.set(name, value);
          // Signed out already, the person sees the signed-out home page; otherwise they sign out again.
          const done = state === 'new' ? await browser.get('/') : await browser.submit(home, {});
          const answered = state === 'new' ? done.status === 200 : isRedirect303(done);
          return reached(answered && !(await signedIn(browser)) && !(await signedIn(copied)), state === 'new' ? 'reloaded: signed out' : 'retried');
        },
      };
    },
  },
];

/** Refusals rotate over the calls of a step; every write also gets forward-then-drop. */
const REFUSALS: readonly FaultKind[] = ['throttling', 'throughput-exceeded', 'internal-error', 'unavailable', 'drop'];
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems', 'BatchWriteItem']);

interface Row {
  flow: string;
  call: number;
  operation: string;
  fault: FaultKind;
  outcome: string;
}
const rows: Row[] = [];

function assertUnavailable(answer: Answer, surface: FlowStep['surface'], where: string): void {
  assert.equal(answer.status, 503, `${where}: ${answer.status} ${answer.body.slice(0, 300)}`);
  assert.match(answer.headers['Retry-After'] ?? '', /^\d+$/, `${where}: Retry-After`);
  assert.doesNotMatch(answer.body, /\bat .+\.(ts|js):\d+/, `${where}: a stack trace`);
  if (surface === 'page') {
    assert.match(answer.headers['Content-Type'] ?? '', /^text\/html/, where);
    assert.match(answer.body, /<h1>[^<]+<\/h1>/, `${where}: a readable page`);
  } else {
    assert.equal(JSON.parse(answer.body).error, 'temporarily_unavailable', where);
  }
}

describe('fault matrix: one DynamoDB call failed at a time', () => {
  for (const [index, flow] of FLOWS.entries()) {
    it(flow.name, { timeout: 600_000 }, async () => {
      // Warm: the matrix is about warm instances (cold ones are the KMS and ring tests' subject).
      const warm = await flow.prepare();
      assert.ok(warm.succeeded(await warm.run()), `${flow.name} without faults`);
      const counted = await flow.prepare();
      proxy.resetCalls();
      assert.ok(counted.succeeded(await counted.run()), `${flow.name} without faults`);
      const operations = proxy.sequence();
      assert.ok(operations.length > 0);

      const plan = operations.flatMap((operation, i): Array<{ call: number; fault: FaultKind }> => {
        // One hang per step (it costs the SDK's whole request timeout), on the last call: the commit.
        const refusal = i === operations.length - 1 && index % 2 === 0 ? 'hang' : REFUSALS[(i + index) % REFUSALS.length]!;
        return [{ call: i + 1, fault: refusal }, ...(WRITES.has(operation) ? [{ call: i + 1, fault: 'forward-then-drop' as const }] : [])];
      });
      for (const { call: callNumber, fault } of plan) {
        const where = `${flow.name}, call ${callNumber} of ${operations.join(' ')}, ${fault}`;
        const attempt = await flow.prepare();
        proxy.inject({ kind: fault, call: callNumber });
        const answer = await attempt.run();
        const hit = proxy.fired();
        proxy.inject(null);
        if (hit === undefined || attempt.succeeded(answer)) {
          // Not reached (this attempt made fewer calls: counters created vs. updated), or a
          // best-effort write whose failure the step tolerates: then it must have done its job.
          assert.ok(attempt.succeeded(answer), `${where}: ${hit ? 'fired' : 'not reached'}, answered ${answer.status} ${answer.body.slice(0, 300)}`);
          assert.notEqual(await attempt.state(), 'old', `${where}: answered success but stored nothing`);
          rows.push({ flow: flow.name, call: callNumber, operation: hit?.hit ?? operations[callNumber - 1]!, fault, outcome: hit ? 'tolerated: success' : 'not reached: success' });
          continue;
        }
        assertUnavailable(answer, flow.surface, where);
        const state = await attempt.state();
        const resumed = await attempt.resume(state).catch((error: Error) => assert.fail(`${where}: resuming from the ${state} state: ${error.message}`));
        assert.ok(resumed, `${where}: could not be resumed from the ${state} state`);
        rows.push({ flow: flow.name, call: callNumber, operation: hit.hit, fault, outcome: `503; ${state}; ${resumed}` });
        // A resume that needed a workaround (a new code, a wait) means the step was neither atomic
        // nor idempotent: the row stays in the printed table, and the step fails.
        assert.doesNotMatch(resumed, /^HALF\b/, `${where}: a half state, resumed only by a workaround: ${resumed}`);
      }
    });
  }

  after(() => {
    const lines = ['| flow | call | operation | fault | outcome |', '| --- | --- | --- | --- | --- |'];
    for (const r of rows) lines.push(`| ${r.flow} | ${r.call} | ${r.operation} | ${r.fault} | ${r.outcome} |`);
    console.log(`\nFault matrix (${rows.length} faults):\n${lines.join('\n')}\n`);
  });
});
