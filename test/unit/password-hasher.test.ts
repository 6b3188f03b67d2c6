import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import { MAX_PASSWORD_LENGTH, PasswordHasher, PasswordTooLongError } from '../../lib/auth/password-hasher.js';
import { loadConfigSections } from '../../lib/config.js';
import { scryptEraHash, TEST_PASSWORD_SETTINGS } from '../support/password-hashing.js';

/** Edits one `$`-separated part of an encoded hash (argon2id: 1 scheme, 2 version, 3 parameters, 4 salt, 5 key). */
function withSegment(encoded: string, index: number, edit: (part: string) => string): string {
  const parts = encoded.split('$');
  parts[index] = edit(parts[index] ?? '');
  return parts.join('$');
}

const { memoryKiB: M, iterations: T } = TEST_PASSWORD_SETTINGS.argon2id;
const FORMAT = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=1\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})$/;

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher(TEST_PASSWORD_SETTINGS);

  it('stores argon2id with its parameters, a 16-byte salt and a 32-byte key (PHC string format)', async () => {
    const encoded = await hasher.hash('correct horse');
    const match = FORMAT.exec(encoded);
    assert.ok(match, encoded);
    assert.deepEqual([match[1], match[2]], [String(M), String(T)]);
    assert.equal(Buffer.from(match[3] ?? '', 'base64').length, 16);
    assert.equal(Buffer.from(match[4] ?? '', 'base64').length, 32);
  });

  it('is real argon2id: the library\'s own PHC verifier accepts the record, for the right password only', async () => {
    const encoded = await hasher.hash('correct horse');
    assert.equal(await argon2Verify(encoded, 'correct horse'), true);
    assert.equal(await argon2Verify(encoded, 'correct horsE'), false);
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

  it('asks for a rehash when the memory or time cost changed, in either direction', async () => {
    const cheap = await hasher.hash('pw');
    for (const argon2id of [{ memoryKiB: M * 2, iterations: T }, { memoryKiB: M, iterations: T + 1 }]) {
      const dearer = new PasswordHasher({ argon2id });
      assert.deepEqual(await dearer.verify('pw', cheap), { ok: true, needsRehash: true }, JSON.stringify(argon2id));
      assert.deepEqual(await hasher.verify('pw', await dearer.hash('pw')), { ok: true, needsRehash: true });
      assert.deepEqual(await dearer.verify('wrong', cheap), { ok: false, needsRehash: false });
    }
  });

  it('verifies argon2id records made elsewhere (the library\'s own encoder), other lanes (p) included, and asks for a rehash', async () => {
    const elsewhere = await argon2Hash('pw', { memoryCost: M, timeCost: T, parallelism: 2 });
    assert.ok(elsewhere.startsWith(`$argon2id$v=19$m=${M},t=${T},p=2$`), elsewhere);
    assert.deepEqual(await hasher.verify('pw', elsewhere), { ok: true, needsRehash: true });
    assert.deepEqual(await hasher.verify('pw', elsewhere.replace(',p=2$', ',p=1$')), { ok: false, needsRehash: false }, 'p is part of the derivation');
    const sameCost = await argon2Hash('pw', { memoryCost: M, timeCost: T, parallelism: 1 });
    assert.deepEqual(await hasher.verify('pw', sameCost), { ok: true, needsRehash: false });
  });

  describe('records of the scrypt era', () => {
    it('verifies them and always asks for an argon2id rehash', async () => {
      assert.deepEqual(await hasher.verify('pw', scryptEraHash('pw')), { ok: true, needsRehash: true });
      assert.deepEqual(await hasher.verify('pw', scryptEraHash('pw', { logN: 11, r: 4, p: 2 })), { ok: true, needsRehash: true });
      assert.deepEqual(await hasher.verify('wrong', scryptEraHash('pw')), { ok: false, needsRehash: false });
    });

    it('normalises with NFKC as the scrypt hasher did', async () => {
      assert.equal((await hasher.verify('cafe\u0301 1', scryptEraHash('caf\u00e9 1'))).ok, true);
    });

    it('returns ok:false for malformed or dangerous scrypt encodings', async () => {
      const good = scryptEraHash('pw');
      const malformed = [
        good.replace('ln=10', 'ln=0'),
        good.replace('ln=10', 'ln=40'), // would need terabytes
        good.replace('r=8', 'r=0'),
        good.replace('p=1', 'p=99'), // far more work than any hash we made
        good.replace('ln=10,r=8', 'ln=20,r=16'),
        good.slice(0, -10), // truncated key
        withSegment(good, 2, (salt) => salt.slice(4)), // shorter salt
        good + '$extra',
      ];
      for (const encoded of malformed) {
        assert.deepEqual(await hasher.verify('pw', encoded), { ok: false, needsRehash: false }, encoded);
      }
    });
  });

  it('returns ok:false for malformed or dangerous argon2id encodings instead of throwing', async () => {
    const good = await hasher.hash('pw');
    const malformed = [
      '',
      'pw',
      good.replace('$argon2id$', '$argon2i$'),
      good.replace('$argon2id$', '$argon2d$'),
      good.replace('v=19', 'v=16'),
      good.replace(`m=${M}`, 'm=4'), // below argon2's 8 KiB per lane
      good.replace(`m=${M}`, 'm=2097152'), // 2 GiB
      good.replace(`t=${T}`, 't=0'),
      good.replace(`t=${T}`, 't=99'),
      good.replace('p=1', 'p=0'),
      good.replace('p=1', 'p=99'),
      good.slice(0, -10), // truncated key
      good.slice(0, -1),
      withSegment(good, 4, (salt) => salt + 'AAAA'), // longer salt
      withSegment(good, 4, (salt) => salt.slice(4)), // shorter salt
      good + '$extra',
      withSegment(good, 4, () => '!'.repeat(22)), // not base64
      good + '=', // padded
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
    assert.deepEqual(await hasher.verify(limit + 'x', scryptEraHash(limit)), { ok: false, needsRehash: false });
  });

  it('makes unmatchable hashes at the current cost that cost a full verification', async () => {
    const dummy = hasher.unmatchableHash();
    const real = await hasher.hash('any password');
    assert.match(dummy, FORMAT, 'well-formed: verification runs argon2id, it does not bail out early');
    assert.equal(dummy.split('$')[3], real.split('$')[3], 'same parameters as a real hash');
    assert.notEqual(hasher.unmatchableHash(), dummy, 'random salt and key each time');
    const result = await hasher.verify('any password', dummy);
    assert.deepEqual(result, { ok: false, needsRehash: false }, 'well-formed (no rehash) and matches nothing');
  });

  it('rejects unusable cost settings', () => {
    for (const argon2id of [
      { memoryKiB: 7, iterations: 1 },
      { memoryKiB: 2 * 1024 * 1024, iterations: 1 },
      { memoryKiB: 64, iterations: 0 },
      { memoryKiB: 64, iterations: 17 },
      { memoryKiB: 64.5, iterations: 1 },
      { memoryKiB: Number.NaN, iterations: 1 },
    ]) {
      assert.throws(() => new PasswordHasher({ argon2id }), RangeError, JSON.stringify(argon2id));
    }
  });

  it('hashes at OWASP\'s m = 19 MiB, t = 2, p = 1 with the default configuration, and verifies it', async () => {
    const production = new PasswordHasher(loadConfigSections(['accounts'], {}).password);
    const encoded = await production.hash('default cost');
    assert.match(encoded, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.deepEqual(await production.verify('default cost', encoded), { ok: true, needsRehash: false });
  });
});
