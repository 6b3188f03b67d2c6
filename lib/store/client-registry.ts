import { createHash, timingSafeEqual } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { TableStore } from './table-store.js';
import {
  normalizeRegistration,
  SUPPORTED_GRANT_TYPES,
  type ClientRegistration,
  type GrantType,
  type OAuthClient,
} from '../oidc/client-metadata.js';

/**
 * OAuth clients in the `directory` table:
 *
 *   pk = client#<clientId>   sk = client   the client's metadata and its hashed secret
 *
 * A secret is stored only as `sha256$<base64url SHA-256 of its UTF-8 bytes>`, so a copy of the
 * table does not let anyone authenticate as a client.
 *
 * Client secrets are not passwords: nobody chooses or memorises them. Registration insists on
 * at least MIN_SECRET_LENGTH (32, lib/oidc/client-metadata.ts) characters, meant to be random
 * (`openssl rand -base64 32`, or the clients CLI's --generate-secret: 32 random bytes). Even 32
 * random base64 characters carry about 190 bits, so recovering a secret from its digest by
 * offline guessing is infeasible however fast each guess is; a slow, salted password hash
 * (scrypt) would add nothing but ~300 ms of CPU and 128 MiB to every authenticated /token,
 * /revoke and /introspect call. Major identity servers store client secrets the same way.
 *
 * Verification recomputes the digest and compares the two fixed-length digests in constant
 * time. A stored hash in any other form (e.g. an older scrypt one) never verifies: give such a
 * client a new secret with `clients add ... --replace`.
 */
const CLIENT_SK = 'client';
const SECRET_HASH_PREFIX = 'sha256$';
const SECRET_HASH = /^sha256\$([A-Za-z0-9_-]{43})$/;

export class ClientExistsError extends Error {
  readonly code = 'client_exists';
  constructor(clientId: string) {
    super(`a client with id ${clientId} already exists`);
    this.name = 'ClientExistsError';
  }
}

export class ClientRegistry extends TableStore {
  /**
   * Validates and stores a client. Throws InvalidClientMetadataError for bad metadata (including
   * a secret shorter than MIN_SECRET_LENGTH) and, unless `replace`, ClientExistsError when the
   * id is taken.
   */
  async register(registration: ClientRegistration, options: { replace?: boolean } = {}): Promise<OAuthClient> {
    const metadata = normalizeRegistration(registration);
    const client: OAuthClient = {
      ...metadata,
      ...(registration.secret !== undefined ? { secretHash: hashSecret(registration.secret) } : {}),
      createdAt: new Date(this.clock()).toISOString(),
    };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: clientKey(client.clientId), sk: CLIENT_SK, ...client },
          ...(options.replace ? {} : { ConditionExpression: 'attribute_not_exists(pk)' }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new ClientExistsError(client.clientId);
      throw error;
    }
    return client;
  }

  async find(clientId: string): Promise<OAuthClient | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: clientKey(clientId), sk: CLIENT_SK }, ConsistentRead: true }),
    );
    return Item ? toClient(Item) : undefined;
  }

  /** True when the client is confidential and `secret` matches; never throws for bad input. */
  async verifySecret(client: OAuthClient, secret: string): Promise<boolean> {
    if (client.type !== 'confidential' || client.secretHash === undefined || typeof secret !== 'string') return false;
    const stored = SECRET_HASH.exec(client.secretHash);
    if (stored === null) return false;
    const expected = Buffer.from(stored[1]!, 'base64url');
    const actual = sha256(secret);
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  /** For the operator CLI: a full scan, fine for a handful of clients. */
  async list(): Promise<OAuthClient[]> {
    const clients: OAuthClient[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'sk = :sk AND begins_with(pk, :prefix)',
          ExpressionAttributeValues: { ':sk': CLIENT_SK, ':prefix': 'client#' },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) clients.push(toClient(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return clients.sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0));
  }

  /** Returns false when there was no such client. */
  async remove(clientId: string): Promise<boolean> {
    const { Attributes } = await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: { pk: clientKey(clientId), sk: CLIENT_SK }, ReturnValues: 'ALL_OLD' }),
    );
    return Attributes !== undefined;
  }
}

function sha256(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

function hashSecret(secret: string): string {
  return SECRET_HASH_PREFIX + sha256(secret).toString('base64url');
}

function clientKey(clientId: string): string {
  return `client#${clientId}`;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function toClient(item: Record<string, unknown>): OAuthClient {
  return {
    clientId: String(item.clientId),
    type: item.type === 'confidential' ? 'confidential' : 'public',
    ...(typeof item.secretHash === 'string' ? { secretHash: item.secretHash } : {}),
    redirectUris: strings(item.redirectUris),
    postLogoutRedirectUris: strings(item.postLogoutRedirectUris),
    allowedScopes: strings(item.allowedScopes),
    grantTypes: strings(item.grantTypes).filter((g): g is GrantType => (SUPPORTED_GRANT_TYPES as readonly string[]).includes(g)),
    createdAt: String(item.createdAt),
  };
}
