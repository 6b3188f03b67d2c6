/**
 * The second step of sign-in through the real handlers (as Lambda calls them) on DynamoDB Local:
 * a user with TOTP who signs in with a password, an emailed code or a password reset has no session until a code
 * from the app (or a recovery code) is entered; the session then says `pwd`/`otp` + `otp`, `mfa`.
 * The pending flow cannot be tampered with, replayed after it finished, or used once its TTL
 * item has expired (while DynamoDB still holds it).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { PasswordHasher } from '../../lib/auth/password-hasher.js';
import { newTotpSecret, totpCodeAt, TOTP_PERIOD_S } from '../../lib/auth/totp.js';
import type { User } from '../../lib/auth/user-store.js';
import { SECOND_FACTOR_COOKIE } from '../../lib/pages/second-factor-flow.js';
import { getTotpFactor } from '../../lib/runtime/second-factor-services.js';
import { getSessions, getUserDirectory } from '../../lib/runtime/services.js';
import { PasskeyDirectory } from '../../lib/store/passkey-directory.js';
import { httpEvent } from '../support/fake-http-event.js';
import { useHandlerStack } from '../support/handler-stack.js';
import { InProcessBrowser, type BrowserAnswer } from '../support/in-process-browser.js';
import { TEST_PASSWORD_SETTINGS } from '../support/password-hashing.js';

const PASSWORD = 'correct horse battery staple';
const STEP_MS = TOTP_PERIOD_S * 1000;

const handlers = useHandlerStack({ '/login': 'login', '/login/code': 'login-code', '/login/second-factor': 'second-factor', '/password/forgot': 'password-reset' });

let ips = 0;
/** Each browser its own source address, so budgets of one test never meet another's. */
const browser = () => new InProcessBrowser(handlers.routes, undefined, `198.51.100.${++ips}`);

async function newUser(options: { totp?: boolean } = {}): Promise<{ user: User; secret?: string; recoveryCodes: string[] }> {
  const email = `mfa-${randomBytes(4).toString('hex')}@example.com`;
  const user = await getUserDirectory().create({ email, name: 'Two Factor', emailVerified: true, passwordHash: await new PasswordHasher(TEST_PASSWORD_SETTINGS).hash(PASSWORD) });
  if (!options.totp) return { user, recoveryCodes: [] };
  const secret = newTotpSecret();
  // Confirmed one step ago, so the current step is still unused.
  const activation = await getTotpFactor().activate(user.id, secret, totpCodeAt(secret, Date.now() - STEP_MS));
  assert.ok(activation.ok);
  return { user, secret, recoveryCodes: activation.recoveryCodes };
}

async function passwordSignIn(client: InProcessBrowser, email: string, returnTo = '/somewhere?x=1'): Promise<BrowserAnswer> {
  const form = await client.get(`/login?return_to=${encodeURIComponent(returnTo)}`);
  return client.submit(form, { email, password: PASSWORD });
}

async function sessionMethods(client: InProcessBrowser): Promise<string[] | undefined> {
  return (await getSessions().verify(httpEvent('GET', '/', { cookies: client.jar })))?.session.methods.sort();
}

describe('the second step of sign-in', () => {
  it('lets a user without a second factor straight in', async () => {
    const { user } = await newUser();
    const client = browser();
    const done = await passwordSignIn(client, user.email);
    assert.equal(done.status, 303);
    assert.equal(done.location, '/somewhere?x=1');
    assert.deepEqual(await sessionMethods(client), ['pwd']);
    assert.ok(!client.jar.has(SECOND_FACTOR_COOKIE));
  });

  it('stops a user whose second factor is a passkey and sends them to sign in with it', async () => {
    const { user } = await newUser();
    const passkeys = new PasskeyDirectory({ client: handlers.stack.documentClient(), tableName: handlers.stack.config.tables.directory, clock: Date.now });
    await passkeys.add({
      id: randomBytes(16).toString('base64url'),
      userId: user.id,
      publicKey: randomBytes(77),
      counter: 0,
      transports: ['internal'],
      backupEligible: true,
      backedUp: true,
      aaguid: '00000000-0000-0000-0000-000000000000',
      name: 'Passkey',
      createdAt: new Date().toISOString(),
    });
    const client = browser();
    const first = await passwordSignIn(client, user.email);
    assert.equal(first.location, '/login/second-factor');
    assert.equal(await sessionMethods(client), undefined);
    const step = await client.get(first.location!);
    assert.equal(step.status, 200);
    assert.match(step.body, /Sign in with a passkey/);
    assert.equal(step.forms.filter((form) => form.method === 'POST').length, 0, 'nothing to type');
  });

  it('stops a password sign-in at the second step, with no session until the app code, then pwd + otp + mfa', async () => {
    const { user, secret } = await newUser({ totp: true });
    const client = browser();
    const first = await passwordSignIn(client, user.email);
    assert.equal(first.status, 303);
    assert.equal(first.location, '/login/second-factor', 'the destination stays server-side');
    assert.ok(!client.jar.has('__Host-session'), 'no session after the password alone');
    assert.ok(client.jar.has(SECOND_FACTOR_COOKIE));

    const step = await client.get(first.location!);
    assert.equal(step.status, 200);
    assert.match(step.body, /authenticator app/);
    assert.match(step.body, /autocomplete="one-time-code"/);
    const wrong = await client.submit(step, { code: '000000' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.body, /not right/);
    assert.equal(await sessionMethods(client), undefined);

    const done = await client.submit(wrong, { code: totpCodeAt(secret!, Date.now()) });
    assert.equal(done.status, 303, done.body);
    assert.equal(done.location, '/somewhere?x=1');
    assert.deepEqual(await sessionMethods(client), ['mfa', 'otp', 'pwd']);
    assert.ok(!client.jar.has(SECOND_FACTOR_COOKIE), 'the flow cookie is cleared');
  });

  it('stops an emailed-code sign-in at the second step too, and takes a recovery code once', async () => {
    const { user, recoveryCodes } = await newUser({ totp: true });
    const client = browser();
    const emailStep = await client.get('/login/code');
    const since = new Date();
    const codeStep = await client.submit(emailStep, { email: user.email });
    const first = await client.submit(codeStep, { code: await handlers.outbox.waitForCode(user.email, since) });
    assert.equal(first.status, 303, first.body);
    assert.equal(first.location, '/login/second-factor');
    assert.equal(await sessionMethods(client), undefined, 'no session after the mailed code alone');

    const step = await client.get(first.location!);
    const done = await client.submit(step, { code: recoveryCodes[0]! });
    assert.equal(done.status, 303, done.body);
    assert.deepEqual(await sessionMethods(client), ['mfa', 'otp']);

    const again = browser();
    const stopped = await passwordSignIn(again, user.email);
    const refused = await again.submit(await again.get(stopped.location!), { code: recoveryCodes[0]! });
    assert.equal(refused.status, 400, 'a used recovery code is refused');
    assert.equal(await sessionMethods(again), undefined);
  });

  it('stops a password reset at the second step: the new password is set, but the session waits for the app code', async () => {
    const { user, secret } = await newUser({ totp: true });
    const client = browser();
    const since = new Date();
    const codeStep = await client.submit(await client.get('/password/forgot'), { email: user.email });
    const choose = await client.submit(codeStep, { code: await handlers.outbox.waitForCode(user.email, since) });
    assert.equal(choose.status, 200, choose.body);
    const first = await client.submit(choose, { password: 'violet lanterns drift over quiet harbours' });
    assert.equal(first.status, 303, first.body);
    assert.equal(first.location, '/login/second-factor');
    assert.equal(await sessionMethods(client), undefined, 'a mailbox and a new password are not enough');
    const done = await client.submit(await client.get(first.location!), { code: totpCodeAt(secret!, Date.now()) });
    assert.equal(done.status, 303, done.body);
    assert.deepEqual(await sessionMethods(client), ['mfa', 'otp']);
  });

  it('refuses a tampered flow cookie, a finished flow replayed, and a flow whose TTL item has expired but is still stored', async () => {
    const { user, secret } = await newUser({ totp: true });

    const tampered = browser();
    await passwordSignIn(tampered, user.email);
    const value = tampered.jar.get(SECOND_FACTOR_COOKIE)!;
    tampered.jar.set(SECOND_FACTOR_COOKIE, value.slice(0, -4) + (value.at(-4) === 'A' ? 'B' : 'A') + value.slice(-3));
    const page = await tampered.get('/login/second-factor');
    assert.equal(page.status, 400);
    assert.match(page.body, /sign in again/);

    const replayed = browser();
    await passwordSignIn(replayed, user.email);
    const step = await replayed.get('/login/second-factor');
    const flowCookie = replayed.jar.get(SECOND_FACTOR_COOKIE)!;
    const done = await replayed.submit(step, { code: totpCodeAt(secret!, Date.now()) });
    assert.equal(done.status, 303);
    // The same browser state again, with a new valid code: the flow is finished.
    replayed.jar.set(SECOND_FACTOR_COOKIE, flowCookie);
    replayed.jar.delete('__Host-session');
    const replay = await replayed.submit(step, { code: totpCodeAt(secret!, Date.now() + STEP_MS) });
    assert.equal(replay.status, 400);
    assert.equal(await sessionMethods(replayed), undefined);

    const late = browser();
    await passwordSignIn(late, user.email);
    const lateStep = await late.get('/login/second-factor');
    await expireEverySecondFactorFlowOf(user.id);
    const expired = await late.submit(lateStep, { code: totpCodeAt(secret!, Date.now() + STEP_MS) });
    assert.equal(expired.status, 400);
    assert.equal(await sessionMethods(late), undefined);
  });
});

/** Moves the flows' expiry into the past without deleting them: what DynamoDB's lazy TTL leaves behind. */
async function expireEverySecondFactorFlowOf(userId: string): Promise<void> {
  const client = handlers.stack.documentClient();
  const { Items = [] } = await client.send(new ScanCommand({ TableName: handlers.stack.config.tables.cache, FilterExpression: 'userId = :u AND begins_with(pk, :p)', ExpressionAttributeValues: { ':u': userId, ':p': 'second-factor#' } }));
  assert.ok(Items.length > 0);
  for (const item of Items) {
    await client.send(new UpdateCommand({ TableName: handlers.stack.config.tables.cache, Key: { pk: item.pk }, UpdateExpression: 'SET #ttl = :past', ExpressionAttributeNames: { '#ttl': 'ttl' }, ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 } }));
  }
  client.destroy();
}
