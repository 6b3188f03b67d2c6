/**
 * WebAuthn challenges in the TTL table: each one random, single use, bound to its ceremony.
 *
 * The challenge is the item's key, so the step that verifies a response finds its challenge in
 * the response's own clientDataJSON, on any instance, without a cookie. Consumption is a
 * conditional delete on the ceremony (and, for registration, the user and the session that asked):
 * a registration challenge never completes a sign-in, a sign-in challenge never registers a
 * passkey, and of any number of responses carrying one challenge at most one gets past it.
 */
import { randomBytes } from 'node:crypto';
import type { TtlStore } from '../ttl-store.js';

/** WebAuthn recommends 300 s to 600 s for ceremonies with user verification; the short end. */
export const CHALLENGE_TTL_S = 5 * 60;

/** 32 random bytes: the Level 3 recommendation is at least 16. */
const CHALLENGE_BYTES = 32;

export type CeremonyBinding =
  | { ceremony: 'authentication' }
  /** `sessionId`: the session that asked, so a challenge that leaks out of one session registers nothing in another. */
  | { ceremony: 'registration'; userId: string; sessionId: string };

export class PasskeyChallenges {
  constructor(private readonly cache: Pick<TtlStore, 'put' | 'consume'>) {}

  /** A fresh challenge (base64url), stored for CHALLENGE_TTL_S under its binding. */
  async issue(binding: CeremonyBinding): Promise<string> {
    const challenge = randomBytes(CHALLENGE_BYTES).toString('base64url');
    await this.cache.put(challengeKey(challenge), { ...binding }, CHALLENGE_TTL_S);
    return challenge;
  }

  /** True for exactly one caller, and only while the challenge is live and was issued for `binding`. */
  async consume(challenge: string, binding: CeremonyBinding): Promise<boolean> {
    return (await this.cache.consume(challengeKey(challenge), { ...binding })) !== undefined;
  }
}

/**
 * The challenge as the bytes the option generators take: given a string, @simplewebauthn/server
 * would encode its UTF-8 bytes, and the browser would sign a challenge that is not our key.
 */
export function challengeBytes(challenge: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(challenge, 'base64url'));
}

function challengeKey(challenge: string): string {
  return `webauthn-challenge#${challenge}`;
}
