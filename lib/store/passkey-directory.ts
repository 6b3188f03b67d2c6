import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { PasskeyTakenError, type Passkey, type PasskeyStore, type PasskeyUse, type PasskeyUseOutcome } from '../auth/passkey-store.js';
import { queryPartitionPrefix } from './partition-query.js';
import { TableStore } from './table-store.js';

const LOOKUP_SK = 'passkey';

/**
 * Passkeys on the `directory` table, beside the user they belong to:
 *
 *   pk = user#<userId>             sk = passkey#<credentialId>   the passkey (key, counter, flags, names, dates)
 *   pk = passkey#<credentialId>    sk = passkey                  { userId }: credential id -> user, and its uniqueness guard
 *
 * Both are written and removed in one transaction. `listFor` is one Query on the user's
 * partition; `find` is two GetItems (lookup, then the passkey), both strongly consistent, so a
 * credential registered on one instance signs in on the next.
 */
export class PasskeyDirectory extends TableStore implements PasskeyStore {
  async add(passkey: Passkey): Promise<void> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.tableName, Item: { pk: lookupKey(passkey.id), sk: LOOKUP_SK, userId: passkey.userId }, ConditionExpression: 'attribute_not_exists(pk)' } },
            { Put: { TableName: this.tableName, Item: { pk: userKey(passkey.userId), sk: passkeySortKey(passkey.id), ...passkey }, ConditionExpression: 'attribute_not_exists(pk)' } },
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.some((r) => r.Code === 'ConditionalCheckFailed')) throw new PasskeyTakenError();
      throw error;
    }
  }

  async find(credentialId: string): Promise<Passkey | undefined> {
    const { Item: lookup } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: lookupKey(credentialId), sk: LOOKUP_SK }, ConsistentRead: true }),
    );
    if (typeof lookup?.userId !== 'string') return undefined;
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: userKey(lookup.userId), sk: passkeySortKey(credentialId) }, ConsistentRead: true }),
    );
    return Item ? toPasskey(Item) : undefined;
  }

  async listFor(userId: string): Promise<Passkey[]> {
    const passkeys = (await queryPartitionPrefix(this.client, this.tableName, userKey(userId), passkeySortKey(''))).map(toPasskey);
    return passkeys.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async recordUse(userId: string, credentialId: string, use: PasskeyUse): Promise<PasskeyUseOutcome> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: userKey(userId), sk: passkeySortKey(credentialId) },
          UpdateExpression: 'SET #counter = :counter, backedUp = :backedUp, lastUsedAt = :usedAt',
          // The same rule as counterMovesForward, checked by DynamoDB so two instances cannot both accept one counter value.
          ConditionExpression: `attribute_exists(pk) AND #counter ${use.counter === 0 ? '=' : '<'} :counter`,
          ExpressionAttributeNames: { '#counter': 'counter' },
          ExpressionAttributeValues: { ':counter': use.counter, ':backedUp': use.backedUp, ':usedAt': use.usedAt },
        }),
      );
      return 'recorded';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Tell a removed passkey from a refused counter; rare, so the extra read costs nothing in the common case.
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: userKey(userId), sk: passkeySortKey(credentialId) }, ConsistentRead: true }),
      );
      return Item ? 'counter-regressed' : 'missing';
    }
  }

  async rename(userId: string, credentialId: string, name: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: userKey(userId), sk: passkeySortKey(credentialId) },
          UpdateExpression: 'SET #name = :name',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#name': 'name' },
          ExpressionAttributeValues: { ':name': name },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async remove(userId: string, credentialId: string): Promise<boolean> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Delete: { TableName: this.tableName, Key: { pk: userKey(userId), sk: passkeySortKey(credentialId) }, ConditionExpression: 'attribute_exists(pk)' } },
            // Only this user's lookup: a credential id of another user is never touched.
            {
              Delete: {
                TableName: this.tableName,
                Key: { pk: lookupKey(credentialId), sk: LOOKUP_SK },
                ConditionExpression: 'userId = :userId',
                ExpressionAttributeValues: { ':userId': userId },
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.some((r) => r.Code === 'ConditionalCheckFailed')) return false;
      throw error;
    }
  }
}

function userKey(userId: string): string {
  return `user#${userId}`;
}

/** The sort key of a user's passkey item; `passkeySortKey('')` is the prefix they all share. */
export function passkeySortKey(credentialId: string): string {
  return `passkey#${credentialId}`;
}

function lookupKey(credentialId: string): string {
  return `passkey#${credentialId}`;
}

function toPasskey(item: Record<string, unknown>): Passkey {
  return {
    id: String(item.id),
    userId: String(item.userId),
    publicKey: new Uint8Array(item.publicKey as Uint8Array),
    counter: Number(item.counter),
    transports: Array.isArray(item.transports) ? item.transports.map(String) : [],
    backupEligible: item.backupEligible === true,
    backedUp: item.backedUp === true,
    aaguid: String(item.aaguid),
    name: String(item.name),
    createdAt: String(item.createdAt),
    ...(typeof item.lastUsedAt === 'string' ? { lastUsedAt: item.lastUsedAt } : {}),
  };
}
