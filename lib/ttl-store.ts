/**
 * The port for short-lived shared state (one-time codes, registration flows, grants,
 * revocations, counters, the local outbox). Auth, session and OIDC code depend on this
 * interface; lib/store/ttl-cache.ts implements it on DynamoDB and test/support keeps an
 * in-memory twin that passes the same contract tests.
 *
 * Expiry is part of the contract, not a cleanup detail: an item whose `ttl` has passed is
 * absent for every read and every write condition, even while the backing table still holds
 * it. Single use and counting are atomic in the store, never read-then-write in the caller.
 */
export type CacheFields = Record<string, unknown>;

/** A live item as read back: its fields and its expiry in epoch seconds. */
export type CacheItem<T extends CacheFields = CacheFields> = T & { ttl: number };

/** Names the store keeps for itself (the key and the expiry); callers' fields may not use them. */
const RESERVED_FIELDS: ReadonlySet<string> = new Set(['pk', 'ttl']);

/** Throws for a reserved field name, so every implementation refuses the same writes. */
export function assertUnreservedFields(names: Iterable<string>): void {
  for (const name of names) {
    if (RESERVED_FIELDS.has(name)) throw new Error(`field name ${name} is reserved by the TTL store`);
  }
}

/**
 * The field that files an item under a user (or any other owner), so `owned` can list them: a
 * user's sessions and grants, for "where you are signed in", "apps with access" and revoking
 * them all. The DynamoDB table indexes it (a global secondary index on `cache`).
 */
export const OWNER_FIELD = 'owner';

/** An item `owned` found, with the key it lives under. */
export interface OwnedItem<T extends CacheFields = CacheFields> {
  key: string;
  item: CacheItem<T>;
}

/** One item of `TtlStore.transact`. */
export type TransactionItem =
  | { op: 'put'; key: string; fields: CacheFields; ttlS: number }
  | { op: 'update'; key: string; fields: CacheFields; where?: CacheFields; ttlS?: number }
  | { op: 'delete'; key: string; where?: CacheFields }
  /** Writes nothing; only its condition takes part (e.g. "the grant is still usable"). */
  | { op: 'check'; key: string; where?: CacheFields };

export type TransactionOutcome = { committed: true } | { committed: false; failedAt: number };

/** What `tryUpdate` answers: the item after the update, or the live item as it was when the condition refused the update (undefined when there was none). */
export type UpdateAttempt<T extends CacheFields> = { updated: true; item: CacheItem<T> } | { updated: false; item: CacheItem<T> | undefined };

/** A value for the head of a list field, and how many entries the list keeps at least (see `tryUpdate`). */
export interface ListPrepend {
  field: string;
  value: unknown;
  keep: number;
}

export interface TtlStore {
  /**
   * Stores `fields` under `key` for `ttlS` seconds. With `ifAbsent`, succeeds only when no live
   * item exists (an expired leftover counts as absent) and returns false otherwise.
   * `ifAbsentOrMatching` also succeeds over a live item whose fields equal the given ones: a
   * write that claims an item under an id of its own can then be retried after a lost answer
   * (the SDK's retry, a timeout) without finding its own claim in the way.
   */
  put(key: string, fields: CacheFields, ttlS: number, options?: { ifAbsent?: boolean; ifAbsentOrMatching?: CacheFields }): Promise<boolean>;

  /** The live item, or undefined when missing or expired. Strongly consistent. */
  get<T extends CacheFields>(key: string): Promise<CacheItem<T> | undefined>;

  /**
   * The live items under several keys in one read (DynamoDB: one BatchGetItem), in the order of
   * `keys`, undefined where missing or expired. Strongly consistent, like `get`.
   */
  getMany<T extends CacheFields>(keys: readonly string[]): Promise<(CacheItem<T> | undefined)[]>;

  /**
   * The live items whose OWNER_FIELD is `owner`. Eventually consistent (DynamoDB: a secondary
   * index): an item written a moment ago may be missing and one deleted a moment ago may still
   * be listed, so use it to show and to find what to revoke, never to decide single use.
   */
  owned<T extends CacheFields>(owner: string): Promise<OwnedItem<T>[]>;

  /**
   * Deletes the live item and returns it; of any number of concurrent consumers exactly one gets
   * it. `where` adds equality conditions (e.g. the code id the caller verified).
   */
  consume<T extends CacheFields>(key: string, where?: CacheFields): Promise<CacheItem<T> | undefined>;

  /**
   * Sets fields on a live item, optionally only while `where` holds. Returns the updated item, or
   * undefined when the item is gone, expired, or the condition failed. The expiry is unchanged
   * unless `ttlS` is given.
   */
  update<T extends CacheFields>(key: string, fields: CacheFields, options?: { where?: CacheFields; ttlS?: number }): Promise<CacheItem<T> | undefined>;

  /**
   * `update` that also says why it was refused, in the same request (DynamoDB returns the item
   * with the failed condition), so the caller needs no second read to decide what a refusal
   * means. With `prepend`, its value goes to the head of that list field (a missing list starts
   * with it): the list keeps at least `keep` entries and is cut back to `keep` once it has grown
   * to twice that (DynamoDB: one more conditional request every `keep` updates, skipped when
   * another update changed the list meanwhile). The item answered shows the list as kept.
   */
  tryUpdate<T extends CacheFields>(
    key: string,
    fields: CacheFields,
    options?: { where?: CacheFields; ttlS?: number; prepend?: ListPrepend },
  ): Promise<UpdateAttempt<T>>;

  /**
   * Writes several items as one transaction: all of them or none. `update`, `delete` and `check`
   * require the item to be live and to match `where`; `put` replaces whatever is there. Of any
   * number of concurrent transactions whose conditions exclude each other exactly one commits;
   * the others answer `committed: false` with the index of an item whose condition failed,
   * having written nothing. A retried call whose first attempt committed unseen (a lost
   * response) still answers `committed: true`.
   */
  transact(items: readonly TransactionItem[]): Promise<TransactionOutcome>;

  /**
   * Atomically adds `by` (default 1) to a numeric field of the live item and returns the item
   * after the update. With `atMost`, the add happens only if the result stays at or under that
   * cap (undefined once the cap is reached). With `createTtlS`, a missing or expired item is
   * started afresh with that lifetime (a fixed window: later increments do not extend it);
   * without it, a missing item yields undefined.
   */
  increment<T extends CacheFields>(key: string, field: string, options?: { by?: number; atMost?: number; createTtlS?: number }): Promise<CacheItem<T> | undefined>;

  /**
   * Appends `values` to a list field and returns the list after the append. A missing or expired
   * item is started afresh. Every append moves the expiry to `ttlS` from now. With `keepLast`,
   * older entries beyond that many are trimmed (best effort under concurrent appends: the list
   * may exceed the bound briefly).
   */
  append<V>(key: string, field: string, values: readonly V[], options: { ttlS: number; keepLast?: number }): Promise<V[]>;

  delete(key: string): Promise<void>;
}
