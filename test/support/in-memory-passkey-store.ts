/**
 * `PasskeyStore` in memory, held to the same contract tests as the DynamoDB one
 * (test/support/contracts/passkey-store-contract.ts). For unit tests and benchmarks.
 */
import { counterMovesForward, PasskeyTakenError, type Passkey, type PasskeyStore, type PasskeyUse, type PasskeyUseOutcome } from '../../lib/auth/passkey-store.js';

export class InMemoryPasskeyStore implements PasskeyStore {
  /** Credential id -> passkey: the id is unique across users, as the DynamoDB store's lookup item makes it. */
  private readonly passkeys = new Map<string, Passkey>();

  async add(passkey: Passkey): Promise<void> {
    if (this.passkeys.has(passkey.id)) throw new PasskeyTakenError();
    this.passkeys.set(passkey.id, copy(passkey));
  }

  async find(credentialId: string): Promise<Passkey | undefined> {
    const passkey = this.passkeys.get(credentialId);
    return passkey && copy(passkey);
  }

  async listFor(userId: string): Promise<Passkey[]> {
    return [...this.passkeys.values()].filter((p) => p.userId === userId).sort((a, b) => a.createdAt.localeCompare(b.createdAt)).map(copy);
  }

  async recordUse(userId: string, credentialId: string, use: PasskeyUse): Promise<PasskeyUseOutcome> {
    const passkey = this.owned(userId, credentialId);
    if (!passkey) return 'missing';
    if (!counterMovesForward(passkey.counter, use.counter)) return 'counter-regressed';
    Object.assign(passkey, { counter: use.counter, backedUp: use.backedUp, lastUsedAt: use.usedAt });
    return 'recorded';
  }

  async rename(userId: string, credentialId: string, name: string): Promise<boolean> {
    const passkey = this.owned(userId, credentialId);
    if (passkey) passkey.name = name;
    return passkey !== undefined;
  }

  async remove(userId: string, credentialId: string): Promise<boolean> {
    return this.owned(userId, credentialId) !== undefined && this.passkeys.delete(credentialId);
  }

  private owned(userId: string, credentialId: string): Passkey | undefined {
    const passkey = this.passkeys.get(credentialId);
    return passkey?.userId === userId ? passkey : undefined;
  }
}

function copy(passkey: Passkey): Passkey {
  return { ...passkey, publicKey: new Uint8Array(passkey.publicKey), transports: [...passkey.transports] };
}
