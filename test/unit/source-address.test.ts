import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sourceKey } from '../../lib/http/source-address.js';

describe('sourceKey', () => {
  it('keeps an IPv4 address as its own source', () => {
    assert.equal(sourceKey('198.51.100.7'), '198.51.100.7');
    assert.equal(sourceKey(' 198.51.100.7 '), '198.51.100.7');
    assert.notEqual(sourceKey('198.51.100.7'), sourceKey('198.51.100.8'));
  });

  it('counts IPv6 addresses by their /64, however they are written', () => {
    const key = sourceKey('2001:db8:aa:1::1');
    assert.equal(key, '2001:db8:aa:1::/64');
    for (const sameNetwork of ['2001:db8:aa:1:ffff:ffff:ffff:fffe', '2001:0DB8:00aa:0001:0:0:0:2', '2001:db8:aa:1:1234::', '2001:db8:aa:1::1%eth0']) {
      assert.equal(sourceKey(sameNetwork), key, sameNetwork);
    }
    assert.notEqual(sourceKey('2001:db8:aa:2::1'), key, 'the neighbouring /64 is another source');
    assert.equal(sourceKey('::1'), '0:0:0:0::/64');
    assert.equal(sourceKey('2001:db8::'), '2001:db8:0:0::/64');
    assert.equal(sourceKey('64:ff9b::192.0.2.33'), '64:ff9b:0:0::/64');
  });

  it('maps an IPv4-mapped IPv6 address to the IPv4 address', () => {
    assert.equal(sourceKey('::ffff:198.51.100.7'), '198.51.100.7');
  });

  it('keeps anything that is no address as its own lowercased source', () => {
    assert.equal(sourceKey(' Local '), 'local');
    assert.equal(sourceKey(''), '');
  });
});
