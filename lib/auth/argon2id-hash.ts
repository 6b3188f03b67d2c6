/**
 * argon2id (RFC 9106) through `@node-rs/argon2`, which runs it on libuv's thread pool (the event
 * loop stays free) from a prebuilt native binary. Records use the PHC string format of the
 * reference implementation, `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>` (unpadded standard
 * base64), so hashes can move to or from other systems.
 */
import { randomBytes } from 'node:crypto';
import type { Algorithm, Version } from '@node-rs/argon2';
import { once } from '../once.js';

export interface Argon2idCost {
  /** m, in KiB: what one derivation allocates. */
  memoryKiB: number;
  /** t: passes over that memory. */
  iterations: number;
}

export interface Argon2idParams extends Argon2idCost {
  /** p: lanes. */
  parallelism: number;
}

/**
 * Bounds for parameters we produce and for those we accept from storage: a corrupted or planted
 * record must not make one verification allocate more than 1 GiB or run more than 16 passes.
 * The lower memory bound is argon2's own (8 KiB per lane).
 */
export const ARGON2ID_LIMITS = { minMemoryKiB: 8, maxMemoryKiB: 1024 * 1024, maxIterations: 16, maxParallelism: 16 } as const;

const SALT_BYTES = 16;
const KEY_BYTES = 32;
const ARGON2ID: Algorithm = 2;
/** 0x13 = 19, the only version the PHC strings below carry. */
const VERSION_19: Version = 1;

/**
 * Salt and key lengths are fixed (16 and 32 bytes), so a truncated record is malformed instead of
 * verifying against a shorter key; only the cost parameters vary.
 */
const ENCODED = /^\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})$/;

export interface Argon2idRecord {
  params: Argon2idParams;
  salt: Buffer;
  key: Buffer;
}

export function withinArgon2idLimits({ memoryKiB, iterations, parallelism }: Argon2idParams): boolean {
  const integers = [memoryKiB, iterations, parallelism].every(Number.isInteger);
  return (
    integers &&
    parallelism >= 1 &&
    parallelism <= ARGON2ID_LIMITS.maxParallelism &&
    memoryKiB >= ARGON2ID_LIMITS.minMemoryKiB * parallelism &&
    memoryKiB <= ARGON2ID_LIMITS.maxMemoryKiB &&
    iterations >= 1 &&
    iterations <= ARGON2ID_LIMITS.maxIterations
  );
}

/** Normalised password -> a record with a fresh salt. */
export async function hashArgon2id(password: string, params: Argon2idParams): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  return encodeArgon2id({ params, salt, key: await deriveArgon2id(password, salt, params) });
}

/** A well-formed record with a random salt and key: no password matches it. */
export function unmatchableArgon2id(params: Argon2idParams): string {
  return encodeArgon2id({ params, salt: randomBytes(SALT_BYTES), key: randomBytes(KEY_BYTES) });
}

export function parseArgon2id(encoded: string): Argon2idRecord | undefined {
  const match = ENCODED.exec(encoded);
  if (!match) return undefined;
  const [, m = '', t = '', p = '', salt = '', key = ''] = match;
  const params = { memoryKiB: Number(m), iterations: Number(t), parallelism: Number(p) };
  if (!withinArgon2idLimits(params)) return undefined;
  return { params, salt: Buffer.from(salt, 'base64'), key: Buffer.from(key, 'base64') };
}

function encodeArgon2id({ params, salt, key }: Argon2idRecord): string {
  const { memoryKiB, iterations, parallelism } = params;
  return `$argon2id$v=19$m=${memoryKiB},t=${iterations},p=${parallelism}$${unpadded(salt)}$${unpadded(key)}`;
}

/**
 * The native module loads at the first derivation, not at import: the composition roots that
 * build the hasher are shared by bundles that never hash (home, authorize...), which must not
 * load the binary at cold start, nor carry it in their zip (a static import of an external
 * module survives tree shaking; this one goes with the code that calls it).
 */
const argon2 = /* @__PURE__ */ once(() => import('@node-rs/argon2'));

/** The password must already be normalised (the hasher does it once, for either algorithm). */
export async function deriveArgon2id(password: string, salt: Buffer, params: Argon2idParams): Promise<Buffer> {
  const { hashRaw } = await argon2();
  return hashRaw(password, {
    algorithm: ARGON2ID,
    version: VERSION_19,
    memoryCost: params.memoryKiB,
    timeCost: params.iterations,
    parallelism: params.parallelism,
    outputLen: KEY_BYTES,
    salt,
  });
}

function unpadded(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}
