/**
 * The bearer tokens of dynamic client registration, both 256-bit random and kept only hashed:
 *
 *   initial access token       RFC 7591 section 3: lets its holder register clients while
 *                              REGISTRATION_MODE=token; issued by `npm run clients -- token`,
 *                              valid for any number of registrations until it expires
 *   registration access token  RFC 7592 section 3: one per client, lets its holder read, update
 *                              and delete that client; its hash lives in the client's item
 *
 * Initial access tokens live in the TTL table (`oidc-initial-access-token#<sha256 hex>`, expiry =
 * the token's): no item, no token; revoke them all by deleting those items.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { TtlStore } from '../ttl-store.js';
import { hashClientSecret } from './client-secret.js';

const TOKEN_BYTES = 32;
/** base64url of 32 bytes; anything else is not one of ours and is not looked up. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const INITIAL_TOKEN_PREFIX = 'oidc-initial-access-token#';

export function newBearerToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** A registration access token and what the client item keeps of it. */
export function newRegistrationAccessToken(): { token: string; hash: string } {
  const token = newBearerToken();
  return { token, hash: hashClientSecret(token) };
}

export function looksLikeBearerToken(token: string): boolean {
  return TOKEN_SHAPE.test(token);
}

export class InitialAccessTokens {
  constructor(
    private readonly store: TtlStore,
    private readonly clock: Clock,
  ) {}

  /** A new token valid for `ttlS` seconds; the caller shows it once. */
  async issue(ttlS: number): Promise<{ token: string; expiresAt: Date }> {
    const token = newBearerToken();
    const expiresAt = new Date(this.clock() + ttlS * 1000);
    await this.store.put(keyOf(token), {}, ttlS);
    return { token, expiresAt };
  }

  /** One strongly consistent read; an expired token the table has not deleted yet is refused. */
  async isValid(token: string): Promise<boolean> {
    if (!looksLikeBearerToken(token)) return false;
    return (await this.store.get(keyOf(token))) !== undefined;
  }
}

function keyOf(token: string): string {
  return INITIAL_TOKEN_PREFIX + createHash('sha256').update(token, 'utf8').digest('hex');
}
