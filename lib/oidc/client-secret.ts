/**
 * How a client secret is kept at rest: only as `sha256$<base64url SHA-256 of its UTF-8 bytes>`,
 * so a copy of the directory does not let anyone authenticate as a client.
 *
 * Client secrets are not passwords: nobody chooses or memorises them. Registration insists on
 * at least MIN_SECRET_LENGTH (32, client-metadata.ts) characters, meant to be random
 * (`openssl rand -base64 32`, or the clients CLI's --generate-secret: 32 random bytes). Even 32
 * random base64 characters carry about 190 bits, so recovering a secret from its digest by
 * offline guessing is infeasible however fast each guess is; a slow, salted password hash
 * (scrypt) would add nothing but ~300 ms of CPU and 128 MiB to every authenticated /token,
 * /revoke and /introspect call. Major identity servers store client secrets the same way.
 *
 * Verification recomputes the digest and compares the two fixed-length digests in constant
 * time, against the current secret and, until its overlap ends, the one `clients rotate-secret`
 * replaced (so a deployment can move to the new secret without an outage). A stored hash in any other form (e.g. an older scrypt one) never verifies: give such a
 * client a new secret with `clients add ... --replace`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { OAuthClient } from './client-metadata.js';

const SECRET_HASH_PREFIX = 'sha256$';
const SECRET_HASH = /^sha256\$([A-Za-z0-9_-]{43})$/;

export function hashClientSecret(secret: string): string {
  return SECRET_HASH_PREFIX + sha256(secret).toString('base64url');
}

/**
 * True when the client is confidential and `secret` matches its secret, or the previous one
 * while `nowMs` is within its overlap; never throws for bad input.
 */
export function clientSecretMatches(client: OAuthClient, secret: string, nowMs: number): boolean {
  if (client.type !== 'confidential' || client.secretHash === undefined || typeof secret !== 'string') return false;
  const actual = sha256(secret);
  if (digestMatches(client.secretHash, actual)) return true;
  const previous = client.previousSecret;
  return previous !== undefined && nowMs < Date.parse(previous.expiresAt) && digestMatches(previous.hash, actual);
}

/** True when `secret` hashes to `secretHash` (another machine-made secret kept the same way, e.g. a registration access token). */
export function secretHashMatches(secretHash: string, secret: string): boolean {
  return typeof secret === 'string' && digestMatches(secretHash, sha256(secret));
}

function digestMatches(secretHash: string, actual: Buffer): boolean {
  const stored = SECRET_HASH.exec(secretHash);
  if (stored === null) return false;
  const expected = Buffer.from(stored[1]!, 'base64url');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function sha256(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}
