/**
 * HMAC-SHA256 (RFC 2104) for one fixed key and 16-byte messages, with the key's inner and outer
 * pad blocks compressed once (the "midstate" precomputation of RFC 2104, section 4). A message
 * then costs two SHA-256 block compressions and no native call. Node's `hash()` costs about
 * 1 us per call here, almost all of it call overhead, and an HMAC needs two, which made the
 * per-payload key the largest part of a warm unprotect.
 *
 * Only additions, rotations and XORs of 32-bit words, none indexed by secret data, so the
 * running time does not depend on the key or the message. Checked against `createHmac` in
 * test/unit/dataprotection-purpose-keys.test.ts.
 */

const BLOCK_BYTES = 64;
const DIGEST_BYTES = 32;
const MESSAGE_BYTES = 16;

// FIPS 180-4, 4.2.2 and 5.3.3.
const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
  0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
  0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
  0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const INITIAL_STATE = Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

/** Message schedule scratch; every caller fills it completely before use, and nothing here awaits. */
const W = new Int32Array(64);

/** One SHA-256 compression of the 16 words already in W[0..15] into `state`. */
function compress(state: Int32Array): void {
  for (let t = 16; t < 64; t++) {
    const w15 = W[t - 15]!;
    const w2 = W[t - 2]!;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[t] = (W[t - 16]! + s0 + W[t - 7]! + s1) | 0;
  }
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  let e = state[4]!;
  let f = state[5]!;
  let g = state[6]!;
  let h = state[7]!;
  for (let t = 0; t < 64; t++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + S1 + ch + K[t]! + W[t]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}

/** The state after compressing one block of `key` XOR `pad` (the key zero-padded to a block). */
function padState(key: Uint8Array, pad: number): Int32Array {
  const block = Buffer.alloc(BLOCK_BYTES, pad);
  for (let i = 0; i < key.length; i++) block[i]! ^= key[i]!;
  for (let i = 0; i < 16; i++) W[i] = block.readInt32BE(i * 4);
  block.fill(0);
  const state = INITIAL_STATE.slice();
  compress(state);
  return state;
}

export class HmacSha256Midstate {
  private readonly innerState: Int32Array;
  private readonly outerState: Int32Array;
  private readonly state = new Int32Array(8);

  /** `key` of at most one block (64 bytes); longer HMAC keys are hashed first, which is not needed here. */
  constructor(key: Uint8Array) {
    if (key.length > BLOCK_BYTES) throw new RangeError('HMAC key longer than a block');
    this.innerState = padState(key, 0x36);
    this.outerState = padState(key, 0x5c);
  }

  /** HMAC-SHA256(key, message) for a 16-byte message, as a new 32-byte buffer. */
  digest(message: Uint8Array): Buffer {
    if (message.length !== MESSAGE_BYTES) throw new RangeError(`message must be ${MESSAGE_BYTES} bytes`);
    const state = this.state;

    // Inner: H(K ^ ipad || message); the final block is the message, the 0x80 end bit and the
    // length in bits of everything hashed (one pad block + 16 bytes).
    state.set(this.innerState);
    for (let i = 0; i < 4; i++) {
      W[i] = (message[i * 4]! << 24) | (message[i * 4 + 1]! << 16) | (message[i * 4 + 2]! << 8) | message[i * 4 + 3]!;
    }
    W[4] = 0x80000000 | 0;
    W.fill(0, 5, 15);
    W[15] = (BLOCK_BYTES + MESSAGE_BYTES) * 8;
    compress(state);

    // Outer: H(K ^ opad || inner digest), the same way with the 32-byte digest as the message.
    for (let i = 0; i < 8; i++) W[i] = state[i]!;
    W[8] = 0x80000000 | 0;
    W.fill(0, 9, 15);
    W[15] = (BLOCK_BYTES + DIGEST_BYTES) * 8;
    state.set(this.outerState);
    compress(state);

    const out = Buffer.allocUnsafe(DIGEST_BYTES);
    for (let i = 0; i < 8; i++) out.writeInt32BE(state[i]!, i * 4);
    state.fill(0);
    return out;
  }
}
