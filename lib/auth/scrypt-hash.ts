/**
 * The records of the scrypt era (`scrypt$ln=17,r=8,p=1$<salt>$<key>`, unpadded base64url): still
 * verified, never produced. Each one is replaced by an argon2id hash at its account's next
 * successful sign-in (PasswordHasher.verify answers needsRehash).
 */
import { scrypt, type ScryptOptions } from 'node:crypto';

export interface ScryptParams {
  logN: number;
  r: number;
  p: number;
}

export interface ScryptRecord {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

/**
 * N * r * p bounds both the time and (with p >= 1) the memory of one derivation. A corrupted or
 * planted record must not make a verify cost more than the most expensive hash this project
 * ever made (N = 2^20, r = 8): 1 GiB.
 */
const MAX_COST = 2 ** 20 * 8;
const KEY_BYTES = 32;

/** Salt and key lengths are fixed (16 and 32 bytes), so a truncated record is malformed. */
const ENCODED = /^scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]{22})\$([A-Za-z0-9_-]{43})$/;

export function parseScrypt(encoded: string): ScryptRecord | undefined {
  const match = ENCODED.exec(encoded);
  if (!match) return undefined;
  const [, ln = '', r = '', p = '', salt = '', key = ''] = match;
  const params = { logN: Number(ln), r: Number(r), p: Number(p) };
  if (params.logN < 1 || params.r < 1 || params.p < 1) return undefined;
  if (2 ** params.logN * params.r * params.p > MAX_COST) return undefined;
  return { params, salt: Buffer.from(salt, 'base64url'), key: Buffer.from(key, 'base64url') };
}

/** The password must already be normalised (the hasher does it once, for either algorithm). */
export function deriveScrypt(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = {
    N: 2 ** params.logN,
    r: params.r,
    p: params.p,
    // Node's default maxmem (32 MiB) is below what N=2^17 needs; allow exactly the requirement
    // (OpenSSL allocates 128 * r * (N + p + 2) bytes) plus slack.
    maxmem: 128 * params.r * (2 ** params.logN + params.p + 2) + 1024 * 1024,
  };
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_BYTES, options, (error, derived) => (error ? reject(error) : resolve(derived)));
  });
}
