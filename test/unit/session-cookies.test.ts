import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clearCookie, serializeCookie } from '../../lib/session/cookies.js';

describe('serializeCookie', () => {
  it('defaults to Path=/, HttpOnly, Secure, SameSite=Lax', () => {
    assert.equal(serializeCookie('__Host-session', 'abc-123_x'), '__Host-session=abc-123_x; Path=/; HttpOnly; Secure; SameSite=Lax');
  });

  it('writes lifetime attributes', () => {
    const cookie = serializeCookie('__Host-flow', 'v', { maxAgeS: 1800, expires: new Date(Date.UTC(2030, 0, 2, 3, 4, 5)) });
    assert.equal(cookie, '__Host-flow=v; Path=/; Max-Age=1800; Expires=Wed, 02 Jan 2030 03:04:05 GMT; HttpOnly; Secure; SameSite=Lax');
  });

  it('is always Secure, even when not HttpOnly or SameSite=None', () => {
    const cookie = serializeCookie('pref', 'dark', { httpOnly: false, sameSite: 'None', path: '/account' });
    assert.equal(cookie, 'pref=dark; Path=/account; Secure; SameSite=None');
  });

  it('never writes a Domain attribute', () => {
    assert.doesNotMatch(serializeCookie('__Host-a', 'b', { maxAgeS: 1 }), /Domain/i);
  });

  it('insists on Path=/ for __Host- cookies', () => {
    assert.throws(() => serializeCookie('__Host-a', 'b', { path: '/login' }), TypeError);
  });

  it('rejects names that are not tokens', () => {
    for (const name of ['', 'a b', 'a;b', 'a=b', 'a,b', 'é', 'a\tb', 'a"b']) {
      assert.throws(() => serializeCookie(name, 'v'), TypeError, JSON.stringify(name));
    }
  });

  it('rejects values that could add attributes or break parsing', () => {
    for (const value of ['a;b', 'a b', 'a,b', 'a"b', 'a\\b', 'a\r\nb', 'é']) {
      assert.throws(() => serializeCookie('n', value), TypeError, JSON.stringify(value));
    }
    assert.equal(serializeCookie('n', 'A-z_0.9~!#$%&\'()*+/:<=>?@[]^`{|}'), "n=A-z_0.9~!#$%&'()*+/:<=>?@[]^`{|}; Path=/; HttpOnly; Secure; SameSite=Lax");
  });

  it('rejects a path that would inject attributes', () => {
    assert.throws(() => serializeCookie('n', 'v', { path: '/; Domain=evil.test' }), TypeError);
    assert.throws(() => serializeCookie('n', 'v', { path: 'relative' }), TypeError);
  });

  it('rejects bad lifetimes', () => {
    assert.throws(() => serializeCookie('n', 'v', { maxAgeS: -1 }), RangeError);
    assert.throws(() => serializeCookie('n', 'v', { maxAgeS: 1.5 }), RangeError);
    assert.throws(() => serializeCookie('n', 'v', { expires: new Date(Number.NaN) }), RangeError);
  });

  it('refuses cookies browsers would silently drop', () => {
    assert.doesNotThrow(() => serializeCookie('n', 'x'.repeat(4095)));
    assert.throws(() => serializeCookie('n', 'x'.repeat(4096)), RangeError);
  });
});

describe('clearCookie', () => {
  it('expires the cookie with matching attributes', () => {
    assert.equal(
      clearCookie('__Host-session'),
      '__Host-session=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax',
    );
  });

  it('uses the path the cookie was set with', () => {
    assert.match(clearCookie('pref', { path: '/account' }), /^pref=; Path=\/account; Max-Age=0;/);
  });
});
