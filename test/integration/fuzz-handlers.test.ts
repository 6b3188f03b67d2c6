/**
 * The functions' handlers fuzzed end to end, in-process as Lambda calls them, against DynamoDB
 * Local and the local KMS: arbitrary HTTP API (payload 2.0) events (methods, headers, cookies
 * named like ours with random values, bodies, base64 flags, query strings) to every page() and
 * api() handler. Whatever arrives, the answer is a deliberate one: never 500, never an exception
 * out of the handler, never a hang (a generous per-input bound that fails only on one). The
 * budget is fixed (RUNS); fast-check prints a failure's seed and shrunk counterexample.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { systemClock } from '../../lib/clock.js';
import { ClientRegistry } from '../../lib/store/client-registry.js';
import { fakeContext, fakeEvent } from '../support/fake-http-event.js';
import type { FunctionHandler } from '../support/oidc-instances.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const RUNS = 300;
/** Far above any answer's time on a loaded machine: only a hang reaches it. */
const PER_INPUT_BOUND_MS = 20_000;

let stack: TestStack;
const routes: Array<{ path: string; handler: FunctionHandler }> = [];

before(async () => {
  stack = await startTestStack();
  Object.assign(process.env, stack.env);
  const modules: Array<[string, string]> = [
    ['/', 'home'],
    ['/login', 'login'],
    ['/login/code', 'login-code'],
    ['/login/second-factor', 'second-factor'],
    ['/account/two-factor/enrol', 'two-factor'],
    ['/account/two-factor/disable', 'two-factor'],
    ['/register', 'register'],
    ['/logout', 'logout'],
    ['/logout', 'end-session'],
    ['/authorize', 'authorize'],
    ['/token', 'token'],
    ['/revoke', 'revoke'],
    ['/introspect', 'introspect'],
    ['/userinfo', 'userinfo'],
    ['/jwks', 'jwks'],
    ['/.well-known/openid-configuration', 'discovery'],
    ['/assets/site.css', 'assets'],
  ];
  for (const [path, name] of modules) routes.push({ path, handler: (await import(`../../functions/${name}.js`)).handler as FunctionHandler });
  const client = stack.documentClient();
  await new ClientRegistry({ client, tableName: stack.config.tables.directory, clock: systemClock }).register({ clientId: 'spa', firstParty: true, redirectUris: ['https://app.example/cb'] });
  client.destroy();
});

after(async () => {
  await stack?.close();
});

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 120 }),
  fc.string({ unit: fc.constantFrom(...'%=&;:+ /\\?#@.,"\'\r\n\u0000aZ09-_~'.split('')), maxLength: 60 }),
  fc.constantFrom('', 'spa', 'https://app.example/cb', 'code', 'openid', 'S256', 'authorization_code', 'refresh_token', 'email', 'details', 'resend', '1'),
);
const FIELDS = ['_af', 'step', 'email', 'password', 'code', 'name', 'return_to', 'client_id', 'client_secret', 'grant_type', 'redirect_uri', 'code_verifier', 'refresh_token', 'token', 'response_type', 'scope', 'state', 'code_challenge', 'code_challenge_method', 'prompt', 'max_age', 'id_token_hint', 'post_logout_redirect_uri', 'restart', 'acr_values', 'claims'];
const fieldPairs = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...FIELDS), text), text), { maxLength: 8 }).map((pairs) => new URLSearchParams(pairs).toString());
const COOKIES = ['__Host-session', '__Host-af', '__Host-reg', '__Host-otp', '__Host-device'];
const cookie = fc.tuple(fc.oneof(fc.constantFrom(...COOKIES), text), fc.oneof(text, fc.base64String({ maxLength: 200 }))).map(([name, value]) => `${name}=${value}`);

const eventArbitrary = fc.record({
  route: fc.nat(),
  method: fc.oneof(fc.constantFrom('GET', 'POST', 'OPTIONS', 'HEAD', 'PUT', 'DELETE', 'get'), fc.string({ maxLength: 8 })),
  query: fc.oneof(fieldPairs, text),
  body: fc.option(fc.oneof(fieldPairs, text), { nil: undefined }),
  base64: fc.boolean(),
  headers: fc.dictionary(
    fc.oneof(fc.constantFrom('content-type', 'authorization', 'origin', 'sec-fetch-site', 'cookie', 'Content-Type', 'x-forwarded-for', 'referer'), text),
    fc.oneof(text, fc.constantFrom('application/x-www-form-urlencoded', 'Basic c3BhOng=', 'Bearer a.b.c', 'same-origin', 'cross-site', 'https://id.example.test')),
    { maxKeys: 6 },
  ),
  cookies: fc.option(fc.array(cookie, { maxLength: 5 }), { nil: undefined }),
});

type EventInput = typeof eventArbitrary extends fc.Arbitrary<infer T> ? T : never;

function eventOf(input: EventInput, path: string): APIGatewayProxyEventV2 {
  const base = fakeEvent();
  return fakeEvent({
    rawPath: path,
    rawQueryString: input.query,
    headers: input.headers,
    ...(input.body !== undefined ? { body: input.base64 ? Buffer.from(input.body).toString('base64') : input.body } : {}),
    ...(input.cookies !== undefined ? { cookies: input.cookies } : {}),
    isBase64Encoded: input.base64,
    requestContext: { ...base.requestContext, http: { ...base.requestContext.http, method: input.method, path } },
  });
}

async function bounded<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${PER_INPUT_BOUND_MS} ms`)), PER_INPUT_BOUND_MS);
  });
  try {
    return await Promise.race([work, hang]);
  } finally {
    clearTimeout(timer);
  }
}

describe('fuzz: handlers end to end (in-process, DynamoDB Local)', () => {
  it('answers every arbitrary event deliberately: no 500, no exception, no hang', { timeout: 1_200_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(eventArbitrary, async (input) => {
        const { path, handler } = routes[input.route % routes.length]!;
        const answer = await bounded(handler(eventOf(input, path), fakeContext), `${input.method} ${path}`);
        const status = answer.statusCode ?? 200;
        assert.ok(status >= 200 && status < 600 && status !== 500, `${input.method} ${path} answered ${status}: ${String(answer.body).slice(0, 300)}`);
        assert.doesNotMatch(String(answer.body ?? ''), /\bat .+\.(ts|js):\d+/, 'a stack trace');
      }),
      { numRuns: RUNS },
    );
  });
});
