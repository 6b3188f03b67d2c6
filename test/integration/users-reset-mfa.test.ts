/**
 * `npm run users -- reset-mfa` as an operator runs it (its own process, against DynamoDB Local):
 * the user's TOTP, recovery codes and passkeys are gone, so the next password sign-in starts a
 * session without a second step; the user is mailed and the operator audited; a user with no
 * second factor is left alone.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { newTotpSecret, totpCodeAt } from '../../lib/auth/totp.js';
import { getSecondFactorLookup } from '../../lib/runtime/second-factor-lookup.js';
import { getTotpFactor } from '../../lib/runtime/second-factor-services.js';
import { getUserDirectory } from '../../lib/runtime/services.js';
import { PasskeyDirectory } from '../../lib/store/passkey-directory.js';
import { OutboxReader } from '../support/outbox-reader.js';
import { runCli } from '../support/run-cli.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let outbox: OutboxReader;

before(async () => {
  stack = await startTestStack();
  Object.assign(process.env, stack.env);
  outbox = new OutboxReader(stack.config);
});

after(async () => {
  outbox?.close();
  await stack?.close();
});

describe('users reset-mfa', () => {
  it('removes TOTP, recovery codes and passkeys, mails the user and audits the operator', async () => {
    const user = await getUserDirectory().create({ email: `reset-${randomBytes(4).toString('hex')}@example.com`, name: 'Lost Phone', emailVerified: true });
    const secret = newTotpSecret();
    assert.ok((await getTotpFactor().activate(user.id, secret, totpCodeAt(secret, Date.now()))).ok);
    await new PasskeyDirectory({ client: stack.documentClient(), tableName: stack.config.tables.directory, clock: Date.now }).add({
      id: randomBytes(16).toString('base64url'),
      userId: user.id,
      publicKey: randomBytes(77),
      counter: 0,
      transports: ['hybrid'],
      backupEligible: true,
      backedUp: true,
      aaguid: '00000000-0000-0000-0000-000000000000',
      name: 'Phone',
      createdAt: new Date().toISOString(),
    });
    assert.equal(await getSecondFactorLookup().has(user.id), true);

    const since = new Date();
    const run = await runCli('users', ['reset-mfa', user.email], stack.env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /reset the second factors of .*: TOTP and its recovery codes, 1 passkey\(s\) removed; the user was mailed/);
    assert.equal(await getSecondFactorLookup().has(user.id), false);
    assert.deepEqual(await getTotpFactor().typed(user.id), { totp: false, recoveryCodesLeft: 0 });
    assert.match((await outbox.waitForMessage(user.email, since)).subject, /second factors were removed/);
    const audit = JSON.parse(run.stdout.split('\n').find((line) => line.includes('"mfa.reset"'))!) as Record<string, any>;
    assert.equal(audit.subject.id, user.id);
    assert.equal(audit.actor.type, 'operator');
    assert.deepEqual([audit.detail.totp, audit.detail.passkeys], [1, 1]);
    assert.ok(!run.stdout.includes(secret));
  });

  it('leaves a user without a second factor alone, and names a missing user as a usage error', async () => {
    const user = await getUserDirectory().create({ email: `none-${randomBytes(4).toString('hex')}@example.com`, name: 'No Factor', emailVerified: true });
    const run = await runCli('users', ['reset-mfa', user.id], stack.env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /has no second factor: nothing removed/);
    assert.ok(!run.stdout.includes('"mfa.reset"'));
    const missing = await runCli('users', ['reset-mfa', 'nobody@example.com'], stack.env);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /users reset-mfa <email\|id>/);
  });
});
