import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import {
  SUPPORTED_GRANT_TYPES,
  TOKEN_ENDPOINT_AUTH_METHODS,
  type ClientAuthMethod,
  type ClientJwks,
  type ClientKeys,
  type ClientRegistration,
  type DynamicRegistration,
  type GrantType,
  isSigningAlg,
  type OAuthClient,
  type SigningAlg,
} from '../oidc/client-metadata.js';
import { clientSecretMatches } from '../oidc/client-secret.js';
import { ClientExistsError, registeredClient, withRotatedSecret, type ClientStore } from '../oidc/client-store.js';
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
    return clientSecretMatches(client, secret, this.clock());
  }

  async update(registration: ClientRegistration & { dynamic: DynamicRegistration }, createdAt: string): Promise<OAuthClient | undefined> {
    const client = { ...registeredClient(registration, new Date(this.clock())), createdAt };
    return (await this.putIf(client, '#dynamic.registrationTokenHash = :expected', { ':expected': registration.dynamic.registrationTokenHash }, { '#dynamic': 'dynamic' })) ? client : undefined;
  }

  async rotateSecret(clientId: string, secret: string, overlapS: number): Promise<OAuthClient | undefined> {
    const current = await this.find(clientId);
    if (current?.secretHash === undefined) return undefined;
    const client = withRotatedSecret({ ...current, secretHash: current.secretHash }, secret, overlapS, new Date(this.clock()));
    // A rotation racing this one wins alone: the loser's new secret would otherwise be lost unseen.
    return (await this.putIf(client, 'secretHash = :expected', { ':expected': current.secretHash })) ? client : undefined;
  }

  /** Replaces the client's item while `condition` holds on the stored one; false when it did not. */
  private async putIf(client: OAuthClient, condition: string, values: Record<string, unknown>, names?: Record<string, string>): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: clientKey(client.clientId), sk: CLIENT_SK, ...client },
          ConditionExpression: `attribute_exists(pk) AND ${condition}`,
          ExpressionAttributeValues: values,
          ...(names !== undefined ? { ExpressionAttributeNames: names } : {}),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
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
    ...optionalFields(item),
  };
}

/** The metadata that secret rotation and dynamic registration add; each present only when stored. */
function optionalFields(item: Record<string, unknown>): Partial<OAuthClient> {
  const previous = item.previousSecret as Record<string, unknown> | undefined;
  const keys = item.privateKeyJwt as Record<string, unknown> | undefined;
  const dynamic = item.dynamic as Record<string, unknown> | undefined;
  return {
    ...(typeof previous?.hash === 'string' && typeof previous.expiresAt === 'string' ? { previousSecret: { hash: previous.hash, expiresAt: previous.expiresAt } } : {}),
    ...(isSigningAlg(item.idTokenSignedResponseAlg) ? { idTokenSignedResponseAlg: item.idTokenSignedResponseAlg as SigningAlg } : {}),
    ...(isSigningAlg(item.userinfoSignedResponseAlg) ? { userinfoSignedResponseAlg: item.userinfoSignedResponseAlg as SigningAlg } : {}),
    ...(keys !== undefined ? { privateKeyJwt: toClientKeys(keys) } : {}),
    ...(dynamic !== undefined ? { dynamic: toDynamic(dynamic) } : {}),
  };
}

function toClientKeys(keys: Record<string, unknown>): ClientKeys {
  if (typeof keys.jwksUri === 'string') return { jwksUri: keys.jwksUri };
  const jwks = keys.jwks as { keys?: unknown } | undefined;
  return { jwks: { keys: Array.isArray(jwks?.keys) ? (jwks.keys as ClientJwks['keys']) : [] } };
}

function toDynamic(dynamic: Record<string, unknown>): DynamicRegistration {
  const method = (TOKEN_ENDPOINT_AUTH_METHODS as readonly unknown[]).includes(dynamic.tokenEndpointAuthMethod) ? (dynamic.tokenEndpointAuthMethod as ClientAuthMethod) : 'client_secret_basic';
  return {
    registrationTokenHash: String(dynamic.registrationTokenHash),
    tokenEndpointAuthMethod: method,
    applicationType: dynamic.applicationType === 'native' ? 'native' : 'web',
    issuedAtS: Number(dynamic.issuedAtS),
  };
}
