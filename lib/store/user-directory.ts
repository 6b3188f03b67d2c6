import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { NO_USER_ID, type SignInAccount, type SignInAccountReads } from '../auth/account-lookup.js';
import { normalizeEmail } from '../auth/email-address.js';
import { readProfileClaims } from '../auth/profile-claims.js';
import { EmailTakenError, InvalidEmailError, newUser, StaleUserError, type NewUser, type User, type UserStore } from '../auth/user-store.js';
import { queryPartition } from './partition-query.js';
import { passkeySortKey } from './passkey-directory.js';
import { TableStore } from './table-store.js';
import { toTotpEnrolment, TOTP_SK } from './totp-directory.js';

export const USER_SK = 'user';
const EMAIL_SK = 'email';
/** Transactions touching the same items cancel each other (TransactionConflict) instead of queueing. */
const CONFLICT_RETRIES = 5;
/** BatchWriteItem's limit per call. */
const BATCH_WRITE_MAX = 25;

/**
 * The user store on the `directory` table.
 *
 *   pk = user#<id>            sk = user    the profile and password hash
 *   pk = email#<normalized>   sk = email   { userId }: the uniqueness guard for the address
 *
 * Both are written in one transaction, each with `attribute_not_exists`, so two registrations
 * racing for one address (on any number of instances) create exactly one user. An address
 * change claims the new `email#` item, releases the old one and updates the user in one
 * transaction too, so the guard moves with the user or not at all. Other features keep their
 * items under the user's partition (`pk = user#<id>`, sk of their own), so deletion finds them.
 */
export class UserDirectory extends TableStore implements UserStore, SignInAccountReads {
  async create(input: NewUser): Promise<User> {
    const user = newUser(input, new Date(this.clock()));
    await this.transact(
      () =>
        new TransactWriteCommand({
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
        }),
      (failed) => (failed[1] ? new EmailTakenError() : undefined),
      user.email,
    );
    return user;
  }

  async findByEmail(email: string): Promise<User | undefined> {
    const userId = await this.userIdForEmail(email);
    return userId === undefined ? undefined : this.findById(userId);
  }

  /**
   * Two requests: the address item, then one Query of the user's partition from `passkey#` to
   * `user` (passkeys, recovery codes, TOTP, the user; not the consents, which sort before). An
   * address without an account queries the partition of an id no user has, so both cost the same.
   */
  async findForSignIn(email: string): Promise<SignInAccount | undefined> {
    const normalized = normalizeEmail(email);
    if (!normalized) return undefined;
    const userId = await this.userIdForEmail(normalized);
    const items = await queryPartition(this.client, this.tableName, userKey(userId ?? NO_USER_ID), { from: passkeySortKey(''), to: USER_SK });
    const userItem = items.find((item) => item.sk === USER_SK);
    if (userId === undefined || userItem === undefined) return undefined;
    const totpItem = items.find((item) => item.sk === TOTP_SK);
    return {
      user: toUser(userItem),
      secondFactors: {
        totp: totpItem !== undefined && toTotpEnrolment(userId, totpItem) !== undefined,
        passkeys: items.filter((item) => String(item.sk).startsWith(passkeySortKey(''))).length,
      },
    };
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

  async updateProfile(id: string, profile: { name: string }): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: userKey(id), sk: USER_SK },
        UpdateExpression: 'SET #name = :name, profileUpdatedAt = :at',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#name': 'name' },
        ExpressionAttributeValues: { ':name': profile.name, ':at': new Date(this.clock()).toISOString() },
      }),
    );
  }

  async changeEmail(id: string, change: { from: string; to: string }): Promise<void> {
    const to = normalizeEmail(change.to);
    if (!to) throw new InvalidEmailError();
    const from = normalizeEmail(change.from);
    if (!from) throw new StaleUserError();
    // One transaction may not touch an item twice, and the address is this account's anyway.
    if (to === from) throw new EmailTakenError();
    const at = new Date(this.clock()).toISOString();
    await this.transact(
      () =>
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { pk: emailKey(to), sk: EMAIL_SK, userId: id, createdAt: at },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Delete: {
                TableName: this.tableName,
                Key: { pk: emailKey(from), sk: EMAIL_SK },
                ConditionExpression: 'userId = :id',
                ExpressionAttributeValues: { ':id': id },
              },
            },
            {
              Update: {
                TableName: this.tableName,
                Key: { pk: userKey(id), sk: USER_SK },
                UpdateExpression: 'SET email = :to, emailVerified = :verified, emailUpdatedAt = :at',
                ConditionExpression: 'email = :from',
                ExpressionAttributeValues: { ':to': to, ':from': from, ':verified': true, ':at': at },
              },
            },
          ],
        }),
      (failed) => (failed[0] ? new EmailTakenError() : failed[1] || failed[2] ? new StaleUserError() : undefined),
      to,
    );
  }

  /**
   * The items beside the user go first and the user with its address last, in one transaction:
   * a failure part-way leaves an account that still exists and can be deleted again, never an
   * address that points at nobody or a user without its address.
   */
  async delete(id: string): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      const user = await this.findById(id);
      if (!user) return false;
      await this.deleteItemsBeside(id);
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Delete: {
                  TableName: this.tableName,
                  Key: { pk: userKey(id), sk: USER_SK },
                  ConditionExpression: 'email = :email',
                  ExpressionAttributeValues: { ':email': user.email },
                },
              },
              {
                Delete: {
                  TableName: this.tableName,
                  Key: { pk: emailKey(user.email), sk: EMAIL_SK },
                  ConditionExpression: 'attribute_not_exists(pk) OR userId = :id',
                  ExpressionAttributeValues: { ':id': id },
                },
              },
            ],
          }),
        );
        return true;
      } catch (error) {
        // The address changed (or a change conflicted) since the read: read again and retry.
        if (!(error instanceof TransactionCanceledException) || attempt >= CONFLICT_RETRIES) throw error;
        await backOff(attempt);
      }
    }
  }

  /** Every item under `user#<id>` but the user itself (Query, then BatchWriteItem by 25). */
  private async deleteItemsBeside(id: string): Promise<void> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': userKey(id) },
          ProjectionExpression: 'pk, sk',
          ExclusiveStartKey: startKey,
          ConsistentRead: true,
        }),
      );
      const keys = (page.Items ?? [])
        .filter((item) => item.sk !== USER_SK)
        // A passkey (sk passkey#<credentialId>) has its credential id lookup outside the partition
        // (pk passkey#<credentialId>, sk passkey: lib/store/passkey-directory.ts): it goes too.
        .flatMap((item) => [{ pk: item.pk, sk: item.sk }, ...(String(item.sk).startsWith('passkey#') ? [{ pk: item.sk, sk: 'passkey' }] : [])]);
      for (let i = 0; i < keys.length; i += BATCH_WRITE_MAX) await this.deleteKeys(keys.slice(i, i + BATCH_WRITE_MAX));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  private async deleteKeys(keys: Record<string, unknown>[]): Promise<void> {
    let pending = keys.map((Key) => ({ DeleteRequest: { Key } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > CONFLICT_RETRIES) throw new Error('directory kept refusing a batch of deletes');
      if (attempt > 0) await backOff(attempt);
      const { UnprocessedItems } = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
      pending = (UnprocessedItems?.[this.tableName] ?? []) as typeof pending;
    }
  }

  /**
   * Sends a transaction whose items are all conditional, retrying it when it only conflicted
   * with another transaction on the same items (TransactionConflict cancels instead of
   * queueing). `refusal` turns the failed conditions (by item index) into the caller's error;
   * after the last retry, `claimed` taken by someone else means the conflict was that claim.
   */
  private async transact(build: () => TransactWriteCommand, refusal: (failed: boolean[]) => Error | undefined, claimed: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.send(build());
        return;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        const refused = refusal(reasons.map((r) => r.Code === 'ConditionalCheckFailed'));
        if (refused) throw refused;
        const conflicted = reasons.some((r) => r.Code === 'TransactionConflict');
        if (!conflicted || attempt >= CONFLICT_RETRIES) {
          // Out of retries: the address may have been taken by the transaction we conflicted with.
          if (conflicted && (await this.isEmailTaken(claimed))) throw new EmailTakenError();
          throw error;
        }
        await backOff(attempt);
      }
    }
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

function backOff(attempt: number): Promise<void> {
  return sleep(10 + Math.floor(Math.random() * 20 * (attempt + 1)));
}

/** The key of the user item, for the stores that keep more on it (lib/store/user-status-directory.ts). */
export function userItemKey(id: string): { pk: string; sk: string } {
  return { pk: userKey(id), sk: USER_SK };
}

function userKey(id: string): string {
  return `user#${id}`;
}

function emailKey(normalizedEmail: string): string {
  return `email#${normalizedEmail}`;
}

export function toUser(item: Record<string, unknown>): User {
  const profile = readProfileClaims(item.profile);
  return {
    id: String(item.id),
    email: String(item.email),
    name: String(item.name),
    emailVerified: item.emailVerified === true,
    ...(typeof item.passwordHash === 'string' ? { passwordHash: item.passwordHash } : {}),
    createdAt: String(item.createdAt),
    ...(profile !== undefined ? { profile } : {}),
    ...(typeof item.profileUpdatedAt === 'string' ? { profileUpdatedAt: item.profileUpdatedAt } : {}),
    ...(typeof item.disabledAt === 'string' ? { disabledAt: item.disabledAt } : {}),
  };
}
