/**
 * `TtlStore` in memory, held to the same contract tests as the DynamoDB one
 * (test/support/contracts/ttl-store-contract.ts). For unit tests and benchmarks: instances
 * sharing state must share the object.
 *
 * Every operation reads and writes without an await in between, so each one is atomic the way a
 * conditional DynamoDB write is: concurrent callers see one outcome each, never a torn update.
 * Expired items are kept (as DynamoDB keeps them until its lazy deletion) and treated as absent.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Clock } from '../../lib/clock.js';
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
} from '../../lib/ttl-store.js';

export class InMemoryTtlStore implements TtlStore {
  private readonly items = new Map<string, CacheItem>();
  /** Calls per method, for tests that count reads. */
  readonly calls = { put: 0, get: 0, getMany: 0, owned: 0, consume: 0, update: 0, transact: 0, increment: 0, append: 0, delete: 0 };

  constructor(private readonly clock: Clock) {}

  async put(key: string, fields: CacheFields, ttlS: number, options: { ifAbsent?: boolean; ifAbsentOrMatching?: CacheFields } = {}): Promise<boolean> {
    this.calls.put++;
    assertUnreservedFields(Object.keys(fields));
    if (options.ifAbsentOrMatching) {
      if (this.live(key) !== undefined && this.live(key, options.ifAbsentOrMatching) === undefined) return false;
    } else if (options.ifAbsent && this.live(key) !== undefined) return false;
    this.items.set(key, { ...structuredClone(fields), ttl: this.nowS() + ttlS });
    return true;
  }

  async get<T extends CacheFields>(key: string): Promise<CacheItem<T> | undefined> {
    this.calls.get++;
    return copyOf<T>(this.live(key));
  }

  async getMany<T extends CacheFields>(keys: readonly string[]): Promise<(CacheItem<T> | undefined)[]> {
    this.calls.getMany++;
    return keys.map((key) => copyOf<T>(this.live(key)));
  }

  async owned<T extends CacheFields>(owner: string): Promise<OwnedItem<T>[]> {
    this.calls.owned++;
    return [...this.items.keys()]
      .map((key) => ({ key, item: this.live(key, { [OWNER_FIELD]: owner }) }))
      .filter((found): found is { key: string; item: CacheItem } => found.item !== undefined)
      .map(({ key, item }) => ({ key, item: copyOf<T>(item)! }));
  }

  async consume<T extends CacheFields>(key: string, where: CacheFields = {}): Promise<CacheItem<T> | undefined> {
    this.calls.consume++;
    const item = this.live(key, where);
    if (item === undefined) return undefined;
    this.items.delete(key);
    return copyOf<T>(item);
  }

  async update<T extends CacheFields>(key: string, fields: CacheFields, options: { where?: CacheFields; ttlS?: number } = {}): Promise<CacheItem<T> | undefined> {
    const attempt = await this.tryUpdate<T>(key, fields, options);
    return attempt.updated ? attempt.item : undefined;
  }

  /** Counted as an `update`: one request either way. */
  async tryUpdate<T extends CacheFields>(
    key: string,
    fields: CacheFields,
    options: { where?: CacheFields; ttlS?: number; prepend?: ListPrepend } = {},
  ): Promise<UpdateAttempt<T>> {
    this.calls.update++;
    const updated = this.updated(key, fields, options);
    if (updated === undefined) return { updated: false, item: copyOf<T>(this.live(key)) };
    if (options.prepend !== undefined) {
      const { field, value, keep } = options.prepend;
      const list = [structuredClone(value), ...(Array.isArray(updated[field]) ? (updated[field] as unknown[]) : [])];
      updated[field] = list.length >= 2 * keep ? list.slice(0, keep) : list;
    }
    this.items.set(key, updated);
    return { updated: true, item: copyOf<T>(updated)! };
  }

  async transact(items: readonly TransactionItem[]): Promise<TransactionOutcome> {
    this.calls.transact++;
    if (items.length === 0) throw new Error('transact needs at least one item');
    for (const item of items) if (item.op === 'put' || item.op === 'update') assertUnreservedFields(Object.keys(item.fields));
    // Every condition is checked before anything is written, as DynamoDB does.
    const writes: Array<() => void> = [];
    for (const [index, item] of items.entries()) {
      if (item.op === 'put') {
        const stored = { ...structuredClone(item.fields), ttl: this.nowS() + item.ttlS };
        writes.push(() => this.items.set(item.key, stored));
      } else if (item.op === 'update') {
        const updated = this.updated(item.key, item.fields, item);
        if (updated === undefined) return { committed: false, failedAt: index };
        writes.push(() => this.items.set(item.key, updated));
      } else {
        if (this.live(item.key, item.where) === undefined) return { committed: false, failedAt: index };
        if (item.op === 'delete') writes.push(() => this.items.delete(item.key));
      }
    }
    for (const write of writes) write();
    return { committed: true };
  }

  async increment<T extends CacheFields>(
    key: string,
    field: string,
    options: { by?: number; atMost?: number; createTtlS?: number } = {},
  ): Promise<CacheItem<T> | undefined> {
    this.calls.increment++;
    assertUnreservedFields([field]);
    const by = options.by ?? 1;
    const item = this.live(key);
    if (item === undefined) {
      if (options.createTtlS === undefined) return undefined;
      if (options.atMost !== undefined && by > options.atMost) return undefined;
      const created: CacheItem = { [field]: by, ttl: this.nowS() + options.createTtlS };
      this.items.set(key, created);
      return copyOf<T>(created);
    }
    // As DynamoDB's ADD: a missing attribute starts at zero, and the cap guards only an existing one.
    const current = typeof item[field] === 'number' ? item[field] : 0;
    if (options.atMost !== undefined && field in item && current + by > options.atMost) return undefined;
    item[field] = current + by;
    return copyOf<T>(item);
  }

  async append<V>(key: string, field: string, values: readonly V[], options: { ttlS: number; keepLast?: number }): Promise<V[]> {
    this.calls.append++;
    assertUnreservedFields([field]);
    if (values.length === 0) throw new Error('append needs at least one value');
    const item = this.live(key);
    const earlier = item !== undefined && Array.isArray(item[field]) ? (item[field] as V[]) : [];
    let list = [...earlier, ...structuredClone(values)];
    if (options.keepLast !== undefined && list.length > options.keepLast) list = list.slice(list.length - options.keepLast);
    this.items.set(key, { ...(item ?? {}), [field]: list, ttl: this.nowS() + options.ttlS });
    return structuredClone(list);
  }

  async delete(key: string): Promise<void> {
    this.calls.delete++;
    this.items.delete(key);
  }

  /** The stored item if it is live and every `where` field equals the stored one. */
  private live(key: string, where: CacheFields = {}): CacheItem | undefined {
    const item = this.items.get(key);
    if (item === undefined || item.ttl <= this.nowS()) return undefined;
    return Object.entries(where).every(([name, value]) => isDeepStrictEqual(item[name], value)) ? item : undefined;
  }

  private updated(key: string, fields: CacheFields, options: { where?: CacheFields; ttlS?: number; prepend?: ListPrepend }): CacheItem | undefined {
    assertUnreservedFields([...Object.keys(fields), ...(options.prepend !== undefined ? [options.prepend.field] : [])]);
    if (Object.keys(fields).length === 0 && options.ttlS === undefined && options.prepend === undefined) throw new Error('update needs at least one field');
    const item = this.live(key, options.where);
    if (item === undefined) return undefined;
    return { ...item, ...structuredClone(fields), ...(options.ttlS !== undefined && { ttl: this.nowS() + options.ttlS }) };
  }

  private nowS(): number {
    return Math.floor(this.clock() / 1000);
  }
}

function copyOf<T extends CacheFields>(item: CacheItem | undefined): CacheItem<T> | undefined {
  return item === undefined ? undefined : (structuredClone(item) as CacheItem<T>);
}
