/**
 * EmailChange when DynamoDB fails while the address moves (the fault proxy in front of DynamoDB
 * Local, between the flow and the directory): nothing is ever half changed, and a move whose
 * answer was lost is completed by the SDK's retry and recognised as done.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { EmailChange } from '../../lib/auth/email-change.js';
import { HmacKeyedHasher } from '../../lib/auth/keyed-hasher.js';
import { LoginThrottle } from '../../lib/auth/login-throttle.js';
import { MailBudget } from '../../lib/auth/mail-budget.js';
import type { Mailer, MailMessage } from '../../lib/auth/mailer.js';
import { OneTimeCodes } from '../../lib/auth/one-time-codes.js';
import { systemClock } from '../../lib/clock.js';
import { DependencyUnavailableError } from '../../lib/errors.js';
import { createDocumentClient } from '../../lib/runtime/dynamodb-client.js';
import { TtlCache } from '../../lib/store/ttl-cache.js';
import { UserDirectory } from '../../lib/store/user-directory.js';
import { startDynamoDbFaultProxy, type DynamoDbFaultProxy } from '../support/dynamodb-fault-proxy.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let proxy: DynamoDbFaultProxy;
let users: UserDirectory;
const sent: MailMessage[] = [];
/** Records what would have been mailed; the mail path itself is tested elsewhere (outbox, SES). */
const mailer: Mailer = { send: async (message) => void sent.push(message) };
const origin = { ip: '192.0.2.61' };

before(async () => {
  stack = await startTestStack();
  proxy = await startDynamoDbFaultProxy(stack.dynamodbEndpoint);
  users = new UserDirectory({ client: stack.documentClient(), tableName: stack.config.tables.directory, clock: systemClock });
});

after(async () => {
  await proxy?.close();
  await stack?.close();
});

/** The flow and codes on DynamoDB Local directly; the directory through the proxy, with `maxAttempts` SDK attempts. */
function emailChange(maxAttempts: number): EmailChange {
  const cache = new TtlCache({ client: stack.documentClient(), tableName: stack.config.tables.cache, clock: systemClock });
  const directory = new UserDirectory({
    client: createDocumentClient({ region: 'us-east-1', endpoint: proxy.url, maxAttempts }),
    tableName: stack.config.tables.directory,
    clock: systemClock,
  });
  const codes = new OneTimeCodes({
    cache,
    hasher: new HmacKeyedHasher(Buffer.alloc(32, 9)),
    settings: stack.config.otp,
    clock: systemClock,
    throttle: new LoginThrottle({ cache, settings: stack.config.bruteForce, clock: systemClock, kind: 'code' }),
  });
  const mailBudget = new MailBudget({ cache, settings: stack.config.mailBudget, clock: systemClock, onCircuitOpen: () => undefined });
  return new EmailChange({ codes, users: directory, cache, mailer, mailBudget, clock: systemClock });
}

async function started(change: EmailChange) {
  const user = await users.create({ email: `faults-${randomBytes(4).toString('hex')}@example.com`, name: 'F', emailVerified: true });
  const to = `faults-new-${randomBytes(4).toString('hex')}@example.com`;
  const start = await change.start(user, to, '192.0.2.61');
  assert.ok(start.ok);
  const code = /code is (\d{6})/.exec(sent.findLast((m) => m.to === to)!.text)![1]!;
  return { user, to, flowId: start.flowId, code };
}

describe('EmailChange under DynamoDB faults', () => {
  it('an outage while moving: the page fails, nothing moved, the old address untouched and told nothing', async () => {
    const change = emailChange(1);
    const { user, to, flowId, code } = await started(change);
    proxy.inject({ kind: 'internal-error', call: 1, operation: 'TransactWriteItems' });
    await assert.rejects(change.verify(user, flowId, code, origin), DependencyUnavailableError);
    assert.equal((await users.findById(user.id))?.email, user.email);
    assert.equal((await users.findByEmail(user.email))?.id, user.id);
    assert.equal(await users.isEmailTaken(to), false);
    assert.equal(sent.some((m) => m.to === user.email), false);
  });

  it("a lost answer: the SDK's retry finds its own claim, and the change is reported done, the old address told", async () => {
    const change = emailChange(2);
    const { user, to, flowId, code } = await started(change);
    proxy.inject({ kind: 'forward-then-drop', call: 1, operation: 'TransactWriteItems' });
    assert.deepEqual(await change.verify(user, flowId, code, origin), { ok: true, from: user.email, to });
    assert.equal(proxy.fired()?.hit, 'TransactWriteItems');
    assert.equal((await users.findByEmail(to))?.id, user.id);
    assert.equal(await users.isEmailTaken(user.email), false);
    assert.ok(sent.some((m) => m.to === user.email && /was changed/.test(m.subject)));
  });
});
