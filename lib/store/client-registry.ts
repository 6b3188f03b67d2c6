import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PasswordHasher } from '../auth/password-hasher.js';
import type { Clock } from '../clock.js';
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
 * Secrets are hashed with the password hasher (scrypt, parameters stored with the hash), so a
 * copy of the table does not let anyone authenticate as a client.
 */
const CLIENT_SK = 'client';

export class ClientExistsError extends Error {
  readonly code = 'client_exists';
  constructor(clientId: string) {
    super(`a client with id ${clientId} already exists`);
    this.name = 'ClientExistsError';
  }
}

export class ClientRegistry {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly hasher: PasswordHasher;
  private readonly clock: Clock;

  constructor(options: { client: DynamoDBDocumentClient; tableName: string; hasher: PasswordHasher; clock: Clock }) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.hasher = options.hasher;
    this.clock = options.clock;
  }

  /**
   * Validates and stores a client. Throws InvalidClientMetadataError for bad metadata and,
   * unless `replace`, ClientExistsError when the id is taken.
   */
  async register(registration: ClientRegistration, options: { replace?: boolean } = {}): Promise<OAuthClient> {
    const metadata = normalizeRegistration(registration);
    const client: OAuthClient = {
      ...metadata,
      ...(registration.secret !== undefined ? { secretHash: await this.hasher.hash(registration.secret) } : {}),
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
    if (client.type !== 'confidential' || client.secretHash === undefined) return false;
    return (await this.hasher.verify(secret, client.secretHash)).ok;
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
