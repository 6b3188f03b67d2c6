import assert from 'node:assert/strict';
import { validateHeaderValue } from 'node:http';
import { describe, it } from 'node:test';
import { afterSignIn, loginUrl, MAX_RETURN_TO_LENGTH, safeReturnTo } from '../../lib/session/return-to.js';

describe('safeReturnTo', () => {
  it('accepts same-origin paths with queries and fragments', () => {
    for (const path of ['/', '/register?x=1', '/authorize?client_id=a&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=x', '/a/b#c', '/%2F%2Fevil.example']) {
      assert.equal(safeReturnTo(path), path, path);
    }
  });

  it('refuses anything a browser could take to another origin', () => {
    const unsafe = [
      '//evil.example',
      '//evil.example/path',
      '/\\evil.example',
      '\\\\evil.example',
      '/\\/evil.example',
      'https://evil.example/',
      'http:/evil.example',
      'javascript:alert(1)',
      'data:text/html,x',
      'evil.example',
      ' /x',
      '/\t/evil.example',
      '/\n/evil.example',
      '/x\r\nLocation: https://evil.example',
      '/a b',
      '/\u0000',
      '',
    ];
    for (const value of unsafe) assert.equal(safeReturnTo(value), undefined, JSON.stringify(value));
    assert.equal(safeReturnTo(undefined), undefined);
    assert.equal(safeReturnTo(null), undefined);
  });

  it('resolves whatever it admits on our own origin: every two characters around a leading slash', () => {
    // The pattern is the only guard, so this is what a check of the parsed origin would have
    // caught: the WHATWG parser (the browsers') decides the origin within these characters.
    const base = 'https://return-to.invalid';
    const ascii = Array.from({ length: 0x80 }, (_, i) => String.fromCharCode(i));
    const other = ['\u0085', '\u00a0', '\u2028', '\u3000', '\ufeff', '\uff0f', '\uff3c', '\u2215', '\u29f5', '\u0338'];
    let admitted = 0;
    for (const a of [...ascii, ...other]) {
      for (const b of [...ascii, ...other]) {
        for (const value of [`${a}${b}/evil.example/x`, `/${a}${b}/evil.example/x`]) {
          const safe = safeReturnTo(value);
          if (safe === undefined) continue;
          admitted++;
          assert.equal(new URL(safe, base).origin, base, JSON.stringify(value));
        }
      }
    }
    assert.ok(admitted > 9_000, `the probe admitted only ${admitted} values`);
  });

  it('refuses some values that would resolve on our own origin: an origin check alone is not enough', () => {
    const base = 'https://return-to.invalid';
    for (const value of ['evil.example', '/x\r\nLocation: https://evil.example', '/a b']) {
      assert.equal(safeReturnTo(value), undefined, JSON.stringify(value));
      assert.equal(new URL(value, base).origin, base, JSON.stringify(value));
    }
  });

  it('percent-encodes characters outside ASCII, so the value is a valid Location header', () => {
    // A Location header is a URI reference (RFC 9110 section 10.2.2): Node refuses '€' outright
    // (a 500 from serverless-offline) and other servers mangle it.
    assert.equal(safeReturnTo('/caf\u00e9?q=\u20ac#\u00e9'), '/caf%C3%A9?q=%E2%82%AC#%C3%A9');
    assert.equal(safeReturnTo('/\u0085/evil.example'), '/%C2%85/evil.example');
    assert.equal(safeReturnTo('/a%20b'), '/a%20b', 'existing escapes are kept as they are');
    assert.equal(safeReturnTo('/\ud800'), undefined, 'a lone surrogate has no encoding');
    for (const value of ['/\u20ac', '/caf\u00e9', '/\u0085/x']) {
      const location = afterSignIn(value);
      assert.doesNotThrow(() => validateHeaderValue('Location', location), location);
      assert.match(location, /^[\x21-\x7e]+$/);
    }
  });

  it('refuses overly long values', () => {
    const path = '/' + 'a'.repeat(MAX_RETURN_TO_LENGTH - 1);
    assert.equal(safeReturnTo(path), path);
    assert.equal(safeReturnTo(path + 'a'), undefined);
  });
});

describe('loginUrl and afterSignIn', () => {
  it('builds the sign-in URL with an encoded return_to, dropping unsafe ones', () => {
    assert.equal(loginUrl('/authorize?client_id=a&scope=openid%20email'), '/login?return_to=%2Fauthorize%3Fclient_id%3Da%26scope%3Dopenid%2520email');
    assert.equal(new URLSearchParams(loginUrl('/authorize?a=1&b=2').split('?')[1]).get('return_to'), '/authorize?a=1&b=2');
    assert.equal(loginUrl('//evil.example'), '/login');
    assert.equal(loginUrl(undefined), '/login');
    assert.equal(loginUrl('/x', '/login/code'), '/login/code?return_to=%2Fx');
  });

  it('goes home unless return_to is safe', () => {
    assert.equal(afterSignIn('/register?x=1'), '/register?x=1');
    assert.equal(afterSignIn('//evil.example/'), '/');
    assert.equal(afterSignIn(null), '/');
  });
});
