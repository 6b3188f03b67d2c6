import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanPasskeyName, passkeyName } from '../../lib/auth/passkey-names.js';
import { counterMovesForward } from '../../lib/auth/passkey-store.js';
import { passkeyMethods } from '../../lib/pages/passkey-sign-in-endpoint.js';

const UNKNOWN = '00000000-0000-0000-0000-000000000000';

describe('passkey names, methods and counters', () => {
  it('names a passkey after a well-known AAGUID, else after what the browser reported', () => {
    assert.equal(passkeyName({ aaguid: 'EA9B8D66-4D01-1D21-3CE4-B6B48CB575D4', backupEligible: true }), 'Google Password Manager');
    assert.equal(passkeyName({ aaguid: UNKNOWN, backupEligible: true, attachment: 'platform' }), 'Synced passkey');
    assert.equal(passkeyName({ aaguid: UNKNOWN, backupEligible: false, attachment: 'platform' }), 'Passkey on this device');
    assert.equal(passkeyName({ aaguid: UNKNOWN, backupEligible: false, attachment: 'cross-platform' }), 'Security key');
    assert.equal(passkeyName({ aaguid: UNKNOWN, backupEligible: false }), 'Passkey');
  });

  it('keeps a typed name printable and bounded, and refuses an empty one', () => {
    assert.equal(cleanPasskeyName('  Work\u0000 laptop\u202e '), 'Work laptop');
    assert.equal(cleanPasskeyName('x'.repeat(100))?.length, 64);
    assert.equal(cleanPasskeyName(' \u0007 '), undefined);
  });

  it('maps a passkey sign-in to RFC 8176 amr values: swk when synced, hwk when device-bound, mfa only with user verification', () => {
    assert.deepEqual(passkeyMethods({ backupEligible: true }, true), ['swk', 'user', 'mfa']);
    assert.deepEqual(passkeyMethods({ backupEligible: false }, true), ['hwk', 'user', 'mfa']);
    assert.deepEqual(passkeyMethods({ backupEligible: false }, false), ['hwk']);
  });

  it('lets a counter grow, or stay 0 for authenticators that do not count', () => {
    assert.equal(counterMovesForward(0, 0), true);
    assert.equal(counterMovesForward(0, 1), true);
    assert.equal(counterMovesForward(5, 6), true);
    assert.equal(counterMovesForward(5, 5), false);
    assert.equal(counterMovesForward(5, 0), false);
    assert.equal(counterMovesForward(5, 4), false);
  });
});
