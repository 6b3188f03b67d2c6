import assert from 'node:assert/strict';
import { scryptSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { MAX_PASSWORD_LENGTH, PasswordHasher, PasswordTooLongError } from '../../lib/auth/password-hasher.js';

/** Edits one `$`-separated part of an encoded hash: 0 scheme, 1 parameters, 2 salt, 3 key. */
function withSegment(encoded: string, index: number, edit: (part: string) => string): string {
  const parts = encoded.split('$');
  parts[index] = edit(parts[index] ?? '');
  return parts.join('$');
}

const FORMAT = /^scrypt\$ln=(\d+),r=8,p=1\$([A-Za-z0-9_-]{22})\$([A-Za-z0-9_-]{43})$/;

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher({ logN: 10 });

  it('stores the parameters, a 16-byte salt and a 32-byte key', async () => {
    const encoded = await hasher.hash('correct horse');
    const match = FORMAT.exec(encoded);
    assert.ok(match, encoded);
    assert.equal(match[1], '10');
    assert.equal(Buffer.from(match[2] ?? '', 'base64url').length, 16);
    assert.equal(Buffer.from(match[3] ?? '', 'base64url').length, 32);
  });

  it('is real scrypt: the key matches an independent derivation', async () => {
    const encoded = await hasher.hash('correct horse');
    const [, , salt = '', key = ''] = FORMAT.exec(encoded) ?? [];
    const expected = scryptSync('correct horse', Buffer.from(salt, 'base64url'), 32, { N: 1024, r: 8, p: 1 });
    assert.equal(key, expected.toString('base64url'));
  });

  it('salts every hash', async () => {
    assert.notEqual(await hasher.hash('same'), await hasher.hash('same'));
  });

  it('verifies the right password and rejects a wrong one', async () => {
    const encoded = await hasher.hash('correct horse');
    assert.deepEqual(await hasher.verify('correct horse', encoded), { ok: true, needsRehash: false });
    assert.deepEqual(await hasher.verify('correct horsE', encoded), { ok: false, needsRehash: false });
    assert.deepEqual(await hasher.verify('', encoded), { ok: false, needsRehash: false });
  });

  it('normalises with NFKC, so composed and decomposed input match', async () => {
    const encoded = await hasher.hash('caf\u00e9 \uff11'); // é composed, full-width 1
    assert.equal((await hasher.verify('cafe\u0301 1', encoded)).ok, true);
  });

  it('asks for a rehash when the cost changed, in either direction', async () => {
    const cheap = await hasher.hash('pw');
    const dearer = new PasswordHasher({ logN: 11 });
    assert.deepEqual(await dearer.verify('pw', cheap), { ok: true, needsRehash: true });
    assert.deepEqual(await hasher.verify('pw', await dearer.hash('pw')), { ok: true, needsRehash: true });
    assert.deepEqual(await dearer.verify('wrong', cheap), { ok: false, needsRehash: false });
  });

  it('verifies hashes made with other stored parameters (r, p)', async () => {
    const salt = Buffer.alloc(16, 7);
    const key = scryptSync('pw', salt, 32, { N: 2048, r: 4, p: 2 });
    const encoded = `scrypt$ln=11,r=4,p=2$${salt.toString('base64url')}$${key.toString('base64url')}`;
    assert.deepEqual(await hasher.verify('pw', encoded), { ok: true, needsRehash: true });
  });

  it('returns ok:false for malformed or dangerous encodings instead of throwing', async () => {
    const good = await hasher.hash('pw');
    const malformed = [
      '',
      'pw',
      good.replace('scrypt$', 'bcrypt$'),
      good.replace('ln=10', 'ln=0'),
      good.replace('ln=10', 'ln=40'), // would need terabytes
      good.replace('r=8', 'r=0'),
      good.replace('p=1', 'p=99'), // far more work than any hash we make
      good.replace('ln=10,r=8', 'ln=20,r=16'),
      good.slice(0, -10), // truncated key
      good.slice(0, -1),
      withSegment(good, 2, (salt) => salt + 'AAAA'), // longer salt
      withSegment(good, 2, (salt) => salt.slice(4)), // shorter salt
      good + '$extra',
      withSegment(good, 2, () => '!'.repeat(22)), // not base64url
    ];
    for (const encoded of malformed) {
      assert.deepEqual(await hasher.verify('pw', encoded), { ok: false, needsRehash: false }, encoded);
    }
  });

  it('refuses over-long passwords before hashing, and never verifies them', async () => {
    const limit = 'x'.repeat(MAX_PASSWORD_LENGTH);
    const encoded = await hasher.hash(limit);
    assert.equal((await hasher.verify(limit, encoded)).ok, true);
    await assert.rejects(hasher.hash(limit + 'x'), PasswordTooLongError);
    assert.deepEqual(await hasher.verify(limit + 'x', encoded), { ok: false, needsRehash: false });
  });

  it('makes unmatchable hashes at the current cost that cost a full verification', async () => {
    const dummy = hasher.unmatchableHash();
    const real = await hasher.hash('any password');
    assert.match(dummy, FORMAT, 'well-formed: verification runs scrypt, it does not bail out early');
    assert.equal(dummy.split('$')[1], real.split('$')[1], 'same parameters as a real hash');
    assert.notEqual(hasher.unmatchableHash(), dummy, 'random salt and key each time');
    const result = await hasher.verify('any password', dummy);
    assert.deepEqual(result, { ok: false, needsRehash: false }, 'well-formed (no rehash) and matches nothing');
  });

  it('rejects unusable cost settings', () => {
    for (const logN of [9, 21, 12.5, Number.NaN]) {
      assert.throws(() => new PasswordHasher({ logN }), RangeError, String(logN));
    }
  });

  it('uses the OWASP default of N=2^17 and can verify it', async () => {
    const hasher17 = new PasswordHasher();
    const encoded = await hasher17.hash('default cost');
    assert.match(encoded, /^scrypt\$ln=17,r=8,p=1\$/);
    assert.deepEqual(await hasher17.verify('default cost', encoded), { ok: true, needsRehash: false });
  });
});
