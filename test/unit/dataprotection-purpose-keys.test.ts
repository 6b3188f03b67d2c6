import assert from 'node:assert/strict';
import { createHmac, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { decodeBase64Url, readExpiry, readKeyId, writeExpiry } from '../../lib/dataprotection/payload-format.js';
import { HmacSha256Midstate } from '../../lib/dataprotection/hmac-sha256-midstate.js';
import { encodePurposeChain, PurposeKey, PurposeKeyCache } from '../../lib/dataprotection/purpose-keys.js';

describe('purpose keys', () => {
  it('the per-payload key is exactly HMAC-SHA256(purpose key, modifier)', () => {
    for (let i = 0; i < 200; i++) {
      const purposeKey = randomBytes(32);
      const key = new PurposeKey(purposeKey, Buffer.alloc(16));
      const modifier = randomBytes(16);
      assert.deepEqual(key.payloadKey(modifier), createHmac('sha256', purposeKey).update(modifier).digest());
    }
  });

  it('the purpose key is HKDF-SHA256(master, length-prefixed chain)', () => {
    const master = randomBytes(32);
    const keyId = randomUUID();
    const chain = ['identity', 'session'];
    const derived = new PurposeKeyCache().forChain(chain).get(keyId, master);
    const expected = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), encodePurposeChain(chain), 32));
    const modifier = randomBytes(16);
    assert.deepEqual(derived.payloadKey(modifier), createHmac('sha256', expected).update(modifier).digest());
    assert.deepEqual(derived.keyIdBytes, Buffer.from(keyId.replaceAll('-', ''), 'hex'));
  });

  it('chains are length-prefixed: [a, b] differs from [ab] and from [a, b, ""]', () => {
    assert.notDeepEqual(encodePurposeChain(['app', 'a', 'b']), encodePurposeChain(['app', 'ab']));
    assert.notDeepEqual(encodePurposeChain(['app', 'a', 'b']), encodePurposeChain(['app', 'a', 'b', '']));
    assert.deepEqual(encodePurposeChain(['ab']), Buffer.from([0, 0, 0, 2, 0x61, 0x62]));
  });

  it('derives once per (key, chain) and shares it across protectors of the same chain', () => {
    const cache = new PurposeKeyCache();
    const master = randomBytes(32);
    const keyId = randomUUID();
    assert.equal(cache.forChain(['x', 'y']).get(keyId, master), cache.forChain(['x', 'y']).get(keyId, master));
    assert.notEqual(cache.forChain(['x', 'y']).get(keyId, master), cache.forChain(['x', 'yy']).get(keyId, master));
  });

  it('refuses a chain longer than HKDF accepts', () => {
    assert.throws(() => encodePurposeChain(['x'.repeat(2000)]), RangeError);
  });
});

describe('HMAC-SHA256 with precomputed pads', () => {
  const reference = (key: Buffer, message: Buffer) => createHmac('sha256', key).update(message).digest();

  it('equals OpenSSL HMAC-SHA256 for every key length up to a block and random messages', () => {
    for (let keyLength = 0; keyLength <= 64; keyLength++) {
      for (let i = 0; i < 20; i++) {
        const key = randomBytes(keyLength);
        const message = randomBytes(16);
        assert.deepEqual(new HmacSha256Midstate(key).digest(message), reference(key, message), `key length ${keyLength}`);
      }
    }
  });

  it('equals it at the bit extremes, where carries and sign bits of the 32-bit words show', () => {
    for (const keyByte of [0x00, 0xff, 0x80, 0x7f]) {
      for (const messageByte of [0x00, 0xff, 0x80, 0x7f]) {
        const key = Buffer.alloc(32, keyByte);
        const message = Buffer.alloc(16, messageByte);
        assert.deepEqual(new HmacSha256Midstate(key).digest(message), reference(key, message));
      }
    }
  });

  it('one instance gives each message its own answer, whatever came before', () => {
    const key = randomBytes(32);
    const hmac = new HmacSha256Midstate(key);
    const messages = Array.from({ length: 50 }, () => randomBytes(16));
    const forwards = messages.map((m) => hmac.digest(m));
    for (let i = messages.length - 1; i >= 0; i--) {
      assert.deepEqual(hmac.digest(messages[i]!), forwards[i]);
      assert.deepEqual(forwards[i], reference(key, messages[i]!));
    }
  });

  it('refuses keys longer than a block and messages of another length', () => {
    assert.throws(() => new HmacSha256Midstate(Buffer.alloc(65)), RangeError);
    const hmac = new HmacSha256Midstate(Buffer.alloc(32));
    assert.throws(() => hmac.digest(Buffer.alloc(15)), RangeError);
    assert.throws(() => hmac.digest(Buffer.alloc(17)), RangeError);
  });
});

describe('payload format helpers', () => {
  it('strict base64url', () => {
    assert.deepEqual(decodeBase64Url('AQID'), Buffer.from([1, 2, 3]));
    assert.equal(decodeBase64Url('AQ+D'), undefined);
    assert.equal(decodeBase64Url('AQI='), undefined);
    assert.equal(decodeBase64Url('AQIDB'), undefined);
  });

  it('key ids and expiries round-trip', () => {
    const id = randomUUID();
    const buffer = Buffer.alloc(20);
    Buffer.from(id.replaceAll('-', ''), 'hex').copy(buffer, 4);
    assert.equal(readKeyId(buffer), id);
    const expiry = Buffer.alloc(8);
    writeExpiry(expiry, 0, Date.parse('2100-01-01T00:00:00Z'));
    assert.equal(readExpiry(expiry, 0), Date.parse('2100-01-01T00:00:00Z'));
    expiry[0] = 1;
    assert.equal(readExpiry(expiry, 0), undefined);
  });
});
