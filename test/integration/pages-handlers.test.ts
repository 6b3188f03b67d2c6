/**
 * The page handlers invoked directly, as Lambda would, against DynamoDB Local and the local
 * KMS: registration, sign-in with password and with a code, sign-out and the antiforgery and
 * flow-binding refusals. The handlers build their endpoints from `process.env` on first use
 * (cold start), through the same composition roots as in Lambda, so the environment is set first.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { systemClock } from '../../lib/clock.js';
import { ClientRegistry } from '../../lib/store/client-registry.js';
import { UserDirectory } from '../../lib/store/user-directory.js';
import { countCommands } from '../support/count-commands.js';
import { httpEvent } from '../support/fake-http-event.js';
import { parseForms, submitFields, type HtmlForm } from '../support/html-forms.js';
import { OutboxReader } from '../support/outbox-reader.js';
import { startTestStack, type TestStack } from '../support/stack.js';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

let stack: TestStack;
let outbox: OutboxReader;
const handlers: Record<string, Handler> = {};

before(async () => {
  // A short resend gate, so a test can ask twice for one address without waiting a minute.
  stack = await startTestStack({ env: { OTP_RESEND_AFTER_S: '1' } });
  Object.assign(process.env, stack.env);
  handlers['/'] = (await import('../../functions/home.js')).handler;
  handlers['/login'] = (await import('../../functions/login.js')).handler;
  handlers['/login/code'] = (await import('../../functions/login-code.js')).handler;
  handlers['/register'] = (await import('../../functions/register.js')).handler;
  handlers['/logout'] = (await import('../../functions/logout.js')).handler;
  outbox = new OutboxReader(stack.config);
});

after(async () => {
  outbox?.close();
  await stack?.close();
});

const context = { awsRequestId: 'test' } as Context;
const PASSWORD = 'correct horse battery staple';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const newEmail = (label: string) => `${label}-${randomBytes(4).toString('hex')}@example.com`;

interface Answer {
  status: number;
  body: string;
  location?: string;
  setCookies: string[];
  headers: Record<string, string>;
  forms: HtmlForm[];
}

/** A browser stand-in: a cookie jar (by name) and requests straight into the handlers. */
class Browser {
  readonly jar = new Map<string, string>();
  constructor(private readonly ip = '198.51.100.7') {}

  get(pathAndQuery: string, cookies?: Record<string, string>): Promise<Answer> {
    return this.send('GET', pathAndQuery, undefined, cookies);
  }

  /** Submits the form of `page` that has every field in `fields` (and the page's hidden fields). */
  submit(page: Answer, fields: Record<string, string | undefined>, options: { cookies?: Record<string, string>; action?: string } = {}): Promise<Answer> {
    const form = page.forms.find(
      (f) => (options.action === undefined || f.action === options.action) && Object.keys(fields).every((n) => f.inputNames.includes(n) || fields[n] === undefined),
    );
    assert.ok(form, `a form with ${Object.keys(fields).join(', ')} in ${page.body}`);
    return this.send('POST', form.action, submitFields(form, fields).toString(), options.cookies);
  }

  post(path: string, fields: Record<string, string>, cookies?: Record<string, string>): Promise<Answer> {
    return this.send('POST', path, new URLSearchParams(fields).toString(), cookies);
  }

  private async send(method: string, pathAndQuery: string, body: string | undefined, cookies?: Record<string, string>): Promise<Answer> {
    const url = new URL(pathAndQuery, 'https://id.example.test');
    const handler = handlers[url.pathname];
    assert.ok(handler, `no handler for ${url.pathname}`);
    const sent = cookies ?? Object.fromEntries(this.jar);
    const event = httpEvent(method, pathAndQuery, { body, cookies: sent, ip: this.ip });
    const result = await handler(event, context);
    const setCookies = result.cookies ?? [];
    if (cookies === undefined) {
      for (const line of setCookies) {
        const pair = line.split(';')[0]!;
        const name = pair.slice(0, pair.indexOf('='));
        const value = pair.slice(pair.indexOf('=') + 1);
        if (/Max-Age=0/i.test(line)) this.jar.delete(name);
        else this.jar.set(name, value);
      }
    }
    const headers = (result.headers ?? {}) as Record<string, string>;
    const text = result.body ?? '';
    return { status: result.statusCode ?? 200, body: text, location: headers.Location, setCookies, headers, forms: parseForms(text) };
  }
}

function signedInAs(page: Answer): string | undefined {
  return /Signed in as ([^<\s]+)/.exec(page.body)?.[1];
}

async function register(browser: Browser, email: string, options: { returnTo?: string; name?: string } = {}): Promise<Answer> {
  const start = await browser.get(options.returnTo ? `/register?return_to=${encodeURIComponent(options.returnTo)}` : '/register');
  assert.equal(start.status, 200);
  const since = new Date();
  const codeStep = await browser.submit(start, { email });
  assert.equal(codeStep.status, 200, codeStep.body);
  assert.ok(browser.jar.has('__Host-reg'));
  const code = await outbox.waitForCode(email, since);
  const details = await browser.submit(codeStep, { code });
  assert.equal(details.status, 200, details.body);
  const done = await browser.submit(details, { name: options.name ?? 'Test User', password: PASSWORD });
  assert.equal(done.status, 303, done.body);
  return done;
}

describe('registration', () => {
  it('walks email, code, name and password, and ends signed in', async () => {
    const browser = new Browser();
    const email = newEmail('reg');
    const done = await register(browser, email, { returnTo: '/login?x=1' });
    assert.equal(done.location, '/login?x=1', 'return_to is followed');
    assert.ok(browser.jar.has('__Host-session'));
    assert.ok(!browser.jar.has('__Host-reg'), 'the flow cookie is cleared');
    assert.ok(done.setCookies.some((l) => /^__Host-session=.+; Path=\/; Max-Age=\d+; HttpOnly; Secure; SameSite=Lax$/.test(l)));
    const home = await browser.get('/');
    assert.equal(signedInAs(home), email);
  });

  it('escapes the chosen name on the home page', async () => {
    const browser = new Browser();
    await register(browser, newEmail('xss'), { name: '<script>alert(1)</script>' });
    const home = await browser.get('/');
    assert.ok(home.body.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(!home.body.includes('<script>'));
  });

  it('refuses a wrong code with a 400 page that lets the user retry', async () => {
    const browser = new Browser();
    const email = newEmail('wrong');
    const start = await browser.get('/register');
    const since = new Date();
    const codeStep = await browser.submit(start, { email });
    const code = await outbox.waitForCode(email, since);
    const refused = await browser.submit(codeStep, { code: code === '000000' ? '111111' : '000000' });
    assert.equal(refused.status, 400);
    assert.match(refused.body, /role="alert"/);
    const details = await browser.submit(refused, { code });
    assert.equal(details.status, 200);
    assert.ok(details.forms.some((f) => f.inputNames.includes('password')));
  });

  it('answers an address that already has an account exactly like a new one, and never completes it', async () => {
    const email = newEmail('taken');
    await register(new Browser(), email);
    await pause(1100); // the resend gate of the registration above
    const browser = new Browser();
    const start = await browser.get('/register');
    const since = new Date();
    const codeStep = await browser.submit(start, { email });
    assert.equal(codeStep.status, 200);
    assert.ok(codeStep.forms.some((f) => f.inputNames.includes('code')));
    const mail = await outbox.waitForMessage(email, since);
    assert.doesNotMatch(mail.text, /\d{6}/, 'no code for an existing account');
    const refused = await browser.submit(codeStep, { code: '123456' });
    assert.equal(refused.status, 400);
  });

  it('GET /register resumes the flow at its step, and ?restart=1 starts over', async () => {
    const browser = new Browser();
    const email = newEmail('resume');
    const start = await browser.get('/register');
    const since = new Date();
    await browser.submit(start, { email });
    await outbox.waitForCode(email, since);
    const again = await browser.get('/register');
    assert.ok(again.forms.some((f) => f.inputNames.includes('code')), 'a second tab sees the code step');
    const restarted = await browser.get('/register?restart=1');
    assert.ok(restarted.forms.some((f) => f.inputNames.includes('email')));
    assert.ok(!browser.jar.has('__Host-reg'));
  });

  it("refuses a form of a flow that another tab replaced, with a way to continue", async () => {
    const browser = new Browser();
    const start = await browser.get('/register');
    const tabOne = await browser.submit(start, { email: newEmail('tab1') });
    const startTwo = await browser.get('/register?restart=1');
    await browser.submit(startTwo, { email: newEmail('tab2') });
    const refused = await browser.submit(tabOne, { code: '123456' });
    assert.equal(refused.status, 400);
    assert.match(refused.body, /another tab/);
    assert.match(refused.body, /href="\/register"/);
  });
});

describe('password sign-in and sign-out', () => {
  const email = newEmail('pw');
  before(async () => {
    await register(new Browser(), email);
  });

  it('signs in with the right password, to return_to', async () => {
    const browser = new Browser();
    const form = await browser.get('/login?return_to=%2Fregister%3Fa%3D1');
    const answer = await browser.submit(form, { email, password: PASSWORD });
    assert.equal(answer.status, 303);
    assert.equal(answer.location, '/register?a=1');
    assert.equal(signedInAs(await browser.get('/')), email);
  });

  it("lets the sign-in form's redirect chain reach the client of an /authorize return_to (CSP form-action)", async () => {
    const returnTo = '/authorize?client_id=demo&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&response_type=code';
    const page = await new Browser().get(`/login?return_to=${encodeURIComponent(returnTo)}&login_hint=${encodeURIComponent(email)}`);
    assert.match(page.headers['Content-Security-Policy'] ?? '', /form-action 'self' https:\/\/app\.example;/);
    assert.equal(page.forms[0]!.fields.find(([n]) => n === 'email')?.[1], email, 'login_hint fills in the address');
    const plain = await new Browser().get('/login');
    assert.match(plain.headers['Content-Security-Policy'] ?? '', /form-action 'self';/);
  });

  it('ignores an unsafe return_to', async () => {
    const browser = new Browser();
    const form = await browser.get('/login?return_to=%2F%2Fevil.example');
    const answer = await browser.submit(form, { email, password: PASSWORD });
    assert.equal(answer.location, '/');
    const other = new Browser();
    const fresh = await other.get('/login');
    const fields = Object.fromEntries(fresh.forms[0]!.fields);
    const forged = await other.post('/login', { ...fields, email, password: PASSWORD, return_to: 'https://evil.example/' });
    assert.equal(forged.status, 303);
    assert.equal(forged.location, '/');
  });

  it('answers a wrong password and an unknown address with the same 401 page', async () => {
    const browser = new Browser('198.51.100.20');
    const form = await browser.get('/login');
    const wrong = await browser.submit(form, { email, password: 'nope nope nope' });
    const unknown = await browser.submit(form, { email: newEmail('nobody'), password: 'nope nope nope' });
    for (const answer of [wrong, unknown]) {
      assert.equal(answer.status, 401);
      assert.match(answer.body, /email or password is incorrect/);
      assert.ok(!answer.setCookies.some((l) => l.startsWith('__Host-session=')));
    }
  });

  it('pauses a failing source with a 429 that says when to retry, and no other', async () => {
    const victim = newEmail('lock');
    await register(new Browser(), victim);
    const browser = new Browser('198.51.100.30');
    const form = await browser.get('/login');
    for (let i = 0; i < stack.config.bruteForce.perAccountAndSource.max; i++) {
      assert.equal((await browser.submit(form, { email: victim, password: `wrong ${i}` })).status, 401);
    }
    const paused = await browser.submit(form, { email: victim, password: PASSWORD });
    assert.equal(paused.status, 429);
    assert.match(paused.body, /Try again in \d+ minutes?\. You can sign in with a code/);
    assert.ok(Number(paused.headers['Retry-After']) > 0);
    const elsewhere = new Browser('198.51.100.31');
    assert.equal((await elsewhere.submit(await elsewhere.get('/login'), { email: victim, password: PASSWORD })).status, 303);
  });

  it('keeps the owner signing in from their browser (device cookie) while an attacker with many sources spends the account budget', async () => {
    const victim = newEmail('device');
    const owner = new Browser('198.51.100.40');
    await register(owner, victim);
    const signedIn = await owner.submit(await owner.get('/login'), { email: victim, password: PASSWORD });
    assert.equal(signedIn.status, 303);
    assert.ok(signedIn.setCookies.some((l) => /^__Host-device=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; Secure; SameSite=Lax$/.test(l)), signedIn.setCookies.join('\n'));

    for (let i = 0; i < 3 * stack.config.bruteForce.perAccount.max; i++) {
      const attacker = new Browser(`2001:db8:${i.toString(16)}::1`);
      await attacker.submit(await attacker.get('/login'), { email: victim, password: `guess ${i}` });
    }
    const stranger = new Browser('198.51.100.41');
    const slowed = await stranger.submit(await stranger.get('/login'), { email: victim, password: PASSWORD });
    assert.equal(slowed.status, 429, 'unknown sources share the account budget');
    const again = await owner.submit(await owner.get('/login'), { email: victim, password: PASSWORD });
    assert.equal(again.status, 303, again.body);
  });

  it('signs out: the session is revoked everywhere, even for a copied cookie', async () => {
    const browser = new Browser();
    const form = await browser.get('/login');
    await browser.submit(form, { email, password: PASSWORD });
    const copied = browser.jar.get('__Host-session')!;
    const home = await browser.get('/');
    const out = await browser.submit(home, {}, { action: '/logout' });
    assert.equal(out.status, 303);
    assert.equal(out.location, '/');
    assert.ok(!browser.jar.has('__Host-session'));
    const replayed = await new Browser().get('/', { '__Host-session': copied });
    assert.equal(signedInAs(replayed), undefined);
    assert.match(replayed.body, /href="\/login"/);
  });

  it('honours a post-logout redirect in the sign-out form only when it is registered for the client it names', async () => {
    const clients = new ClientRegistry({ client: stack.documentClient(), tableName: stack.config.tables.directory, clock: systemClock });
    const clientId = `pages-app-${randomBytes(4).toString('hex')}`;
    await clients.register({ clientId, redirectUris: ['https://app.example/cb'], postLogoutRedirectUris: ['https://app.example/bye'] });
    const signOut = async (extra: Record<string, string>) => {
      const browser = new Browser();
      await browser.submit(await browser.get('/login'), { email, password: PASSWORD });
      const form = (await browser.get('/')).forms.find((f) => f.action === '/logout');
      assert.ok(form);
      return browser.post('/logout', { ...Object.fromEntries(form.fields), ...extra });
    };
    const registered = await signOut({ client_id: clientId, post_logout_redirect_uri: 'https://app.example/bye', state: 'st' });
    assert.equal(registered.status, 303);
    assert.equal(registered.location, 'https://app.example/bye?state=st');
    const refused: Record<string, string>[] = [
      { client_id: clientId, post_logout_redirect_uri: 'https://evil.example/bye', state: 'st' },
      { client_id: 'nobody', post_logout_redirect_uri: 'https://app.example/bye' },
      { post_logout_redirect_uri: 'https://app.example/bye' },
    ];
    for (const extra of refused) {
      const answer = await signOut(extra);
      assert.equal(answer.status, 303);
      assert.equal(answer.location, '/', JSON.stringify(extra));
    }
  });

  it('keeps pages closed to cross-origin scripts: no CORS headers', async () => {
    const browser = new Browser();
    const answers = [await browser.get('/login'), await browser.get('/')];
    answers.push(await browser.submit(answers[0]!, { email, password: PASSWORD }));
    answers.push(await browser.submit(await browser.get('/'), {}, { action: '/logout' }));
    for (const answer of answers) {
      assert.deepEqual(Object.keys(answer.headers).filter((name) => name.toLowerCase().startsWith('access-control-')), []);
    }
  });
});

describe('code sign-in', () => {
  const email = newEmail('otp');
  before(async () => {
    await register(new Browser(), email);
  });

  it('mails a code and signs in with it', async () => {
    const browser = new Browser();
    const start = await browser.get('/login/code?return_to=%2Fregister');
    const since = new Date();
    const codeStep = await browser.submit(start, { email });
    assert.equal(codeStep.status, 200);
    assert.ok(browser.jar.has('__Host-otp'));
    const code = await outbox.waitForCode(email, since);
    const answer = await browser.submit(codeStep, { code });
    assert.equal(answer.status, 303);
    assert.equal(answer.location, '/register');
    assert.ok(!browser.jar.has('__Host-otp'));
    assert.equal(signedInAs(await browser.get('/')), email);
  });

  it('answers an unknown address with the same page and mails no code', async () => {
    const email = newEmail('known');
    await register(new Browser(), email);
    const nobody = newEmail('nobody');
    const known = new Browser();
    const unknown = new Browser();
    const since = new Date();
    const a = await known.submit(await known.get('/login/code'), { email });
    const b = await unknown.submit(await unknown.get('/login/code'), { email: nobody });
    assert.equal(a.status, b.status);
    const scrub = (body: string) => body.replace(/value="[^"]*"/g, '').replaceAll(email, 'E').replaceAll(nobody, 'E');
    assert.equal(scrub(a.body), scrub(b.body));
    const mail = await outbox.waitForMessage(nobody, since);
    assert.doesNotMatch(mail.text, /\d{6}/);
  });

  it('makes the same DynamoDB calls for an unknown address as for an account', async () => {
    // Both addresses fresh (no earlier codes or mail), so only the account can make a difference.
    const { getDocumentClient } = await import('../../lib/runtime/services.js');
    const email = newEmail('reads');
    await new UserDirectory({ client: stack.documentClient(), tableName: stack.config.tables.directory, clock: systemClock }).create({
      email,
      name: 'Reads',
      emailVerified: true,
    });
    const counter = countCommands(getDocumentClient());
    const callsFor = async (address: string) => {
      const browser = new Browser();
      const form = await browser.get('/login/code');
      counter.reset();
      assert.equal((await browser.submit(form, { email: address })).status, 200);
      const { Query: _keyRingRefresh, ...calls } = counter.counts();
      return calls;
    };
    // The source's first mail this minute may start its mail-budget counters (a put more): warm them.
    await callsFor(newEmail('warm-up'));
    assert.deepEqual(await callsFor(newEmail('nobody')), await callsFor(email));
  });

  it('refuses a wrong code with 400, and after 5 from one source answers 429 with the wait, keeping the code form', async () => {
    const browser = new Browser();
    const other = newEmail('otp2');
    await register(new Browser(), other);
    const start = await browser.get('/login/code');
    const since = new Date();
    const codeStep = await browser.submit(start, { email: other });
    const code = await outbox.waitForCode(other, since);
    const wrong = code === '000000' ? '111111' : '000000';
    let answer = await browser.submit(codeStep, { code: wrong });
    assert.equal(answer.status, 400);
    assert.ok(answer.forms.some((f) => f.inputNames.includes('code')), 'the user can retry');
    for (let i = 1; i < stack.config.bruteForce.perAccountAndSource.max; i++) {
      answer = await browser.submit(codeStep, { code: wrong });
      assert.equal(answer.status, 400);
    }
    const paused = await browser.submit(codeStep, { code });
    assert.equal(paused.status, 429);
    assert.match(paused.body, /Try again in \d+ minutes?/);
    assert.ok(Number(paused.headers['Retry-After']) > 0);
    assert.ok(paused.forms.some((f) => f.inputNames.includes('code')), 'the code still works after the wait');
    const elsewhere = new Browser('198.51.100.50');
    const fresh = await elsewhere.submit(await elsewhere.get('/login/code'), { email: other });
    const signedIn = await elsewhere.submit(fresh, { code });
    assert.equal(signedIn.status, 303, 'the code mailed first still works from another source');
  });
});

describe('antiforgery on the handlers', () => {
  it('refuses a POST without a form token, or with a tampered one, with a 400 start-again page', async () => {
    const browser = new Browser();
    const form = await browser.get('/login');
    const token = form.forms[0]!.fields.find(([n]) => n === '_af')![1];
    for (const af of [undefined, token.slice(0, -3) + (token.endsWith('AAA') ? 'BBB' : 'AAA'), '']) {
      const answer = await browser.submit(form, { email: 'a@example.com', password: 'x', _af: af });
      assert.equal(answer.status, 400);
      assert.match(answer.body, /href="\/login">Start again/);
      assert.ok(!answer.setCookies.some((l) => l.startsWith('__Host-session=')));
    }
  });

  it('refuses sign-out with a form from another session and signs nobody out', async () => {
    const alice = new Browser();
    const bob = new Browser();
    await register(alice, newEmail('alice'));
    const bobEmail = newEmail('bob');
    await register(bob, bobEmail);
    const aliceHome = await alice.get('/');
    const cookies = { ...Object.fromEntries(alice.jar), '__Host-session': bob.jar.get('__Host-session')! };
    const answer = await alice.submit(aliceHome, {}, { action: '/logout', cookies });
    assert.equal(answer.status, 400);
    assert.equal(signedInAs(await bob.get('/')), bobEmail);
  });

  it('refuses a step without its flow cookie', async () => {
    const browser = new Browser();
    const start = await browser.get('/login/code');
    const codeStep = await browser.submit(start, { email: newEmail('noflow') });
    const { ['__Host-otp']: _otp, ...rest } = Object.fromEntries(browser.jar);
    const answer = await browser.submit(codeStep, { code: '123456' }, { cookies: rest });
    assert.equal(answer.status, 400);
    assert.match(answer.body, /Start again/);
  });
});
