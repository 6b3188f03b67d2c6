import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import type { DataProtector } from '../../lib/dataprotection/data-protector.js';
import { createProtector } from '../../lib/dataprotection/protector.js';
import { UnprotectError, type UnprotectErrorCode } from '../../lib/dataprotection/unprotect-error.js';
import { DATA_PROTECTION_RING } from '../../lib/dataprotection/master-key.js';
import { SIGNING_RING } from '../../lib/signing/signing-key-policy.js';
import { useInstanceStack } from '../support/instances.js';

const DAY = 86_400_000;
const T0 = Date.parse('2030-01-01T00:00:00Z');

const stack = useInstanceStack();

/** A key ring of its own (fresh tables), a driven clock, and a way to start more cold instances on it. */
function isolatedRing() {
  return stack.isolatedRing(T0);
}

async function rejectsWith(promise: Promise<unknown>, code: UnprotectErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof UnprotectError, `expected UnprotectError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

function flip(payload: string, index: number): string {
  const bytes = Buffer.from(payload, 'base64url');
  bytes[index] = (bytes[index] ?? 0) ^ 0x01;
  return bytes.toString('base64url');
}

describe('round trip', () => {
  let ring: Awaited<ReturnType<typeof isolatedRing>>;
  let protector: DataProtector;
  before(async () => {
    ring = await isolatedRing();
    protector = ring.start().protector.forPurpose('test');
  });

  it('unprotects what it protected, bytes and JSON', async () => {
    const message = Buffer.from('hello, data protection');
    const payload = await protector.protect(message);
    assert.match(payload, /^[A-Za-z0-9_-]+$/);
    assert.equal(Buffer.from(payload, 'base64url').length, 4 + 16 + 16 + 12 + 8 + message.length + 16);
    assert.deepEqual(Buffer.from(await protector.unprotect(payload)), message);
    const value = { sub: 'user-1', n: [1, 2, 3], nested: { ok: true } };
    assert.deepEqual(await protector.unprotectJson(await protector.protectJson(value)), value);
  });

  it('an empty message round-trips', async () => {
    assert.equal((await protector.unprotect(await protector.protect(new Uint8Array()))).length, 0);
  });

  it('two protects of the same message differ (random modifier and nonce)', async () => {
    const message = Buffer.from('same');
    assert.notEqual(await protector.protect(message), await protector.protect(message));
  });

  it('another cold instance unprotects it (shared ring, nothing else shared)', async () => {
    const payload = await protector.protect(Buffer.from('across instances'));
    const other = ring.start().protector.forPurpose('test');
    assert.equal(Buffer.from(await other.unprotect(payload)).toString(), 'across instances');
  });
});

describe('purposes', () => {
  let root: DataProtector;
  before(async () => {
    root = (await isolatedRing()).start().protector;
  });

  it('a payload made for one purpose never unprotects under another', async () => {
    const payload = await root.forPurpose('session').protect(Buffer.from('x'));
    await rejectsWith(root.forPurpose('antiforgery').unprotect(payload), 'bad_tag');
    await rejectsWith(root.unprotect(payload), 'bad_tag');
    await rejectsWith(root.forPurpose('session').forPurpose('child').unprotect(payload), 'bad_tag');
    assert.equal(Buffer.from(await root.forPurpose('session').unprotect(payload)).toString(), 'x');
  });

  it('chain a + b differs from ab (length-prefixed)', async () => {
    const ab = root.forPurpose('a').forPurpose('b');
    const joined = root.forPurpose('ab');
    await rejectsWith(joined.unprotect(await ab.protect(Buffer.from('x'))), 'bad_tag');
    await rejectsWith(ab.unprotect(await joined.protect(Buffer.from('x'))), 'bad_tag');
    assert.equal(Buffer.from(await root.forPurpose('a').forPurpose('b').unprotect(await ab.protect(Buffer.from('y')))).toString(), 'y');
  });

  it('the application name is the root purpose', async () => {
    const ring = await isolatedRing();
    const instance = ring.start();
    // Same ring and master key, another application name: payloads must not cross over.
    const otherApp = createProtector(instance.keyRing, 'other-app', () => ring.time.now);
    await rejectsWith(otherApp.unprotect(await instance.protector.protect(Buffer.from('x'))), 'bad_tag');
    await rejectsWith(instance.protector.unprotect(await otherApp.protect(Buffer.from('x'))), 'bad_tag');
    // ... and the root chain [app] differs from [other, app].
    const nested = createProtector(instance.keyRing, 'other-app', () => ring.time.now).forPurpose(ring.config.appName);
    await rejectsWith(instance.protector.unprotect(await nested.protect(Buffer.from('x'))), 'bad_tag');
  });

  it('another application cannot even unwrap this application\'s keys (app is in the wrap context)', async () => {
    const ring = await isolatedRing();
    const a = ring.start();
    const payload = await a.protector.protect(Buffer.from('x'));
    const b = stack.start({ ...ring.config, appName: 'other-app' }, { clock: () => ring.time.now });
    await rejectsWith(b.protector.unprotect(payload), 'unknown_key');
  });

  it('refuses empty purposes', () => {
    assert.throws(() => root.forPurpose(''), TypeError);
  });
});

describe('tampering and malformed input', () => {
  let protector: DataProtector;
  let payload: string;
  before(async () => {
    protector = (await isolatedRing()).start().protector.forPurpose('tamper');
    payload = await protector.protect(Buffer.from('a message long enough to have a body'));
  });

  const regions: { name: string; index: number; code: UnprotectErrorCode }[] = [
    { name: 'magic', index: 0, code: 'malformed' },
    { name: 'version', index: 3, code: 'malformed' },
    { name: 'key id', index: 4 + 7, code: 'unknown_key' },
    { name: 'key modifier', index: 20 + 5, code: 'bad_tag' },
    { name: 'nonce', index: 36 + 11, code: 'bad_tag' },
    { name: 'ciphertext (expiry)', index: 48, code: 'bad_tag' },
    { name: 'ciphertext (message)', index: 48 + 8 + 3, code: 'bad_tag' },
  ];
  for (const region of regions) {
    it(`a flipped byte in the ${region.name} fails with ${region.code}`, async () => {
      await rejectsWith(protector.unprotect(flip(payload, region.index)), region.code);
    });
  }

  it('a flipped byte in the tag fails with bad_tag', async () => {
    const length = Buffer.from(payload, 'base64url').length;
    await rejectsWith(protector.unprotect(flip(payload, length - 1)), 'bad_tag');
    await rejectsWith(protector.unprotect(flip(payload, length - 16)), 'bad_tag');
  });

  it('every single-bit flip anywhere fails (exhaustive over one payload)', async () => {
    const bytes = Buffer.from(payload, 'base64url');
    for (let index = 0; index < bytes.length; index++) {
      await assert.rejects(protector.unprotect(flip(payload, index)), UnprotectError, `byte ${index}`);
    }
  });

  it('truncated input fails', async () => {
    const bytes = Buffer.from(payload, 'base64url');
    await rejectsWith(protector.unprotect(bytes.subarray(0, bytes.length - 1).toString('base64url')), 'bad_tag');
    await rejectsWith(protector.unprotect(bytes.subarray(0, 71).toString('base64url')), 'malformed');
    await rejectsWith(protector.unprotect(bytes.subarray(0, 48).toString('base64url')), 'malformed');
    await rejectsWith(protector.unprotect(bytes.subarray(0, 3).toString('base64url')), 'malformed');
  });

  it('empty and non-base64url input fails as malformed', async () => {
    await rejectsWith(protector.unprotect(''), 'malformed');
    await rejectsWith(protector.unprotect(`${payload.slice(0, 10)}!${payload.slice(11)}`), 'malformed');
    await rejectsWith(protector.unprotect(`${payload}=`), 'malformed');
    await rejectsWith(protector.unprotect(`${payload.slice(0, 10)}+${payload.slice(11)}`), 'malformed');
    await rejectsWith(protector.unprotect(payload.slice(0, 5)), 'malformed');
    await rejectsWith(protector.unprotect(undefined as unknown as string), 'malformed');
  });

  it('a random key id is unknown', async () => {
    const bytes = Buffer.from(payload, 'base64url');
    Buffer.from(randomUUID().replaceAll('-', ''), 'hex').copy(bytes, 4);
    await rejectsWith(protector.unprotect(bytes.toString('base64url')), 'unknown_key');
  });
});

describe('time limits and key lifecycle', () => {
  it('a time-limited payload unprotects until its expiry, then fails with expired', async () => {
    const ring = await isolatedRing();
    const protector = ring.start().protector.forPurpose('otp');
    const payload = await protector.protect(Buffer.from('short-lived'), { expiresAt: new Date(ring.time.now + 60_000) });
    ring.time.now += 59_999;
    assert.equal(Buffer.from(await protector.unprotect(payload)).toString(), 'short-lived');
    ring.time.now += 1;
    await rejectsWith(protector.unprotect(payload), 'expired');
    const json = await protector.protectJson({ a: 1 }, { expiresAt: new Date(ring.time.now + 1000) });
    ring.time.now += 1000;
    await rejectsWith(protector.unprotectJson(json), 'expired');
  });

  it('the expiry is authenticated: it cannot be edited', async () => {
    const ring = await isolatedRing();
    const protector = ring.start().protector;
    const payload = await protector.protect(Buffer.from('x'), { expiresAt: new Date(ring.time.now + 1000) });
    await rejectsWith(protector.unprotect(flip(payload, 48 + 7)), 'bad_tag');
  });

  it('a payload under an expired key still unprotects; new payloads use a new key', async () => {
    const ring = await isolatedRing();
    const instance = ring.start();
    const protector = instance.protector;
    const old = await protector.protect(Buffer.from('made under the first key'));
    const firstKeyId = (await instance.keyRing.currentKey()).record.keyId;

    ring.time.now += ring.config.dataProtection.keyLifetimeS * 1000 + DAY; // no rotation ran: the key expired
    const fresh = await protector.protect(Buffer.from('made under the second key'));
    const secondKeyId = (await instance.keyRing.currentKey()).record.keyId;
    assert.notEqual(secondKeyId, firstKeyId);
    assert.equal(Buffer.from(await protector.unprotect(old)).toString(), 'made under the first key');
    assert.equal(Buffer.from(await ring.start().protector.unprotect(old)).toString(), 'made under the first key');
    assert.equal(Buffer.from(await ring.start().protector.unprotect(fresh)).toString(), 'made under the second key');
  });

  it('a payload under a revoked key fails with revoked_key; protect moves to a new key', async () => {
    const ring = await isolatedRing();
    const instance = ring.start();
    const payload = await instance.protector.protect(Buffer.from('x'));
    const { record } = await instance.keyRing.currentKey();
    assert.equal(await instance.repository.revoke(DATA_PROTECTION_RING, record.keyId, new Date(ring.time.now)), true);

    // A cold instance sees the revocation at once; a warm one at its next refresh.
    await rejectsWith(ring.start().protector.unprotect(payload), 'revoked_key');
    assert.equal(Buffer.from(await instance.protector.unprotect(payload)).toString(), 'x');
    ring.time.now += ring.config.dataProtection.refreshIntervalS * 1000;
    await rejectsWith(instance.protector.unprotect(payload), 'revoked_key');

    const next = await instance.protector.protect(Buffer.from('y'));
    assert.notEqual((await instance.keyRing.currentKey()).record.keyId, record.keyId);
    assert.equal(Buffer.from(await ring.start().protector.unprotect(next)).toString(), 'y');
  });

  it('"revoke created before" revokes old keys, including for cold instances', async () => {
    const ring = await isolatedRing();
    const instance = ring.start();
    const payload = await instance.protector.protect(Buffer.from('x'));
    ring.time.now += 1000;
    await instance.repository.revokeCreatedBefore(DATA_PROTECTION_RING, new Date(ring.time.now), new Date(ring.time.now));
    await rejectsWith(ring.start().protector.unprotect(payload), 'revoked_key');
  });
});

describe('wrapped keys are bound to their record', () => {
  it('a wrapped key copied to another key id fails to unwrap: unknown_key, not a crash', async () => {
    const ring = await isolatedRing();
    const instance = ring.start();
    const payload = await instance.protector.protect(Buffer.from('x'));
    const { record } = await instance.keyRing.currentKey();
    const impostorId = randomUUID();
    const won = await instance.repository.create(DATA_PROTECTION_RING, { ...record, keyId: impostorId, generation: 99 }, 'test-impostor');
    assert.equal(won, true);

    const bytes = Buffer.from(payload, 'base64url');
    Buffer.from(impostorId.replaceAll('-', ''), 'hex').copy(bytes, 4);
    const forged = bytes.toString('base64url');
    const cold = ring.start();
    stack.kms.resetCalls();
    await rejectsWith(cold.protector.unprotect(forged), 'unknown_key');
    assert.equal(stack.kms.calls()['Decrypt'], 1, 'the unwrap was attempted and refused by KMS');
    // The refusal is remembered: no KMS call per forged payload.
    await rejectsWith(cold.protector.unprotect(forged), 'unknown_key');
    assert.equal(stack.kms.calls()['Decrypt'], 1);
    // The genuine key is unaffected.
    assert.equal(Buffer.from(await cold.protector.unprotect(payload)).toString(), 'x');
  });

  it('a wrapped key copied from another ring fails to unwrap', async () => {
    const ring = await isolatedRing();
    const instance = ring.start();
    const signingKey = await instance.signing.currentSigningKey();
    const [signingRecord] = await instance.repository.load(SIGNING_RING, { consistent: true });
    assert.ok(signingRecord);
    assert.equal(signingRecord.keyId, signingKey.kid);
    // Same key id, signing ring's wrapped blob, placed in the data-protection ring as a usable key.
    await instance.repository.create(DATA_PROTECTION_RING, { ...signingRecord, alg: 'A256GCM-HKDF-SHA256' }, 'genesis');
    await assert.rejects(ring.start().protector.protect(Buffer.from('x')), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.equal(error.name, 'KeyUnwrapError');
      return true;
    });
  });
});
