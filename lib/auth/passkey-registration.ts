/**
 * Adding a passkey to a signed-in account (WebAuthn registration ceremony): discoverable
 * credentials only (so the user can sign in without typing an address), user verification
 * required (the passkey alone is then two factors), the user's existing credentials excluded
 * (an authenticator that already holds one says so instead of making a second), attestation
 * 'none' (we trust no vendor list, so asking for attestation would only cost privacy).
 */
import { generateRegistrationOptions, verifyRegistrationResponse, type PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import type { Clock } from '../clock.js';
import { CHALLENGE_TTL_S, challengeBytes, type PasskeyChallenges } from './passkey-challenges.js';
import { passkeyName } from './passkey-names.js';
import { ceremonyTimeoutMs, type RelyingParty } from './passkey-relying-party.js';
import { parseRegistrationResponse } from './passkey-responses.js';
import { PasskeyTakenError, type Passkey, type PasskeyStore } from './passkey-store.js';
import type { User } from './user-store.js';

export interface PasskeyRegistrationDeps {
  passkeys: Pick<PasskeyStore, 'add' | 'listFor'>;
  challenges: Pick<PasskeyChallenges, 'issue' | 'consume'>;
  relyingParty: RelyingParty;
  clock: Clock;
}

/**
 * `malformed`: not a registration response. `challenge`: unknown, used, expired, or issued to
 * another ceremony, user or session. `invalid`: the library refused it (origin, RP id, signature,
 * format). `user-not-verified`: no user verification. `taken`: the credential id is registered already.
 */
export type PasskeyRegistrationResult =
  | { ok: true; passkey: Passkey }
  | { ok: false; reason: 'malformed' | 'challenge' | 'invalid' | 'user-not-verified' | 'taken' };

/** The registering user and the session asking (the challenge is bound to both). */
export interface Registrant {
  user: Pick<User, 'id' | 'email' | 'name'>;
  sessionId: string;
}

export class PasskeyRegistration {
  constructor(private readonly deps: PasskeyRegistrationDeps) {}

  async options({ user, sessionId }: Registrant): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const { relyingParty } = this.deps;
    const [existing, challenge] = await Promise.all([
      this.deps.passkeys.listFor(user.id),
      this.deps.challenges.issue({ ceremony: 'registration', userId: user.id, sessionId }),
    ]);
    return generateRegistrationOptions({
      rpName: relyingParty.name,
      rpID: relyingParty.rpId,
      // The user handle is the user id: the authenticator hands it back at sign-in (usernameless).
      userID: new TextEncoder().encode(user.id),
      userName: user.email,
      userDisplayName: user.name || user.email,
      challenge: challengeBytes(challenge),
      timeout: ceremonyTimeoutMs(CHALLENGE_TTL_S),
      attestationType: 'none',
      excludeCredentials: existing.map((p) => ({ id: p.id, transports: p.transports })),
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
    });
  }

  async verify({ user, sessionId }: Registrant, responseJson: string): Promise<PasskeyRegistrationResult> {
    const parsed = parseRegistrationResponse(responseJson);
    if (!parsed.ok) return { ok: false, reason: 'malformed' };
    if (!(await this.deps.challenges.consume(parsed.challenge, { ceremony: 'registration', userId: user.id, sessionId }))) {
      return { ok: false, reason: 'challenge' };
    }
    const { relyingParty } = this.deps;
    let verification;
    try {
      verification = await verifyRegistrationResponse({
        response: parsed.response,
        expectedChallenge: parsed.challenge,
        expectedOrigin: relyingParty.origins,
        expectedRPID: relyingParty.rpId,
        // Checked below, so the answer can say what was missing rather than "invalid".
        requireUserVerification: false,
      });
    } catch {
      return { ok: false, reason: 'invalid' };
    }
    if (!verification.verified) return { ok: false, reason: 'invalid' };
    const info = verification.registrationInfo;
    if (!info.userVerified) return { ok: false, reason: 'user-not-verified' };

    const backupEligible = info.credentialDeviceType === 'multiDevice';
    const passkey: Passkey = {
      id: info.credential.id,
      userId: user.id,
      publicKey: info.credential.publicKey,
      counter: info.credential.counter,
      transports: info.credential.transports ?? [],
      backupEligible,
      backedUp: info.credentialBackedUp,
      aaguid: info.aaguid,
      name: passkeyName({ aaguid: info.aaguid, attachment: parsed.response.authenticatorAttachment, backupEligible }),
      createdAt: new Date(this.deps.clock()).toISOString(),
    };
    try {
      await this.deps.passkeys.add(passkey);
    } catch (error) {
      if (error instanceof PasskeyTakenError) return { ok: false, reason: 'taken' };
      throw error;
    }
    return { ok: true, passkey };
  }
}
