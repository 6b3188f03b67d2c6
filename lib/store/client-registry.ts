import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { SUPPORTED_GRANT_TYPES, type ClientRegistration, type GrantType, type OAuthClient } from '../oidc/client-metadata.js';
import { clientSecretMatches } from '../oidc/client-secret.js';
import { ClientExistsError, registeredClient, type ClientStore } from '../oidc/client-store.js';
import { TableStore } from './table-store.js';

const CLIENT_SK = 'client';

/**
 * The client store on the `directory` table:
 *
 *   pk = client#<clientId>   sk = client   the client's metadata and its hashed secret
 */
export class ClientRegistry extends TableStore implements ClientStore {
  async register(registration: ClientRegistration, options: { replace?: boolean } = {}): Promise<OAuthClient> {
    const client = registeredClient(registration, new Date(this.clock()));
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

  async verifySecret(client: OAuthClient, secret: string): Promise<boolean> {
    return clientSecretMatches(client, secret);
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
    ...(typeof item.name === 'string' ? { name: item.name } : {}),
    ...(item.firstParty === true ? { firstParty: true as const } : {}),
    ...(item.requireMfa === true ? { requireMfa: true as const } : {}),
    createdAt: String(item.createdAt),
  };
}
