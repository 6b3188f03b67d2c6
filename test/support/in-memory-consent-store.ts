/**
 * `ConsentStore` in memory, held to the same contract tests as the DynamoDB one
 * (test/support/contracts/consent-store-contract.ts). For unit tests.
 */
import type { Clock } from '../../lib/clock.js';
import { mergedScopes, type Consent, type ConsentStore } from '../../lib/oidc/consent-store.js';

export class InMemoryConsentStore implements ConsentStore {
  /** `<userId>\0<clientId>` -> consent. */
  private readonly consents = new Map<string, Consent>();

  constructor(private readonly clock: Clock) {}

  async find(userId: string, clientId: string): Promise<Consent | undefined> {
    const consent = this.consents.get(key(userId, clientId));
    return consent === undefined ? undefined : copy(consent);
  }

  async grant(userId: string, clientId: string, scopes: readonly string[]): Promise<Consent> {
    const now = new Date(this.clock()).toISOString();
    const current = this.consents.get(key(userId, clientId));
    const consent: Consent = { userId, clientId, scopes: mergedScopes(current?.scopes ?? [], scopes), grantedAt: current?.grantedAt ?? now, updatedAt: now };
    this.consents.set(key(userId, clientId), consent);
    return copy(consent);
  }

  async listFor(userId: string): Promise<Consent[]> {
    return [...this.consents.values()]
      .filter((consent) => consent.userId === userId)
      .sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0))
      .map(copy);
  }

  async revoke(userId: string, clientId: string): Promise<boolean> {
    return this.consents.delete(key(userId, clientId));
  }

  async revokeAllFor(userId: string): Promise<number> {
    const mine = await this.listFor(userId);
    for (const consent of mine) this.consents.delete(key(userId, consent.clientId));
    return mine.length;
  }
}

function key(userId: string, clientId: string): string {
  return `${userId}\0${clientId}`;
}

function copy(consent: Consent): Consent {
  return { ...consent, scopes: [...consent.scopes] };
}
