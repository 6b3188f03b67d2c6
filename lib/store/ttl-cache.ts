import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  assertUnreservedFields,
  OWNER_FIELD,
  type CacheFields,
  type CacheItem,
  type ListPrepend,
  type OwnedItem,
  type TransactionItem,
  type TransactionOutcome,
  type TtlStore,
  type UpdateAttempt,
} from '../ttl-store.js';
import { TableStore } from './table-store.js';

/** The global secondary index on OWNER_FIELD (infra/tables.yml, the CacheTable's GlobalSecondaryIndexes). */
export const OWNER_INDEX = 'by-owner';

/** BatchGetItem's limit of keys per call. */
const BATCH_GET_MAX_KEYS = 100;

/** Attempts of a transaction that keeps meeting a concurrent one (TransactionConflict). */
const TRANSACTION_CONFLICT_ATTEMPTS = 4;

/**
 * The TTL store on the DynamoDB `cache` table (`pk` = key, `ttl` = expiry in epoch seconds,
 * the table's TTL attribute).
 *
 * DynamoDB deletes expired items lazily (hours to days in AWS), so every operation here treats
 * an item whose `ttl` has passed as absent, in the read and in every write condition. Single
 * use and counting are enforced by DynamoDB conditions, never by read-then-write.
 */
export class TtlCache extends TableStore implements TtlStore {
  async put(key: string, fields: CacheFields, ttlS: number, options: { ifAbsent?: boolean; ifAbsentOrMatching?: CacheFields } = {}): Promise<boolean> {
    assertUnreservedFields(Object.keys(fields));
    const now = this.nowS();
    const condition = options.ifAbsentOrMatching ? absentOrMatchingCondition(options.ifAbsentOrMatching, now) : options.ifAbsent ? absentCondition(now) : {};
    try {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...fields, pk: key, ttl: now + ttlS }, ...condition }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Filters on our clock: DynamoDB still returns items it has not yet deleted. */
  async get<T extends CacheFields>(key: string): Promise<CacheItem<T> | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: key }, ConsistentRead: true }));
    if (!Item || !isLive(Item, this.nowS())) return undefined;
    return stripKey(Item) as CacheItem<T>;
  }

  /**
   * One BatchGetItem. DynamoDB may hand back part of the keys as unprocessed (throttling): those
   * are asked again, so only a throttled table costs more than one call.
   */
  async getMany<T extends CacheFields>(keys: readonly string[]): Promise<(CacheItem<T> | undefined)[]> {
    const unique = [...new Set(keys)];
    if (unique.length === 0) return [];
    if (unique.length > BATCH_GET_MAX_KEYS) throw new RangeError(`getMany takes at most ${BATCH_GET_MAX_KEYS} keys`);
    const found = new Map<string, Record<string, unknown>>();
    let pending: Record<string, unknown>[] = unique.map((pk) => ({ pk }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      const { Responses, UnprocessedKeys } = await this.client.send(
        new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }),
      );
      for (const item of Responses?.[this.tableName] ?? []) found.set(String(item.pk), item);
      pending = UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** attempt)));
    }
    const now = this.nowS();
    return keys.map((key) => {
      const item = found.get(key);
      return item !== undefined && isLive(item, now) ? (stripKey(item) as CacheItem<T>) : undefined;
    });
  }

  /** A Query on the owner index (eventually consistent: secondary indexes offer nothing else), every page. */
  async owned<T extends CacheFields>(owner: string): Promise<OwnedItem<T>[]> {
    const owned: OwnedItem<T>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const { Items, LastEvaluatedKey } = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: OWNER_INDEX,
          KeyConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': OWNER_FIELD },
          ExpressionAttributeValues: { ':owner': owner },
          ...(startKey !== undefined ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      const now = this.nowS();
      for (const item of Items ?? []) {
        if (isLive(item, now)) owned.push({ key: String(item.pk), item: stripKey(item) as CacheItem<T> });
      }
      startKey = LastEvaluatedKey;
    } while (startKey !== undefined);
    return owned;
  }

  async consume<T extends CacheFields>(key: string, where: CacheFields = {}): Promise<CacheItem<T> | undefined> {
    const now = this.nowS();
    const condition = conditionFor(where, now);
    try {
      const { Attributes } = await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: key },
          ConditionExpression: condition.expression,
          ExpressionAttributeNames: condition.names,
          ExpressionAttributeValues: condition.values,
          ReturnValues: 'ALL_OLD',
        }),
      );
      return Attributes ? (stripKey(Attributes) as CacheItem<T>) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async update<T extends CacheFields>(
    key: string,
    fields: CacheFields,
    options: { where?: CacheFields; ttlS?: number } = {},
  ): Promise<CacheItem<T> | undefined> {
    const attempt = await this.tryUpdate<T>(key, fields, options);
    return attempt.updated ? attempt.item : undefined;
  }

  async tryUpdate<T extends CacheFields>(
    key: string,
    fields: CacheFields,
    options: { where?: CacheFields; ttlS?: number; prepend?: ListPrepend } = {},
  ): Promise<UpdateAttempt<T>> {
    const now = this.nowS();
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({ ...this.updateInput(key, fields, options), ReturnValues: 'ALL_NEW', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }),
      );
      const item = stripKey(Attributes ?? {}) as CacheItem<T>;
      if (options.prepend !== undefined) await this.trimPrepended(key, options.prepend, item);
      return { updated: true, item };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const old = refusedItem(error);
      return { updated: false, item: old !== undefined && isLive(old, now) ? (stripKey(old) as CacheItem<T>) : undefined };
    }
  }

  /** Cuts a prepended list back to `keep` entries once it has `2 × keep`. */
  private async trimPrepended(key: string, { field, keep }: ListPrepend, item: CacheFields): Promise<void> {
    const list = item[field];
    if (!Array.isArray(list) || list.length < 2 * keep) return;
    try {
      await this.removeListEntries(key, field, list.length, keep, list.length - keep);
    } catch {
      // Best effort: the update itself has committed, and the next one trims (the list is still
      // at 2 × keep or more).
    }
    item[field] = list.slice(0, keep);
  }

  /**
   * The SDK gives every TransactWriteItems call a ClientRequestToken and keeps it across its own
   * retries, so DynamoDB answers a retry of an attempt that committed unseen with success
   * instead of failing its conditions (tested through a proxy that drops that response).
   */
  async transact(items: readonly TransactionItem[]): Promise<TransactionOutcome> {
    if (items.length === 0) throw new Error('transact needs at least one item');
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(new TransactWriteCommand({ TransactItems: items.map((item) => this.transactionItem(item)) }));
        return { committed: true };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code);
        const failedAt = codes.indexOf('ConditionalCheckFailed');
        if (failedAt >= 0) return { committed: false, failedAt };
        // A conflict means a concurrent transaction on the same items had not finished: run again
        // and let the conditions decide against its outcome. Anything else is for the caller.
        if (attempt >= TRANSACTION_CONFLICT_ATTEMPTS || !codes.includes('TransactionConflict')) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
      }
    }
  }

  private transactionItem(item: TransactionItem) {
    switch (item.op) {
      case 'put':
        assertUnreservedFields(Object.keys(item.fields));
        return { Put: { TableName: this.tableName, Item: { ...item.fields, pk: item.key, ttl: this.nowS() + item.ttlS } } };
      case 'update':
        return { Update: this.updateInput(item.key, item.fields, item) };
      case 'delete':
      case 'check': {
        const condition = conditionFor(item.where ?? {}, this.nowS());
        const target = {
          TableName: this.tableName,
          Key: { pk: item.key },
          ConditionExpression: condition.expression,
          ExpressionAttributeNames: condition.names,
          ExpressionAttributeValues: condition.values,
        };
        return item.op === 'delete' ? { Delete: target } : { ConditionCheck: target };
      }
    }
  }

  private updateInput(key: string, fields: CacheFields, options: { where?: CacheFields; ttlS?: number; prepend?: ListPrepend }) {
    assertUnreservedFields(Object.keys(fields));
    const now = this.nowS();
    const condition = conditionFor(options.where ?? {}, now);
    const assignments = Object.entries(options.ttlS === undefined ? fields : { ...fields, ttl: now + options.ttlS });
    if (assignments.length === 0 && options.prepend === undefined) throw new Error('update needs at least one field');
    const names = { ...condition.names };
    const values = { ...condition.values };
    const sets = assignments.map(([name, value], i) => {
      names[`#s${i}`] = name;
      values[`:s${i}`] = value;
      return `#s${i} = :s${i}`;
    });
    if (options.prepend !== undefined) {
      assertUnreservedFields([options.prepend.field]);
      Object.assign(names, { '#p': options.prepend.field });
      Object.assign(values, { ':p': [options.prepend.value], ':empty': [] });
      sets.push('#p = list_append(:p, if_not_exists(#p, :empty))');
    }
    return {
      TableName: this.tableName,
      Key: { pk: key },
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: condition.expression,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }

  async increment<T extends CacheFields>(
    key: string,
    field: string,
    options: { by?: number; atMost?: number; createTtlS?: number } = {},
  ): Promise<CacheItem<T> | undefined> {
    assertUnreservedFields([field]);
    const by = options.by ?? 1;
    // Retries cover the race where another instance (re)creates the item between our
    // failed update and our put.
    // A missing item is created by the update itself; only an expired one DynamoDB has not
    // deleted yet takes a second request (a put over it).
    const createTtlS = options.atMost !== undefined && by > options.atMost ? undefined : options.createTtlS;
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = this.nowS();
      const updated = await this.addToLiveItem<T>(key, field, by, now, { atMost: options.atMost, createTtlS });
      if (updated !== 'expired') return updated;
      if (createTtlS === undefined) return undefined;
      const created = await this.put(key, { [field]: by }, createTtlS, { ifAbsent: true });
      if (created) return { [field]: by, ttl: now + createTtlS } as CacheItem<T>;
    }
    throw new Error(`increment of ${key} kept racing with concurrent re-creation`);
  }

  /** A trim that races with another append is skipped; the next append trims instead. */
  async append<V>(key: string, field: string, values: readonly V[], options: { ttlS: number; keepLast?: number }): Promise<V[]> {
    assertUnreservedFields([field]);
    if (values.length === 0) throw new Error('append needs at least one value');
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = this.nowS();
      let list: V[] | undefined;
      try {
        const { Attributes } = await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: key },
            UpdateExpression: 'SET #f = list_append(if_not_exists(#f, :empty), :values), #ttl = :ttl',
            ConditionExpression: 'attribute_exists(pk) AND #ttl > :now',
            ExpressionAttributeNames: { '#f': field, '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':empty': [], ':values': [...values], ':ttl': now + options.ttlS, ':now': now },
            ReturnValues: 'UPDATED_NEW',
          }),
        );
        list = (Attributes?.[field] as V[] | undefined) ?? [];
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // Missing or expired: replace whatever is there with a new list, unless another
        // instance created a live one in the meantime (then append to that on the next round).
        if (!(await this.put(key, { [field]: [...values] }, options.ttlS, { ifAbsent: true }))) continue;
        list = [...values];
      }
      if (options.keepLast !== undefined && list.length > options.keepLast) {
        const excess = list.length - options.keepLast;
        await this.removeListEntries(key, field, list.length, 0, excess);
        list = list.slice(excess);
      }
      return list;
    }
    throw new Error(`append to ${key} kept racing with concurrent re-creation`);
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: key } }));
  }

  /**
   * Adds `by` to the live item's field, within `atMost`; with `createTtlS`, a missing item is
   * created in the same request (`if_not_exists` starts the field at 0 and sets the expiry).
   * Undefined when the cap refused the add, or the item is missing and may not be created;
   * 'expired' when an item whose expiry has passed is still stored (it counts as absent).
   */
  private async addToLiveItem<T extends CacheFields>(
    key: string,
    field: string,
    by: number,
    now: number,
    options: { atMost: number | undefined; createTtlS: number | undefined },
  ): Promise<CacheItem<T> | undefined | 'expired'> {
    const names: Record<string, string> = { '#ttl': 'ttl', '#f': field };
    const values: Record<string, unknown> = { ':now': now, ':by': by };
    let capCondition = '';
    if (options.atMost !== undefined) {
      values[':cap'] = options.atMost - by;
      capCondition = ' AND (attribute_not_exists(#f) OR #f <= :cap)';
    }
    const create = options.createTtlS !== undefined;
    if (create) Object.assign(values, { ':zero': 0, ':created': now + options.createTtlS! });
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: key },
          UpdateExpression: create ? 'SET #f = if_not_exists(#f, :zero) + :by, #ttl = if_not_exists(#ttl, :created)' : 'ADD #f :by',
          ConditionExpression: create ? `attribute_not_exists(pk) OR (#ttl > :now${capCondition})` : `attribute_exists(pk) AND #ttl > :now${capCondition}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
          // The failed condition's item tells a capped counter from an expired one.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return stripKey(Attributes ?? {}) as CacheItem<T>;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = refusedItem(error);
      if (existing === undefined) return undefined;
      return isLive(existing, now) ? undefined : 'expired';
    }
  }

  /**
   * Removes `count` entries from index `first` on, only if the list still has the length we saw:
   * a trim that races with another change of the list is skipped, and the next change trims.
   */
  private async removeListEntries(key: string, field: string, seenLength: number, first: number, count: number): Promise<void> {
    const removals = Array.from({ length: count }, (_, i) => `#f[${first + i}]`).join(', ');
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: key },
          UpdateExpression: `REMOVE ${removals}`,
          ConditionExpression: 'size(#f) = :len',
          ExpressionAttributeNames: { '#f': field },
          ExpressionAttributeValues: { ':len': seenLength },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  private nowS(): number {
    return Math.floor(this.clock() / 1000);
  }
}

/**
 * The item a write refused by its condition found (asked for with
 * ReturnValuesOnConditionCheckFailure), undefined when there was none. The exception carries it in
 * DynamoDB's own format: the document client only translates responses.
 */
function refusedItem(error: ConditionalCheckFailedException): Record<string, unknown> | undefined {
  return error.Item === undefined ? undefined : unmarshall(error.Item);
}

function isLive(item: Record<string, unknown>, nowS: number): boolean {
  return typeof item.ttl === 'number' && item.ttl > nowS;
}

function stripKey(item: Record<string, unknown>): CacheFields {
  const { pk: _pk, ...rest } = item;
  return rest;
}

function absentCondition(nowS: number) {
  return {
    ConditionExpression: 'attribute_not_exists(pk) OR #ttl <= :now',
    ExpressionAttributeNames: { '#ttl': 'ttl' },
    ExpressionAttributeValues: { ':now': nowS },
  };
}

/** Absent or expired, or live with every `where` field equal: the latter is `conditionFor`'s. */
function absentOrMatchingCondition(where: CacheFields, nowS: number) {
  const live = conditionFor(where, nowS);
  return {
    ConditionExpression: `attribute_not_exists(pk) OR #ttl <= :now OR (${live.expression})`,
    ExpressionAttributeNames: live.names,
    ExpressionAttributeValues: live.values,
  };
}

function conditionFor(where: CacheFields, nowS: number) {
  const names: Record<string, string> = { '#ttl': 'ttl' };
  const values: Record<string, unknown> = { ':now': nowS };
  const clauses = ['attribute_exists(pk)', '#ttl > :now'];
  Object.entries(where).forEach(([name, value], i) => {
    names[`#w${i}`] = name;
    values[`:w${i}`] = value;
    clauses.push(`#w${i} = :w${i}`);
  });
  return { expression: clauses.join(' AND '), names, values };
}
