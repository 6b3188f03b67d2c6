import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { UserStatusStore } from '../auth/user-status.js';
import { TableStore } from './table-store.js';
import { userItemKey } from './user-directory.js';

/**
 * `disabledAt` on the user item of the `directory` table (lib/store/user-directory.ts), so every
 * reader of the user (sign-in, token, userinfo, introspection) sees it at no extra read.
 */
export class UserStatusDirectory extends TableStore implements UserStatusStore {
  async setDisabled(userId: string, disabled: boolean): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: userItemKey(userId),
          // Disabling again keeps the first time: when the account was disabled, not when last asked.
          UpdateExpression: disabled ? 'SET disabledAt = if_not_exists(disabledAt, :at)' : 'REMOVE disabledAt',
          ConditionExpression: 'attribute_exists(pk)',
          ...(disabled ? { ExpressionAttributeValues: { ':at': new Date(this.clock()).toISOString() } } : {}),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
