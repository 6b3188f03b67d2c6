import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { User } from '../auth/user-store.js';
import { TableStore } from './table-store.js';
import { toUser, USER_SK } from './user-directory.js';

/**
 * The operators' list of users (`npm run users -- list`): a Scan of the `directory` table for
 * user items, optionally those whose address starts with a prefix. A scan reads the whole table
 * whatever it finds (the filter only trims the answer), so this is for an operator's terminal,
 * never for a request path; the users are sorted by address and the first `limit` returned.
 */
export class UserListing extends TableStore {
  async list(options: { emailPrefix?: string; limit: number }): Promise<User[]> {
    const prefix = options.emailPrefix?.trim().toLowerCase() ?? '';
    const users: User[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const { Items, LastEvaluatedKey } = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: prefix === '' ? 'sk = :user' : 'sk = :user AND begins_with(email, :prefix)',
          ExpressionAttributeValues: { ':user': USER_SK, ...(prefix === '' ? {} : { ':prefix': prefix }) },
          ...(startKey !== undefined ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      users.push(...(Items ?? []).map(toUser));
      startKey = LastEvaluatedKey;
    } while (startKey !== undefined);
    return users.sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0)).slice(0, options.limit);
  }
}
