/**
 * `ClientStore` in memory, held to the same contract tests as the DynamoDB one
 * (test/support/contracts/client-store-contract.ts). For unit tests and benchmarks.
 */
import type { Clock } from '../../lib/clock.js';
import type { ClientRegistration, DynamicRegistration, OAuthClient } from '../../lib/oidc/client-metadata.js';
import { clientSecretMatches } from '../../lib/oidc/client-secret.js';
import { ClientExistsError, registeredClient, withRotatedSecret, type ClientStore } from '../../lib/oidc/client-store.js';

export class InMemoryClientStore implements ClientStore {
  private readonly clients = new Map<string, OAuthClient>();

  constructor(private readonly clock: Clock) {}

  async register(registration: ClientRegistration, options: { replace?: boolean } = {}): Promise<OAuthClient> {
    const client = registeredClient(registration, new Date(this.clock()));
    if (!options.replace && this.clients.has(client.clientId)) throw new ClientExistsError(client.clientId);
    this.clients.set(client.clientId, structuredClone(client));
    return client;
  }

  async find(clientId: string): Promise<OAuthClient | undefined> {
    const client = this.clients.get(clientId);
    return client === undefined ? undefined : structuredClone(client);
  }

  async verifySecret(client: OAuthClient, secret: string): Promise<boolean> {
    return clientSecretMatches(client, secret, this.clock());
  }

  async update(registration: ClientRegistration & { dynamic: DynamicRegistration }, createdAt: string): Promise<OAuthClient | undefined> {
    const client = { ...registeredClient(registration, new Date(this.clock())), createdAt };
    const stored = this.clients.get(client.clientId);
    if (stored?.dynamic?.registrationTokenHash !== registration.dynamic.registrationTokenHash) return undefined;
    this.clients.set(client.clientId, structuredClone(client));
    return client;
  }

  async rotateSecret(clientId: string, secret: string, overlapS: number): Promise<OAuthClient | undefined> {
    const current = this.clients.get(clientId);
    if (current?.secretHash === undefined) return undefined;
    const client = withRotatedSecret({ ...current, secretHash: current.secretHash }, secret, overlapS, new Date(this.clock()));
    this.clients.set(clientId, structuredClone(client));
    return structuredClone(client);
  }

  async list(): Promise<OAuthClient[]> {
    return [...this.clients.values()].map((client) => structuredClone(client)).sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0));
  }

  async remove(clientId: string): Promise<boolean> {
    return this.clients.delete(clientId);
  }
}
