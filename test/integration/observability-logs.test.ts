/**
 * What the functions write while people register, sign in (password and code), sign out and an
 * application runs the authorization-code flow and refreshes: the handlers called in-process, as
 * Lambda would, every line they print captured. No line may carry a secret the test knows (the
 * password, one-time codes, the authorization code, tokens, cookie values, the client secret,
 * the full email address), apart from the local outbox's own mail lines (the local stage's
 * stand-in for an inbox, by design). The same run checks the request lines, metrics and audit
 * events the flow must produce.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Context } from 'aws-lambda';
import { systemClock } from '../../lib/clock.js';
import { ClientRegistry } from '../../lib/store/client-registry.js';
import { CapturedOutput } from '../support/captured-output.js';
import { fakeContext } from '../support/fake-http-event.js';
import { InProcessBrowser, type RouteHandler } from '../support/in-process-browser.js';
import { codeRequestQuery, pkcePair } from '../support/oidc-instances.js';
import { OutboxReader } from '../support/outbox-reader.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const PASSWORD = 'observability horse battery staple';
const CLIENT_ID = 'observed-web';
const CLIENT_SECRET = `secret-${randomBytes(16).toString('hex')}`;
const REDIRECT = 'https://app.example/cb';
const OUTBOX_MESSAGE = 'outbox mail (local stage only)';
const context = { ...fakeContext, functionName: 'identity-test-fn' } as Context;

let stack: TestStack;
let outbox: OutboxReader;
let output: CapturedOutput;
const routes: Record<string, RouteHandler> = {};
/** Every secret the flow handled, by what it is. */
const secrets: { what: string; value: string }[] = [];

before(async () => {
  // No reuse grace: the replayed refresh token below is reuse at once.
  stack = await startTestStack({ env: { OTP_RESEND_AFTER_S: '1', REFRESH_TOKEN_REUSE_GRACE_S: '0' } });
  Object.assign(process.env, stack.env);
  const clients = new ClientRegistry({ client: stack.documentClient(), tableName: stack.config.tables.directory, clock: systemClock });
  await clients.register({
    clientId: CLIENT_ID,
    firstParty: true,
    secret: CLIENT_SECRET,
    redirectUris: [REDIRECT],
    postLogoutRedirectUris: [],
    grantTypes: ['authorization_code', 'refresh_token'],
  });
  secrets.push({ what: 'client secret', value: CLIENT_SECRET });
  for (const [path, module] of Object.entries({
    '/': 'home',
    '/register': 'register',
    '/login': 'login',
    '/login/code': 'login-code',
    '/logout': 'logout',
    '/authorize': 'authorize',
    '/token': 'token',
    '/userinfo': 'userinfo',
  })) {
    routes[path] = ((await import(`../../functions/${module}.js`)) as { handler: RouteHandler }).handler;
  }
  outbox = new OutboxReader(stack.config);
  output = new CapturedOutput();
});

after(async () => {
  output?.restore();
  outbox?.close();
  await stack?.close();
});

const basic = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;

async function registerAndSignIn(browser: InProcessBrowser, email: string): Promise<void> {
  const start = await browser.get('/register');
  const since = new Date();
  const codeStep = await browser.submit(start, { email });
  assert.equal(codeStep.status, 200, codeStep.body);
  const code = await outbox.waitForCode(email, since);
  secrets.push({ what: 'registration code', value: code });
  const details = await browser.submit(codeStep, { code });
  assert.equal(details.status, 200, details.body);
  const done = await browser.submit(details, { name: 'Observed User', password: PASSWORD });
  assert.equal(done.status, 303, done.body);
}

describe('logs, metrics and audit events of whole flows', () => {
  it('registration, sign-out, password and code sign-in, code flow and refresh leak no secret into any line', async () => {
    const email = `observed-${randomBytes(4).toString('hex')}@example.com`;
    secrets.push({ what: 'password', value: PASSWORD }, { what: 'email address', value: email });
    const browser = new InProcessBrowser(routes, context);

    await registerAndSignIn(browser, email);
    const home = await browser.get('/');
    const signedOut = await browser.submit(home, {});
    assert.equal(signedOut.status, 303, signedOut.body);

    const wrong = await browser.submit(await browser.get('/login'), { email, password: `${PASSWORD}!` });
    assert.equal(wrong.status, 401);
    const signedIn = await browser.submit(await browser.get('/login'), { email, password: PASSWORD });
    assert.equal(signedIn.status, 303, signedIn.body);

    const codePage = await browser.get('/login/code');
    const since = new Date();
    const entry = await browser.submit(codePage, { email });
    const otp = await outbox.waitForCode(email, since);
    secrets.push({ what: 'sign-in code', value: otp });
    const byCode = await browser.submit(entry, { code: otp });
    assert.equal(byCode.status, 303, byCode.body);

    const { verifier, challenge } = pkcePair();
    const query = codeRequestQuery({ clientId: CLIENT_ID, redirectUri: REDIRECT, challenge, state: 's1' });
    const authorized = await browser.get(`/authorize?${query}`);
    const code = new URL(authorized.location ?? 'about:blank').searchParams.get('code');
    assert.ok(code, `a code in ${authorized.status} ${authorized.location ?? authorized.body}`);
    secrets.push({ what: 'authorization code', value: code }, { what: 'PKCE verifier', value: verifier });

    const exchanged = await browser.post('/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }, { authorization: basic });
    assert.equal(exchanged.status, 200, exchanged.body);
    const tokens = JSON.parse(exchanged.body) as Record<string, string>;
    secrets.push({ what: 'access token', value: tokens.access_token! }, { what: 'ID token', value: tokens.id_token! }, { what: 'refresh token', value: tokens.refresh_token! });

    const userinfo = await browser.get('/userinfo', { authorization: `Bearer ${tokens.access_token}` });
    assert.equal(userinfo.status, 200, userinfo.body);
    const refreshed = await browser.post('/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }, { authorization: basic });
    assert.equal(refreshed.status, 200, refreshed.body);
    const successor = JSON.parse(refreshed.body) as Record<string, string>;
    secrets.push({ what: 'refreshed access token', value: successor.access_token! }, { what: 'successor refresh token', value: successor.refresh_token! });
    const replayed = await browser.post('/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }, { authorization: basic });
    assert.equal(replayed.status, 400, replayed.body);

    for (const value of browser.cookieValues) secrets.push({ what: 'cookie value', value });

    const lines = output.lines.filter((line) => JSON.parse(line).message !== OUTBOX_MESSAGE);
    assert.ok(lines.length > 20, `only ${lines.length} lines captured`);
    for (const { what, value } of secrets) {
      const leaks = lines.filter((line) => line.includes(value));
      assert.deepEqual(leaks, [], `the ${what} appears in the logs`);
    }
    // The outbox lines are the exception, and only because this stack runs MAIL_MODE=outbox.
    assert.equal(stack.env.MAIL_MODE, 'outbox');
    assert.ok(output.lines.some((line) => JSON.parse(line).message === OUTBOX_MESSAGE && line.includes(otp)));

    // One request line per request, each with the function, request id, route, status and latency.
    const requests = output.requests;
    assert.equal(requests.length, browser.sent);
    for (const request of requests) {
      assert.equal(request.function_name, 'identity-test-fn');
      assert.equal(request.function_request_id, fakeContext.awsRequestId);
      assert.match(String(request.route), /^(GET|POST) \//);
      assert.equal(typeof request.status, 'number');
      assert.equal(typeof request.latencyMs, 'number');
    }

    const metrics = Object.fromEntries(output.metrics);
    for (const [name, count] of Object.entries({
      'CodeSent{kind=registration}': 1,
      'CodeSent{kind=sign-in}': 1,
      'SignIn{method=password,outcome=invalid}': 1,
      'SignIn{method=password,outcome=success}': 1,
      'SignIn{method=code,outcome=success}': 1,
      'TokenIssued{grant=authorization_code}': 1,
      'TokenIssued{grant=refresh_token}': 1,
      RefreshReuseDetected: 1,
    })) {
      assert.equal(metrics[name], count, `${name} in ${JSON.stringify(metrics)}`);
    }
    // The rings were empty, so this instance created their keys: ring reads, no KMS unwrap.
    assert.ok((metrics['KeyRingRefresh{ring=dataprotection,outcome=ok}'] ?? 0) >= 1, JSON.stringify(metrics));

    const audits = output.audits.map((event) => [event.event, (event.actor as { type: string }).type, event.source]);
    assert.deepEqual(audits, [
      ['account.created', 'user', '198.51.100.7'],
      ['session.ended', 'user', '198.51.100.7'],
    ]);
    const created = output.audits[0]!;
    assert.equal((created.detail as { email: string }).email, 'o***@example.com');
    assert.equal(typeof created.time, 'string');
  });
});
