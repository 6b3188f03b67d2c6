/**
 * The port for passkeys (WebAuthn credentials): what the ceremonies, the account page and the
 * second-factor code need from the directory. lib/store/passkey-directory.ts implements it on
 * DynamoDB; test/support keeps an in-memory twin that passes the same contract tests.
 */
import { IdentityServerError } from '../errors.js';

export interface Passkey {
  /** The credential id, base64url (as the browser reports it). */
  id: string;
  /** The user id (`sub`); also the WebAuthn user handle the credential was created for. */
  userId: string;
  /** COSE-encoded public key, as the attestation carried it. */
  publicKey: Uint8Array<ArrayBuffer>;
  /** The authenticator's signature counter at its last use (0 for authenticators that do not count). */
  counter: number;
  /** Hints for the browser (`internal`, `hybrid`, `usb`, ...), as the authenticator reported them. */
  transports: string[];
  /** Backup eligible: a synced (multi-device) passkey rather than one bound to one device. */
  backupEligible: boolean;
  /** Backed up at its last use (the flag may change over a credential's life). */
  backedUp: boolean;
  /** The authenticator model's AAGUID (all zeros when the authenticator keeps it private). */
  aaguid: string;
  /** What the account page shows; the user may rename it. */
  name: string;
  createdAt: string;
  lastUsedAt?: string;
}

/** What a use of a passkey changes: the counter moves on (or stays 0), the backup state may change. */
export interface PasskeyUse {
  counter: number;
  backedUp: boolean;
  usedAt: string;
}

/**
 * `recorded`: the use is stored. `counter-regressed`: the stored counter is not behind the
 * reported one (a cloned authenticator, or a replayed assertion that won a race); nothing was
 * written. `missing`: the passkey was removed meanwhile.
 */
export type PasskeyUseOutcome = 'recorded' | 'counter-regressed' | 'missing';

export class PasskeyTakenError extends IdentityServerError {
  readonly code = 'passkey_taken';
  constructor() {
    super('a passkey with this credential id is already registered');
  }
}

export interface PasskeyStore {
  /**
   * Stores a new passkey: the credential id is unique across all users (of any number of
   * concurrent additions of one id exactly one succeeds; the others throw PasskeyTakenError).
   */
  add(passkey: Passkey): Promise<void>;
  /** By credential id alone (the assertion names the credential). */
  find(credentialId: string): Promise<Passkey | undefined>;
  /** The user's passkeys, oldest first. One query. */
  listFor(userId: string): Promise<Passkey[]>;
  /**
   * Records a verified use, atomically refusing a counter that does not move forward: a counter
   * of 0 may only follow 0 (authenticators that do not count), any other counter must exceed the
   * stored one. Two uses racing with one counter value: exactly one is recorded.
   */
  recordUse(userId: string, credentialId: string, use: PasskeyUse): Promise<PasskeyUseOutcome>;
  /** Returns false when the user has no such passkey. */
  rename(userId: string, credentialId: string, name: string): Promise<boolean>;
  /** Removes the passkey and its credential id lookup together; false when the user has no such passkey. */
  remove(userId: string, credentialId: string): Promise<boolean>;
}

/** True when `use` may follow `stored` (see `PasskeyStore.recordUse`); every implementation asks this. */
export function counterMovesForward(stored: number, reported: number): boolean {
  return reported === 0 ? stored === 0 : reported > stored;
}
