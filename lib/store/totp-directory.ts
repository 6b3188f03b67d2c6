import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { TotpEnrolment, TotpStore } from '../auth/totp-store.js';
import { TableStore } from './table-store.js';

export const TOTP_SK = 'totp';
const RECOVERY_SK = 'recovery-codes';

/**
 * The TOTP store on the `directory` table, beside the user's profile item:
 *
 *   pk = user#<id>   sk = totp             { protectedSecret, lastUsedStep, enabledAt }
 *   pk = user#<id>   sk = recovery-codes   { hashes: string set, createdAt }
 *
 * A step is claimed with `lastUsedStep < :step` and a recovery code used with
 * `DELETE hashes :h` under `contains(hashes, :h)`: the database decides which of two racing
 * uses wins. Each call is one request (find: GetItem; claim and consume: UpdateItem;
 * activate, replace and remove: TransactWriteItems of two items).
 */
export class TotpDirectory extends TableStore implements TotpStore {
  async isActive(userId: string): Promise<boolean> {
    return (await this.find(userId)) !== undefined;
  }

  async find(userId: string): Promise<TotpEnrolment | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key(userId, TOTP_SK), ConsistentRead: true }));
    return Item ? toTotpEnrolment(userId, Item) : undefined;
  }

  async activate(enrolment: TotpEnrolment, recoveryCodeHashes: readonly string[]): Promise<boolean> {
    const { userId, ...fields } = enrolment;
    return this.transact([
      { Put: { TableName: this.tableName, Item: { ...key(userId, TOTP_SK), ...fields }, ConditionExpression: 'attribute_not_exists(pk)' } },
      { Put: { TableName: this.tableName, Item: this.recoveryItem(userId, recoveryCodeHashes) } },
    ]);
  }

  async claimStep(userId: string, step: number): Promise<boolean> {
    return this.conditionally(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key(userId, TOTP_SK),
        UpdateExpression: 'SET lastUsedStep = :step',
        ConditionExpression: 'lastUsedStep < :step',
        ExpressionAttributeValues: { ':step': step },
      }),
    );
  }

  async recoveryCodeHashes(userId: string): Promise<string[]> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key(userId, RECOVERY_SK), ConsistentRead: true }));
    // An emptied string set is removed by DynamoDB: no attribute, no codes left.
    return Item?.hashes instanceof Set ? [...(Item.hashes as Set<string>)] : [];
  }

  async consumeRecoveryCode(userId: string, hash: string): Promise<boolean> {
    return this.conditionally(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key(userId, RECOVERY_SK),
        UpdateExpression: 'DELETE hashes :set',
        ConditionExpression: 'contains(hashes, :hash)',
        ExpressionAttributeValues: { ':set': new Set([hash]), ':hash': hash },
      }),
    );
  }

  async replaceRecoveryCodes(userId: string, hashes: readonly string[]): Promise<boolean> {
    return this.transact([
      { ConditionCheck: { TableName: this.tableName, Key: key(userId, TOTP_SK), ConditionExpression: 'attribute_exists(pk)' } },
      { Put: { TableName: this.tableName, Item: this.recoveryItem(userId, hashes) } },
    ]);
  }

  async remove(userId: string): Promise<boolean> {
    return this.transact([
      { Delete: { TableName: this.tableName, Key: key(userId, TOTP_SK), ConditionExpression: 'attribute_exists(pk)' } },
      { Delete: { TableName: this.tableName, Key: key(userId, RECOVERY_SK) } },
    ]);
  }

  private recoveryItem(userId: string, hashes: readonly string[]): Record<string, unknown> {
    if (hashes.length === 0) throw new RangeError('recovery codes come in a set of at least one');
    return { ...key(userId, RECOVERY_SK), hashes: new Set(hashes), createdAt: new Date(this.clock()).toISOString() };
  }

  /** True when the write happened; false when its condition failed. */
  private async conditionally(command: UpdateCommand): Promise<boolean> {
    try {
      await this.client.send(command);
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** True when the transaction committed; false when a condition failed (a conflict with another transaction is retried by the SDK, then thrown). */
  private async transact(items: NonNullable<TransactWriteCommand['input']['TransactItems']>): Promise<boolean> {
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException && (error.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed')) return false;
      throw error;
    }
  }
}

/** The enrolment a `totp` item holds, or undefined for an item that is not a whole one. */
export function toTotpEnrolment(userId: string, item: Record<string, unknown>): TotpEnrolment | undefined {
  if (typeof item.protectedSecret !== 'string' || typeof item.lastUsedStep !== 'number') return undefined;
  return { userId, protectedSecret: item.protectedSecret, lastUsedStep: item.lastUsedStep, enabledAt: String(item.enabledAt) };
}

function key(userId: string, sk: string): { pk: string; sk: string } {
  return { pk: `user#${userId}`, sk };
}
