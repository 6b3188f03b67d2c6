/**
 * The port for registered OAuth clients: what the OIDC endpoints and the clients CLI need from
 * a directory of clients. lib/store/client-registry.ts implements it on DynamoDB; test/support
 * keeps an in-memory twin that passes the same contract tests.
 */
import { IdentityServerError } from '../errors.js';
import { normalizeRegistration, type ClientRegistration, type DynamicRegistration, type OAuthClient } from './client-metadata.js';
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
  /**
   * RFC 7592 update of a dynamically registered client: replaces its metadata (validated like
   * `register`), keeping `createdAt`, only while the stored client still carries the same
   * registration token hash (neither deleted nor changed meanwhile); undefined otherwise.
   */
  update(registration: ClientRegistration & { dynamic: DynamicRegistration }, createdAt: string): Promise<OAuthClient | undefined>;
  /**
   * Gives a confidential client `secret` (stored hashed); its current secret keeps verifying for
   * `overlapS` seconds more (0: not at all). Undefined when there is no such client with a
   * secret, or its secret changed while this ran.
   */
  rotateSecret(clientId: string, secret: string, overlapS: number): Promise<OAuthClient | undefined>;
}

/** The client after `rotateSecret`: the new hash, and the old one kept until the overlap ends. */
export function withRotatedSecret(client: OAuthClient & { secretHash: string }, secret: string, overlapS: number, now: Date): OAuthClient {
  const { previousSecret: _expiredOrReplaced, ...rest } = client;
  const previous = overlapS > 0 ? { previousSecret: { hash: client.secretHash, expiresAt: new Date(now.getTime() + overlapS * 1000).toISOString() } } : {};
  return { ...rest, secretHash: hashClientSecret(secret), ...previous };
}

/**
 * The client `register` stores, whichever store it is: validated metadata and only the hash of
 * the secret. Throws InvalidClientMetadataError.
 */
export function registeredClient(registration: ClientRegistration, createdAt: Date): OAuthClient {
  return {
    ...normalizeRegistration(registration),
    ...(registration.secret !== undefined ? { secretHash: hashClientSecret(registration.secret) } : {}),
    ...(registration.secretHash !== undefined ? { secretHash: registration.secretHash } : {}),
    createdAt: createdAt.toISOString(),
  };
}
