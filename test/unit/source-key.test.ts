/**
 * sourceKey groups request sources for per-source limits: an IPv4 address alone, an IPv6
 * address by its /64 (what one subscriber or host is typically given, so rotating through it
 * gains nothing), and the IPv4 an IPv4-mapped IPv6 address carries.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sourceKey } from '../../lib/auth/source-key.js';

describe('sourceKey', () => {
  it('keeps an IPv4 address as it is', () => {
    assert.equal(sourceKey('198.51.100.7'), '198.51.100.7');
    assert.notEqual(sourceKey('198.51.100.7'), sourceKey('198.51.100.8'));
  });

  it('groups every IPv6 address of one /64, whatever its spelling', () => {
    const key = sourceKey('2001:db8:1:2::1');
    assert.equal(key, '2001:db8:1:2::/64');
    for (const ip of ['2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:0DB8:0001:0002:0:0:0:9', ' 2001:db8:1:2:a:b:c:d ', 'fe80::1%eth0'.replace('fe80::1', '2001:db8:1:2::5')]) {
      assert.equal(sourceKey(ip), key, ip);
    }
  });

  it('tells neighbouring /64s apart', () => {
    assert.notEqual(sourceKey('2001:db8:1:3::1'), sourceKey('2001:db8:1:2::1'));
    assert.equal(sourceKey('::1'), '0:0:0:0::/64');
    assert.equal(sourceKey('2001:db8::'), '2001:db8:0:0::/64');
    assert.equal(sourceKey('64:ff9b::192.0.2.33'), '64:ff9b:0:0::/64');
  });

  it('treats an IPv4-mapped IPv6 address as its IPv4 address', () => {
    assert.equal(sourceKey('::ffff:198.51.100.7'), '198.51.100.7');
    assert.equal(sourceKey('::FFFF:c633:6407'), '198.51.100.7');
  });

  it('keeps anything else apart from every address, trimmed and lowercased', () => {
    assert.equal(sourceKey(' Not-An-IP '), 'other:not-an-ip');
    assert.equal(sourceKey(''), 'other:');
  });
});
