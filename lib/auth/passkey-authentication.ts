/**
 * Signing in with a passkey (WebAuthn authentication ceremony), usernameless: the options name
 * no credential (the browser offers every passkey it holds for our RP id, in the autofill list
 * or its own dialog), and the response names the credential and its user.
 *
 * User verification is preferred, not required: an assertion with it proves possession and
 * the user (two factors), one without it possession only, and the caller decides what that
 * is worth (the second-factor gate asks for more).
 */
import {
  generateAuthenticationOptions,
  verifyAuthenticationResponse,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import type { Clock } from '../clock.js';
import { CHALLENGE_TTL_S, challengeBytes, type PasskeyChallenges } from './passkey-challenges.js';
import { ceremonyTimeoutMs, type RelyingParty } from './passkey-relying-party.js';
import { parseAuthenticationResponse } from './passkey-responses.js';
import type { Passkey, PasskeyStore } from './passkey-store.js';

export interface PasskeyAuthenticationDeps {
  passkeys: Pick<PasskeyStore, 'find' | 'recordUse'>;
  challenges: Pick<PasskeyChallenges, 'issue' | 'consume'>;
  relyingParty: RelyingParty;
  clock: Clock;
}

/**
 * `malformed`: not an authentication response. `challenge`: unknown, used, expired or issued to
 * another ceremony. `unknown-credential`: no such passkey (never registered, or removed).
 * `invalid`: the user handle names another user, or the library refused it (origin, RP id,
 * signature, user presence). `counter-regressed`: a valid signature whose counter did not move
 * forward, the sign of a cloned authenticator (WebAuthn Level 3, 6.1.1).
 */
export type PasskeyAuthenticationResult =
  | { ok: true; passkey: Passkey; userVerified: boolean }
  | { ok: false; reason: 'malformed' | 'challenge' | 'unknown-credential' | 'invalid' }
  | { ok: false; reason: 'counter-regressed'; passkey: Passkey; reportedCounter: number };

export class PasskeyAuthentication {
  constructor(private readonly deps: PasskeyAuthenticationDeps) {}

  async options(): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const challenge = await this.deps.challenges.issue({ ceremony: 'authentication' });
    return generateAuthenticationOptions({
      rpID: this.deps.relyingParty.rpId,
      challenge: challengeBytes(challenge),
      timeout: ceremonyTimeoutMs(CHALLENGE_TTL_S),
      allowCredentials: [],
      userVerification: 'preferred',
    });
  }

  async verify(responseJson: string): Promise<PasskeyAuthenticationResult> {
    const parsed = parseAuthenticationResponse(responseJson);
    if (!parsed.ok) return { ok: false, reason: 'malformed' };
    if (!(await this.deps.challenges.consume(parsed.challenge, { ceremony: 'authentication' }))) return { ok: false, reason: 'challenge' };
    const passkey = await this.deps.passkeys.find(parsed.response.id);
    if (!passkey) return { ok: false, reason: 'unknown-credential' };
    // Every passkey here is discoverable, so the authenticator returns the user handle it was given; it must be the owner's.
    const userHandle = parsed.response.response.userHandle;
    if (userHandle === undefined || Buffer.from(userHandle, 'base64url').toString('utf8') !== passkey.userId) return { ok: false, reason: 'invalid' };

    let verification;
    try {
      verification = await verifyAuthenticationResponse({
        response: parsed.response,
        expectedChallenge: parsed.challenge,
        expectedOrigin: this.deps.relyingParty.origins,
        expectedRPID: this.deps.relyingParty.rpId,
        // The library compares counters before it checks the signature; ours is compared (atomically,
        // in the store) after it, so only an authentic assertion is reported as a cloned authenticator.
        credential: { id: passkey.id, publicKey: passkey.publicKey, counter: 0, transports: passkey.transports },
        requireUserVerification: false,
      });
    } catch {
      return { ok: false, reason: 'invalid' };
    }
    if (!verification.verified) return { ok: false, reason: 'invalid' };

    const { newCounter, credentialBackedUp, userVerified } = verification.authenticationInfo;
    const usedAt = new Date(this.deps.clock()).toISOString();
    const outcome = await this.deps.passkeys.recordUse(passkey.userId, passkey.id, { counter: newCounter, backedUp: credentialBackedUp, usedAt });
    if (outcome === 'missing') return { ok: false, reason: 'unknown-credential' };
    if (outcome === 'counter-regressed') return { ok: false, reason: 'counter-regressed', passkey, reportedCounter: newCounter };
    return { ok: true, passkey: { ...passkey, counter: newCounter, backedUp: credentialBackedUp, lastUsedAt: usedAt }, userVerified };
  }
}
