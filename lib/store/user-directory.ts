import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { normalizeEmail } from '../auth/email-address.js';
import { EmailTakenError, newUser, type NewUser, type User, type UserStore } from '../auth/user-store.js';
import { TableStore } from './table-store.js';

const USER_SK = 'user';
const EMAIL_SK = 'email';
/** Transactions touching the same items cancel each other (TransactionConflict) instead of queueing. */
const CONFLICT_RETRIES = 5;

/**
 * The user store on the `directory` table.
 *
 *   pk = user#<id>            sk = user    the profile and password hash
 *   pk = email#<normalized>   sk = email   { userId }: the uniqueness guard for the address
 *
 * Both are written in one transaction, each with `attribute_not_exists`, so two registrations
 * racing for one address (on any number of instances) create exactly one user.
 */
export class UserDirectory extends TableStore implements UserStore {
  async create(input: NewUser): Promise<User> {
    const user = newUser(input, new Date(this.clock()));
    const transaction = () => new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: this.tableName,
            Item: { pk: userKey(user.id), sk: USER_SK, ...user },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: this.tableName,
            Item: { pk: emailKey(user.email), sk: EMAIL_SK, userId: user.id, createdAt: user.createdAt },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
    });

    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.send(transaction());
        return user;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        if (reasons[1]?.Code === 'ConditionalCheckFailed') throw new EmailTakenError();
        const conflicted = reasons.some((r) => r.Code === 'TransactionConflict');
        if (!conflicted || attempt >= CONFLICT_RETRIES) {
          // Out of retries: the address may have been taken by the transaction we conflicted with.
          if (conflicted && (await this.isEmailTaken(user.email))) throw new EmailTakenError();
          throw error;
        }
        await sleep(10 + Math.floor(Math.random() * 20 * (attempt + 1)));
      }
    }
  }

  async findByEmail(email: string): Promise<User | undefined> {
    const userId = await this.userIdForEmail(email);
    return userId === undefined ? undefined : this.findById(userId);
  }

  async findById(id: string): Promise<User | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: userKey(id), sk: USER_SK }, ConsistentRead: true }),
    );
    return Item ? toUser(Item) : undefined;
  }

  async isEmailTaken(email: string): Promise<boolean> {
    return (await this.userIdForEmail(email)) !== undefined;
  }

  async updatePasswordHash(id: string, hash: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: userKey(id), sk: USER_SK },
        UpdateExpression: 'SET passwordHash = :hash, passwordUpdatedAt = :at',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':hash': hash, ':at': new Date(this.clock()).toISOString() },
      }),
    );
  }

  private async userIdForEmail(email: string): Promise<string | undefined> {
    const normalized = normalizeEmail(email);
    if (!normalized) return undefined;
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: emailKey(normalized), sk: EMAIL_SK }, ConsistentRead: true }),
    );
    return typeof Item?.userId === 'string' ? Item.userId : undefined;
  }
}

function userKey(id: string): string {
  return `user#${id}`;
}

function emailKey(normalizedEmail: string): string {
  return `email#${normalizedEmail}`;
}

function toUser(item: Record<string, unknown>): User {
  return {
    id: String(item.id),
    email: String(item.email),
    name: String(item.name),
    emailVerified: item.emailVerified === true,
    ...(typeof item.passwordHash === 'string' ? { passwordHash: item.passwordHash } : {}),
    createdAt: String(item.createdAt),
  };
}
