/**
 * What clients see, through the real handlers on DynamoDB Local: ID tokens name the class the
 * session satisfies (`acr`) beside its `amr`; `acr_values` for multi-factor (or a client
 * registered with --require-mfa) steps a one-factor session up through the second step, or a
 * user without a second factor through TOTP enrolment, before any code; `prompt=none` answers
 * interaction_required; an essential class this provider cannot meet answers access_denied.
 * Also the account page's two-factor forms: enrolment needs a recent sign-in, a tampered
 * enrolment cookie is refused, and turning TOTP off needs the factor itself and mails the user.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { ACR_MULTI_FACTOR, ACR_ONE_FACTOR } from '../../lib/oidc/acr.js';
import { discoveryDocument } from '../../lib/oidc/discovery.js';
import { newTotpSecret, totpCodeAt, TOTP_PERIOD_S } from '../../lib/auth/totp.js';
import type { User } from '../../lib/auth/user-store.js';
import { getTotpFactor } from '../../lib/runtime/second-factor-services.js';
import { getSessions, getUserDirectory } from '../../lib/runtime/services.js';
import { SESSION_COOKIE } from '../../lib/session/sessions.js';
import { ClientRegistry } from '../../lib/store/client-registry.js';
import { httpEvent } from '../support/fake-http-event.js';
import { useHandlerStack } from '../support/handler-stack.js';
import { InProcessBrowser, type BrowserAnswer } from '../support/in-process-browser.js';
import { captureOutput } from '../support/captured-output.js';
import { codeRequestQuery, pkcePair } from '../support/oidc-instances.js';

const STEP_MS = TOTP_PERIOD_S * 1000;
const REDIRECT_URI = 'https://rp.example/cb';
const CLIENT = 'step-up-app';
const MFA_CLIENT = 'mfa-only-app';

const handlers = useHandlerStack(
  {
    '/authorize': 'authorize',
    '/token': 'token',
    '/login/second-factor': 'second-factor',
    '/account/two-factor/enrol': 'two-factor',
    '/account/two-factor/recovery-codes': 'two-factor',
    '/account/two-factor/disable': 'two-factor',
  },
  {
    setUp: async (stack) => {
      const clients = new ClientRegistry({ client: stack.documentClient(), tableName: stack.config.tables.directory, clock: Date.now });
      await clients.register({ clientId: CLIENT, redirectUris: [REDIRECT_URI], firstParty: true });
      await clients.register({ clientId: MFA_CLIENT, redirectUris: [REDIRECT_URI], firstParty: true, requireMfa: true });
    },
  },
);

async function newUser(options: { totp?: boolean } = {}): Promise<{ user: User; secret?: string; recoveryCodes: string[] }> {
  const user = await getUserDirectory().create({ email: `acr-${randomBytes(4).toString('hex')}@example.com`, name: 'Step Up', emailVerified: true });
  if (!options.totp) return { user, recoveryCodes: [] };
  const secret = newTotpSecret();
  const activation = await getTotpFactor().activate(user.id, secret, totpCodeAt(secret, Date.now() - STEP_MS));
  assert.ok(activation.ok);
  return { user, secret, recoveryCodes: activation.recoveryCodes };
}

let ips = 0;
/** A browser holding a one-factor (password) session for `user`, signed in `ageS` ago. */
async function signedIn(user: User, ageS = 0): Promise<InProcessBrowser> {
  const client = new InProcessBrowser(handlers.routes, undefined, `203.0.113.${++ips}`);
  const { cookie } = await getSessions().start({ subject: user.id, methods: ['pwd'], authTime: Math.floor(Date.now() / 1000) - ageS });
  client.jar.set(SESSION_COOKIE, cookie.split(';')[0]!.slice(SESSION_COOKIE.length + 1));
  return client;
}

interface Authorization {
  answer: BrowserAnswer;
  verifier: string;
}

async function authorize(client: InProcessBrowser, extra: Record<string, string> = {}, clientId = CLIENT): Promise<Authorization> {
  const { verifier, challenge } = pkcePair();
  const query = codeRequestQuery({ clientId, redirectUri: REDIRECT_URI, challenge, state: 's-1', scope: 'openid' });
  for (const [name, value] of Object.entries(extra)) query.set(name, value);
  return { answer: await client.get(`/authorize?${query}`), verifier };
}

/** The redirect back to the client, as parameters. */
function clientRedirect(answer: BrowserAnswer): URLSearchParams {
  assert.ok(answer.location?.startsWith(`${REDIRECT_URI}?`), `a redirect to the client, got ${answer.status} ${answer.location} ${answer.body}`);
  return new URL(answer.location!).searchParams;
}

async function idTokenFor(answer: BrowserAnswer, verifier: string, clientId = CLIENT): Promise<Record<string, unknown>> {
  const code = clientRedirect(answer).get('code');
  assert.ok(code, `a code in ${answer.location}`);
  const event = httpEvent('POST', '/token', {
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: clientId, code_verifier: verifier }).toString(),
  });
  const response = await handlers.routes['/token']!(event, { awsRequestId: 't' } as never);
  assert.equal(response.statusCode, 200, response.body);
  return decodeJwt(JSON.parse(response.body!).id_token as string);
}

describe('acr and step-up at /authorize', () => {
  it('names the one-factor class for a password session and asks nothing more when nothing more is asked', async () => {
    const { user } = await newUser({ totp: true });
    const client = await signedIn(user);
    const { answer, verifier } = await authorize(client);
    const claims = await idTokenFor(answer, verifier);
    assert.equal(claims.acr, ACR_ONE_FACTOR);
    assert.deepEqual(claims.amr, ['pwd']);
  });

  it('acr_values for multi-factor sends a one-factor session through the second step, then the token says mfa and keeps auth_time', async () => {
    const { user, secret } = await newUser({ totp: true });
    const client = await signedIn(user, 120);
    const authTime = Math.floor(Date.now() / 1000) - 120;
    const first = await authorize(client, { acr_values: ACR_MULTI_FACTOR });
    assert.equal(first.answer.location, '/login/second-factor', 'no code before the second factor');
    const step = await client.get(first.answer.location!);
    assert.equal(step.status, 200);
    const back = await client.submit(step, { code: totpCodeAt(secret!, Date.now()) });
    assert.equal(back.status, 303, back.body);
    assert.ok(back.location?.startsWith('/authorize?'), back.location);
    const second = await client.get(back.location!);
    const claims = await idTokenFor(second, first.verifier);
    assert.equal(claims.acr, ACR_MULTI_FACTOR);
    assert.deepEqual((claims.amr as string[]).sort(), ['mfa', 'otp', 'pwd']);
    assert.ok(Math.abs((claims.auth_time as number) - authTime) <= 1, 'auth_time is the first factor’s, not the step-up’s');
  });

  it('the claims parameter’s essential acr steps up the same way; an essential class nobody can meet is access_denied', async () => {
    const { user } = await newUser({ totp: true });
    const client = await signedIn(user);
    const essential = await authorize(client, { claims: JSON.stringify({ id_token: { acr: { essential: true, values: [ACR_MULTI_FACTOR] } } }) });
    assert.equal(essential.answer.location, '/login/second-factor');
    const unknown = await authorize(client, { claims: JSON.stringify({ id_token: { acr: { essential: true, value: 'urn:other:gold' } } }) });
    assert.equal(clientRedirect(unknown.answer).get('error'), 'access_denied');
  });

  it('prompt=none with a one-factor session answers interaction_required', async () => {
    const { user } = await newUser({ totp: true });
    const client = await signedIn(user);
    const { answer } = await authorize(client, { acr_values: ACR_MULTI_FACTOR, prompt: 'none' });
    const params = clientRedirect(answer);
    assert.equal(params.get('error'), 'interaction_required');
    assert.equal(params.get('code'), null);
  });

  it('a client that requires MFA takes a user without a second factor through enrolment before any code', async () => {
    const { user } = await newUser();
    const client = await signedIn(user);
    const first = await authorize(client, {}, MFA_CLIENT);
    assert.ok(first.answer.location?.startsWith('/account/two-factor/enrol?return_to='), first.answer.location);
    const enrol = await client.get(first.answer.location!);
    assert.equal(enrol.status, 200, enrol.body);
    assert.match(enrol.body, /<svg [^>]*role="img"/, 'the QR code is inline SVG');
    assert.doesNotMatch(enrol.body, /style=/, 'no style attribute for the CSP to block');
    const secret = /<code>([A-Z2-7 ]+)<\/code>/.exec(enrol.body)![1]!.replace(/ /g, '');
    const wrong = await client.submit(enrol, { code: totpCodeAt(newTotpSecret(), Date.now()) });
    assert.equal(wrong.status, 400);
    assert.ok(wrong.body.includes(secret.slice(0, 4)), 'the same secret again after a wrong code');
    const since = new Date();
    const done = await client.submit(wrong, { code: totpCodeAt(secret, Date.now()) });
    assert.equal(done.status, 200, done.body);
    assert.equal((done.body.match(/<li><code>/g) ?? []).length, 10, 'ten recovery codes, shown once');
    assert.match((await handlers.outbox.waitForMessage(user.email, since)).subject, /turned on/);
    const continueHref = /<a class="button" href="([^"]+)">I have saved them/.exec(done.body)![1]!.replace(/&amp;/g, '&');
    const second = await client.get(continueHref);
    const claims = await idTokenFor(second, first.verifier, MFA_CLIENT);
    assert.equal(claims.acr, ACR_MULTI_FACTOR);
    assert.deepEqual((claims.amr as string[]).sort(), ['mfa', 'otp', 'pwd']);
  });

  it('discovery lists both classes', async () => {
    const document = discoveryDocument(handlers.stack.config);
    assert.deepEqual(document.acr_values_supported, [ACR_ONE_FACTOR, ACR_MULTI_FACTOR]);
    assert.ok((document.claims_supported as string[]).includes('acr'));
  });
});

describe('the two-factor forms of /account', () => {
  it('enrolment needs a recent sign-in', async () => {
    const { user } = await newUser();
    const client = await signedIn(user, handlers.stack.config.account.recentAuthS + 60);
    const answer = await client.get('/account/two-factor/enrol');
    assert.equal(answer.status, 302);
    assert.ok(answer.location?.startsWith('/login?return_to='), answer.location);
  });

  it('refuses the confirming code with a tampered enrolment cookie', async () => {
    const { user } = await newUser();
    const client = await signedIn(user);
    const enrol = await client.get('/account/two-factor/enrol');
    const secret = /<code>([A-Z2-7 ]+)<\/code>/.exec(enrol.body)![1]!.replace(/ /g, '');
    const value = client.jar.get('__Host-totp-enrol')!;
    client.jar.set('__Host-totp-enrol', value.slice(0, -4) + (value.at(-4) === 'A' ? 'B' : 'A') + value.slice(-3));
    const refused = await client.submit(enrol, { code: totpCodeAt(secret, Date.now()) });
    assert.equal(refused.status, 400);
    assert.equal((await getTotpFactor().typed(user.id)).totp, false);
  });

  it('turning TOTP off needs a code of the factor itself, not only the session, and mails and audits it', async (t) => {
    const { user, recoveryCodes } = await newUser({ totp: true });
    const client = await signedIn(user);
    const output = captureOutput(t);
    const form = await client.get('/account/two-factor/disable');
    assert.equal(form.status, 200);
    const wrong = await client.submit(form, { code: '123456' });
    assert.equal(wrong.status, 400);
    assert.equal((await getTotpFactor().typed(user.id)).totp, true, 'a recent sign-in alone turns nothing off');
    const since = new Date();
    const done = await client.submit(wrong, { code: recoveryCodes[0]! });
    assert.equal(done.status, 303, done.body);
    assert.equal((await getTotpFactor().typed(user.id)).totp, false);
    assert.match((await handlers.outbox.waitForMessage(user.email, since)).subject, /turned off/);
    const audits = output.audits.map((record) => [record.event, (record.subject as { id: string }).id]);
    assert.deepEqual(audits, [['mfa.recovery-code-used', user.id], ['mfa.totp-disabled', user.id]]);
    assert.equal(output.metrics.get('SecondFactor{outcome=invalid}'), 1);
    assert.equal(output.metrics.get('SecondFactor{outcome=recovery-code}'), 1);
    // The local outbox logs its mail by design; the audit and request lines carry ids only.
    const lines = [...output.audits, ...output.requests].map((record) => JSON.stringify(record));
    assert.ok(!lines.some((line) => line.includes(recoveryCodes[0]!) || line.includes(user.email)), 'no code or address in the audit and request lines');
    assert.ok(!output.lines.some((line) => line.includes(recoveryCodes[0]!)), 'no code anywhere');
  });

  it('makes new recovery codes after a recent sign-in; the old ones stop working', async () => {
    const { user, recoveryCodes } = await newUser({ totp: true });
    const client = await signedIn(user);
    const form = await client.get('/account/two-factor/disable');
    const af = form.forms[0]!.fields.find(([name]) => name === '_af')![1];
    const made = await client.post('/account/two-factor/recovery-codes', { _af: af });
    assert.equal(made.status, 200, made.body);
    const fresh = [...made.body.matchAll(/<li><code>([^<]+)<\/code>/g)].map((m) => m[1]!);
    assert.equal(fresh.length, 10);
    const origin = { ip: '192.0.2.1' };
    assert.deepEqual(await getTotpFactor().verify({ userId: user.id, email: user.email, code: recoveryCodes[1]!, origin }), { ok: false, reason: 'invalid' });
    assert.deepEqual(await getTotpFactor().verify({ userId: user.id, email: user.email, code: fresh[0]!, origin }), { ok: true, kind: 'recovery-code' });
  });
});
