/**
 * The port for registered OAuth clients: what the OIDC endpoints and the clients CLI need from
 * a directory of clients. lib/store/client-registry.ts implements it on DynamoDB; test/support
 * keeps an in-memory twin that passes the same contract tests.
 */
import { IdentityServerError } from '../errors.js';
import { normalizeRegistration, type ClientRegistration, type OAuthClient } from './client-metadata.js';
import { hashClientSecret } from './client-secret.js';

export class ClientExistsError extends IdentityServerError {
  readonly code = 'client_exists';
  constructor(clientId: string) {
    super(`a client with id ${clientId} already exists`);
  }
}

export interface ClientStore {
  /**
   * Validates (normalizeRegistration) and stores a client, its secret only hashed
   * (client-secret.ts). Throws InvalidClientMetadataError for bad metadata, writing nothing, and,
   * unless `replace`, ClientExistsError when the id is taken.
   */
  register(registration: ClientRegistration, options?: { replace?: boolean }): Promise<OAuthClient>;
  find(clientId: string): Promise<OAuthClient | undefined>;
  /** True when the client is confidential and `secret` matches; never throws for bad input. */
  verifySecret(client: OAuthClient, secret: string): Promise<boolean>;
  /** Every client, ordered by id; for the operator CLI. */
  list(): Promise<OAuthClient[]>;
  /** False when there was no such client. */
  remove(clientId: string): Promise<boolean>;
}

/**
 * The client `register` stores, whichever store it is: validated metadata and only the hash of
 * the secret. Throws InvalidClientMetadataError.
 */
export function registeredClient(registration: ClientRegistration, createdAt: Date): OAuthClient {
  return {
    ...normalizeRegistration(registration),
    ...(registration.secret !== undefined ? { secretHash: hashClientSecret(registration.secret) } : {}),
    createdAt: createdAt.toISOString(),
  };
}
