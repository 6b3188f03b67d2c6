/**
 * PasswordReset on DynamoDB Local with a clock the test moves: codes and flows that expired but
 * are still stored (DynamoDB deletes expired items lazily) are refused, a flow completes once
 * under parallel submissions, and a failure while setting the password leaves the flow for a retry.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { HmacKeyedHasher } from '../../lib/auth/keyed-hasher.js';
import { LoginThrottle } from '../../lib/auth/login-throttle.js';
import { MailBudget } from '../../lib/auth/mail-budget.js';
import { OneTimeCodes } from '../../lib/auth/one-time-codes.js';
import { PasswordHasher } from '../../lib/auth/password-hasher.js';
import { PASSWORD_RESET_FLOW_TTL_S, PasswordReset } from '../../lib/auth/password-reset.js';
import { PasswordUpdate } from '../../lib/auth/password-update.js';
import { createAccountServices } from '../../lib/runtime/account-services.js';
import { OutboxMailer } from '../../lib/store/outbox-mailer.js';
import { TtlCache } from '../../lib/store/ttl-cache.js';
import { UserDirectory } from '../../lib/store/user-directory.js';
import { TEST_PASSWORD_SETTINGS } from '../support/password-hashing.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
// Real time as the start, so DynamoDB Local's TTL sweeper does not remove what must still be stored.
let now = Date.now();
const clock = () => now;
const NEW_PASSWORD = 'a reset flow passphrase 77';
const origin = { ip: '192.0.2.44' };

before(async () => {
  stack = await startTestStack();
});
after(() => stack?.close());

function parts(options: { failingHash?: () => boolean } = {}) {
  const client = stack.documentClient();
  const cache = new TtlCache({ client, tableName: stack.config.tables.cache, clock });
  const users = new UserDirectory({ client, tableName: stack.config.tables.directory, clock });
  const codes = new OneTimeCodes({
    cache,
    hasher: new HmacKeyedHasher(Buffer.alloc(32, 7)),
    settings: stack.config.otp,
    clock,
    throttle: new LoginThrottle({ cache, settings: stack.config.bruteForce, clock, kind: 'code' }),
  });
  const realHasher = new PasswordHasher(TEST_PASSWORD_SETTINGS);
  const hasher = {
    // The one fault a test needs: the hash (and so the password's update) fails once.
    hash: async (password: string) => {
      if (options.failingHash?.()) throw new Error('injected failure while setting the password');
      return realHasher.hash(password);
    },
  };
  const mailer = new OutboxMailer({ cache, clock, log: () => undefined });
  const signOut = createAccountServices({ config: stack.config, clock, documentClient: client }).signOut;
  const reset = new PasswordReset({
    codes,
    users,
    cache,
    update: new PasswordUpdate({ users, hasher, signOut, mailer, clock }),
    mailer,
    mailBudget: new MailBudget({ cache, settings: stack.config.mailBudget, clock, onCircuitOpen: () => undefined }),
    clock,
  });
  return { reset, codes, users, client };
}

async function accountWithCode(p: ReturnType<typeof parts>): Promise<{ email: string; id: string; code: string }> {
  const email = `flow-${randomBytes(4).toString('hex')}@example.com`;
  const user = await p.users.create({ email, name: 'Quinn Tester', emailVerified: true });
  const issued = await p.codes.issue('reset', email);
  assert.ok(issued.ok);
  return { email, id: user.id, code: issued.code };
}

describe('PasswordReset', () => {
  it('refuses a code that expired though DynamoDB still holds it', async () => {
    const p = parts();
    const { email, code } = await accountWithCode(p);
    now += (stack.config.otp.ttlS + 1) * 1000;
    assert.deepEqual(await p.reset.verifyCode(email, code, origin), { ok: false, reason: 'expired' });
    now = Date.now();
  });

  it('refuses a flow that expired though DynamoDB still holds it', async () => {
    const p = parts();
    const { email, code } = await accountWithCode(p);
    const opened = await p.reset.verifyCode(email, code, origin);
    assert.ok(opened.ok);
    now += (PASSWORD_RESET_FLOW_TTL_S + 1) * 1000;
    const stored = await p.client.send(new GetCommand({ TableName: stack.config.tables.cache, Key: { pk: `password-reset#${opened.flowId}` }, ConsistentRead: true }));
    assert.ok(stored.Item, 'still stored');
    assert.deepEqual(await p.reset.complete(opened.flowId, NEW_PASSWORD), { ok: false, reason: 'unknown_flow' });
    now = Date.now();
  });

  it('completes a flow once when five submissions race', async () => {
    const p = parts();
    const { email, code } = await accountWithCode(p);
    const opened = await p.reset.verifyCode(email, code, origin);
    assert.ok(opened.ok);
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => parts().reset.complete(opened.flowId, `${NEW_PASSWORD} ${i}`)));
    assert.equal(results.filter((r) => r.ok).length, 1, JSON.stringify(results.map((r) => (r.ok ? 'ok' : r.reason))));
    assert.deepEqual(await p.reset.verifyCode(email, code, origin), { ok: false, reason: 'expired' }, 'the code was used');
  });

  it('puts the flow back when setting the password fails, so a retry needs no new code', async () => {
    let fail = true;
    const p = parts({ failingHash: () => fail });
    const { email, code, id } = await accountWithCode(p);
    const opened = await p.reset.verifyCode(email, code, origin);
    assert.ok(opened.ok);
    await assert.rejects(p.reset.complete(opened.flowId, NEW_PASSWORD), /injected failure/);
    fail = false;
    const retried = await p.reset.complete(opened.flowId, NEW_PASSWORD);
    assert.ok(retried.ok);
    const stored = await p.users.findById(id);
    assert.equal((await new PasswordHasher(TEST_PASSWORD_SETTINGS).verify(NEW_PASSWORD, stored!.passwordHash!)).ok, true);
  });
});
