/**
 * The operators' reset of a user's second factors on DynamoDB Local: TOTP, recovery codes and
 * every passkey go, the lookup the sign-in gate asks then says "none", and a second run is harmless.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { removeSecondFactors } from '../../lib/auth/second-factors.js';
import { newTotpSecret, totpCodeAt } from '../../lib/auth/totp.js';
import { secondFactorLookupOver } from '../../lib/runtime/second-factor-stores.js';
import { getTotpFactor } from '../../lib/runtime/second-factor-services.js';
import { PasskeyDirectory } from '../../lib/store/passkey-directory.js';
import { TotpDirectory } from '../../lib/store/totp-directory.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;

before(async () => {
  stack = await startTestStack();
  Object.assign(process.env, stack.env);
});

after(async () => {
  await stack?.close();
});

describe('removeSecondFactors', () => {
  it('removes TOTP, its recovery codes and every passkey, and can run again', async () => {
    const options = { client: stack.documentClient(), tableName: stack.config.tables.directory, clock: Date.now };
    const passkeys = new PasskeyDirectory(options);
    const totp = new TotpDirectory(options);
    const userId = randomUUID();
    const secret = newTotpSecret();
    assert.ok((await getTotpFactor().activate(userId, secret, totpCodeAt(secret, Date.now()))).ok);
    for (const name of ['Phone', 'Laptop']) {
      await passkeys.add({
        id: randomBytes(16).toString('base64url'),
        userId,
        publicKey: randomBytes(77),
        counter: 0,
        transports: ['internal'],
        backupEligible: false,
        backedUp: false,
        aaguid: '00000000-0000-0000-0000-000000000000',
        name,
        createdAt: new Date().toISOString(),
      });
    }
    const lookup = secondFactorLookupOver(options);
    assert.equal(await lookup.has(userId), true);

    assert.deepEqual(await removeSecondFactors(userId, { totp, passkeys }), { totp: true, passkeys: 2 });
    assert.equal(await lookup.has(userId), false);
    assert.deepEqual(await totp.recoveryCodeHashes(userId), []);
    assert.deepEqual(await removeSecondFactors(userId, { totp, passkeys }), { totp: false, passkeys: 0 });
  });
});
