/**
 * Account self-service end to end on the shared three-instance cluster (each form rendered by
 * one instance and sent to another): forgot password (and the session signed in elsewhere is
 * dead afterwards), change of address, change of password, deletion and registering again.
 * The failure paths and the change of password without a recent sign-in are in
 * test/integration/account-pages.test.ts and password-reset.test.ts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { e2eCluster, type E2eCluster } from '../support/e2e-cluster.js';
import { OutboxReader } from '../support/outbox-reader.js';
import { SessionClient, type Page } from '../support/session-client.js';

let cluster: E2eCluster;
let outbox: OutboxReader;

before(async () => {
  cluster = await e2eCluster();
  outbox = new OutboxReader(cluster.config);
});

after(() => outbox?.close());

const newEmail = (label: string) => `${label}-${randomBytes(4).toString('hex')}@example.com`;
const PASSWORD = 'account across instances one';
const NEW_PASSWORD = 'account across instances two';

const client = () => new SessionClient({ proxyUrl: cluster.proxyUrl, instanceUrls: cluster.instanceUrls, target: 'rotate' });

/** GET `path` on one instance, submit its form with `fields` on another. */
async function step(c: SessionClient, page: Page, fields: Record<string, string>): Promise<Page> {
  const on = c.otherThan(page.servedBy);
  const answer = await c.submit(page, { on, overrides: fields });
  assert.notEqual(answer.servedBy, page.servedBy);
  return answer;
}

const signedIn = async (c: SessionClient, on: number) => (await c.get('/', { on })).text.includes('Signed in as');

/** The cluster's resend gate (E2E_CLUSTER_ENV OTP_RESEND_AFTER_S), for a second registration of one address. */
const resendGateWaitMs = () => (Number(cluster.env['OTP_RESEND_AFTER_S'] ?? '60') + 0.5) * 1000;

async function register(email: string, password = PASSWORD): Promise<SessionClient> {
  const c = client();
  const sent = new Date();
  const codeStep = await step(c, await c.get('/register', { on: 0 }), { email });
  const details = await step(c, codeStep, { code: await outbox.waitForCode(email, sent) });
  const done = await step(c, details, { name: 'Cluster User', password });
  assert.equal(done.status, 303, done.describe());
  return c;
}

async function signIn(email: string, password: string, on = 0): Promise<{ c: SessionClient; status: number }> {
  const c = client();
  const answer = await step(c, await c.get('/login', { on }), { email, password });
  return { c, status: answer.status };
}

describe('account self-service across instances', () => {
  test('forgot password: each step on another instance; the session signed in elsewhere is dead afterwards', async () => {
    const email = newEmail('e2e-reset');
    await register(email);
    const { c: elsewhere } = await signIn(email, PASSWORD, 2);
    assert.ok(await signedIn(elsewhere, 2));

    const c = client();
    const sent = new Date();
    const codeStep = await step(c, await c.get('/password/forgot', { on: 0 }), { email });
    assert.equal(codeStep.status, 200, codeStep.describe());
    const choose = await step(c, codeStep, { code: await outbox.waitForCode(email, sent) });
    assert.equal(choose.status, 200, choose.describe());
    const done = await step(c, choose, { password: NEW_PASSWORD });
    assert.equal(done.status, 303, done.describe());
    for (const on of [0, 1, 2]) {
      assert.ok(await signedIn(c, on), `the new session works on instance ${on}`);
      assert.equal(await signedIn(elsewhere, on), false, `the old session is dead on instance ${on}`);
    }
    assert.equal((await signIn(email, PASSWORD)).status, 401);
    assert.equal((await signIn(email, NEW_PASSWORD)).status, 303);
  });

  test('change of address: a code to the new one, the old one told, then free to register again', async () => {
    const from = newEmail('e2e-from');
    const to = newEmail('e2e-to');
    const c = await register(from);
    const sent = new Date();
    const codeStep = await step(c, await c.get('/account/email', { on: 0 }), { email: to });
    assert.equal(codeStep.status, 200, codeStep.describe());
    const done = await step(c, codeStep, { code: await outbox.waitForCode(to, sent) });
    assert.equal(done.status, 303, done.describe());
    assert.match((await outbox.waitForMessage(from, sent)).subject, /was changed/);
    assert.ok((await c.get('/account', { on: 2 })).text.includes(to));
    assert.equal((await signIn(to, PASSWORD)).status, 303);
    await new Promise((resolve) => setTimeout(resolve, resendGateWaitMs()));
    await register(from, 'someone else entirely 123');
  });

  test('change of password with a recent sign-in: this browser stays, another is signed out', async () => {
    const email = newEmail('e2e-pw');
    const c = await register(email);
    const { c: other } = await signIn(email, PASSWORD, 1);
    const form = await c.get('/account/password', { on: 0 });
    assert.equal(form.status, 200, form.describe());
    assert.equal(form.hasField('current_password'), false, 'a recent sign-in needs no current password');
    const done = await step(c, form, { password: NEW_PASSWORD });
    assert.equal(done.status, 303, done.describe());
    assert.ok(await signedIn(c, 2));
    assert.equal(await signedIn(other, 2), false);
    assert.equal((await signIn(email, NEW_PASSWORD)).status, 303);
  });

  test('delete account, then register again with the same address', async () => {
    const email = newEmail('e2e-del');
    const c = await register(email);
    const confirm = await c.get('/account/delete', { on: 1 });
    assert.equal(confirm.status, 200, confirm.describe());
    const done = await step(c, confirm, {});
    assert.equal(done.status, 303, done.describe());
    assert.equal(await signedIn(c, 0), false);
    assert.equal((await signIn(email, PASSWORD)).status, 401);
    await new Promise((resolve) => setTimeout(resolve, resendGateWaitMs()));
    await register(email);
  });
});
