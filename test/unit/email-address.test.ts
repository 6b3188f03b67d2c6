import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeEmail } from '../../lib/auth/email-address.js';

describe('normalizeEmail', () => {
  it('trims and lowercases the whole address', () => {
    assert.equal(normalizeEmail('  Alice.Smith+Tag@Example.COM \n'), 'alice.smith+tag@example.com');
    assert.equal(normalizeEmail('A@Example.com'), normalizeEmail('a@example.com'));
  });

  it('composes Unicode (NFC) so both spellings of an accent are one address', () => {
    const decomposed = 'jose\u0301@example.com';
    const composed = 'jos\u00e9@example.com';
    assert.notEqual(decomposed, composed);
    assert.equal(normalizeEmail(decomposed), composed);
    assert.equal(normalizeEmail('ÉLODIE@exämple.de'), 'élodie@exämple.de');
  });

  it('accepts ordinary addresses', () => {
    for (const ok of ['a@b.co', "o'brien@example.ie", 'x_y-z@sub.domain.example', 'user@xn--bcher-kva.example', '1@2.io']) {
      assert.equal(normalizeEmail(ok), ok, ok);
    }
  });

  it('rejects what is not a usable address', () => {
    const bad = [
      '',
      '   ',
      'plain',
      '@example.com',
      'a@',
      'a@@example.com',
      'a@b@example.com',
      'a@localhost',
      'a@example',
      'a@example.123',
      'a@-example.com',
      'a@example-.com',
      'a@exa_mple.com',
      'a@example..com',
      'a@example.com.',
      'a@[127.0.0.1]',
      '.a@example.com',
      'a.@example.com',
      'a..b@example.com',
      'a b@example.com',
      '"a"@example.com',
      'a\u0000@example.com',
      'a@exam\nple.com',
      '<a@example.com>',
      'a@example.com, b@example.com',
    ];
    for (const input of bad) assert.equal(normalizeEmail(input), undefined, JSON.stringify(input));
  });

  it('enforces 64 characters for the local part and 254 in all', () => {
    assert.equal(normalizeEmail(`${'a'.repeat(64)}@example.com`), `${'a'.repeat(64)}@example.com`);
    assert.equal(normalizeEmail(`${'a'.repeat(65)}@example.com`), undefined);
    const label = 'b'.repeat(63);
    const domain254 = `${label}.${label}.${label}.${'c'.repeat(54)}`; // 63*3 + 54 + 3 dots = 246
    const at254 = `abcdefg@${domain254}`;
    assert.equal(at254.length, 254);
    assert.equal(normalizeEmail(at254), at254);
    assert.equal(normalizeEmail(`x${at254}`), undefined);
    assert.equal(normalizeEmail(`a@${'d'.repeat(64)}.com`), undefined, 'labels are at most 63 characters');
    assert.equal(normalizeEmail('a'.repeat(5000)), undefined);
  });
});
