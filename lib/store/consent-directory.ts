import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Consent, ConsentStore } from '../oidc/consent-store.js';
import { queryPartitionPrefix } from './partition-query.js';
import { TableStore } from './table-store.js';

const CONSENT_PREFIX = 'consent#';

/**
 * The consent store on the `directory` table, beside the user it belongs to:
 *
 *   pk = user#<userId>   sk = consent#<clientId>   { scopes (string set), grantedAt, updatedAt }
 *
 * A grant is one UpdateItem that ADDs to the string set, so two grants racing for one user and
 * client (two tabs, two instances) both end up in the record and neither overwrites the other.
 * Listing a user's consents is one Query on the user's partition.
 */
export class ConsentDirectory extends TableStore implements ConsentStore {
  async find(userId: string, clientId: string): Promise<Consent | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: consentKey(userId, clientId), ConsistentRead: true }));
    return Item === undefined ? undefined : toConsent(Item);
  }

  async grant(userId: string, clientId: string, scopes: readonly string[]): Promise<Consent> {
    const now = new Date(this.clock()).toISOString();
    // DynamoDB refuses an empty set; granting nothing still records that the user allowed the client.
    const add = scopes.length > 0 ? ' ADD scopes :scopes' : '';
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: consentKey(userId, clientId),
        UpdateExpression: `SET userId = :user, clientId = :client, grantedAt = if_not_exists(grantedAt, :now), updatedAt = :now${add}`,
        ExpressionAttributeValues: { ':user': userId, ':client': clientId, ':now': now, ...(scopes.length > 0 ? { ':scopes': new Set(scopes) } : {}) },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toConsent(Attributes ?? {});
  }

  async listFor(userId: string): Promise<Consent[]> {
    const consents = (await queryPartitionPrefix(this.client, this.tableName, userPk(userId), CONSENT_PREFIX)).map(toConsent);
    // The sort key orders by client id already; sorting again keeps the contract independent of it.
    return consents.sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0));
  }

  async revoke(userId: string, clientId: string): Promise<boolean> {
    const { Attributes } = await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: consentKey(userId, clientId), ReturnValues: 'ALL_OLD' }));
    return Attributes !== undefined;
  }

  async revokeAllFor(userId: string): Promise<number> {
    const consents = await this.listFor(userId);
    const removed = await Promise.all(consents.map((consent) => this.revoke(userId, consent.clientId)));
    return removed.filter(Boolean).length;
  }
}

function userPk(userId: string): string {
  return `user#${userId}`;
}

function consentKey(userId: string, clientId: string): { pk: string; sk: string } {
  return { pk: userPk(userId), sk: `${CONSENT_PREFIX}${clientId}` };
}

function toConsent(item: Record<string, unknown>): Consent {
  const scopes = item.scopes instanceof Set ? [...(item.scopes as Set<unknown>)].filter((s): s is string => typeof s === 'string') : [];
  return {
    userId: String(item.userId),
    clientId: String(item.clientId),
    scopes: scopes.sort(),
    grantedAt: String(item.grantedAt),
    updatedAt: String(item.updatedAt),
  };
}
