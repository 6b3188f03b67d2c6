/**
 * One instance's view of one ring: read once, re-read after `refreshIntervalS`, re-read at
 * once for an unknown key id but at most once per `unknownKeyRefreshMinIntervalS` (a flood of
 * forged key ids must not become a flood of Queries). Concurrent callers share one read.
 * Holds records only, no key material: the JWKS function uses it without any KMS access.
 */
import type { Clock } from '../clock.js';
import { logger } from '../observability/logger.js';
import { countMetric } from '../observability/metrics.js';
import type { KeyRingRepository } from './key-ring-repository.js';
import type { KeyRecord } from './key-ring-policy.js';

export interface KeyRingCacheOptions {
  repository: KeyRingRepository;
  ring: string;
  clock: Clock;
  refreshIntervalS: number;
  unknownKeyRefreshMinIntervalS: number;
}

interface Snapshot {
  keys: readonly KeyRecord[];
  byId: ReadonlyMap<string, KeyRecord>;
}

interface Read {
  consistent: boolean;
  promise: Promise<Snapshot>;
}

/** After a failed refresh a warm instance keeps its ring and tries again this soon. */
const RETRY_AFTER_FAILURE_MS = 10_000;

export class KeyRingCache {
  readonly ring: string;
  private readonly repository: KeyRingRepository;
  private readonly clock: Clock;
  private readonly refreshMs: number;
  private readonly unknownKeyMinMs: number;
  private snapshot: Snapshot | undefined;
  private refreshDueAt = Number.NEGATIVE_INFINITY;
  private lastReadAt = Number.NEGATIVE_INFINITY;
  private inflight: Read | undefined;
  /** Reads are numbered as they start; a read that ends after a later one must not replace its newer ring. */
  private readsStarted = 0;
  private snapshotRead = 0;
  /**
   * Keys this instance created. A read that started before the creation lacks them, so every
   * snapshot keeps them (keys are never deleted, so this cannot resurrect anything).
   */
  private readonly added: KeyRecord[] = [];

  constructor(options: KeyRingCacheOptions) {
    this.repository = options.repository;
    this.ring = options.ring;
    this.clock = options.clock;
    this.refreshMs = options.refreshIntervalS * 1000;
    this.unknownKeyMinMs = options.unknownKeyRefreshMinIntervalS * 1000;
  }

  /** The ring, read when this instance has none or its copy is older than the refresh interval. */
  async keys(): Promise<readonly KeyRecord[]> {
    if (this.snapshot !== undefined && this.clock() < this.refreshDueAt) return this.snapshot.keys;
    return (await this.read(false)).keys;
  }

  /** The ring if this instance's copy is fresh, without waiting (the warm path). */
  fresh(): readonly KeyRecord[] | undefined {
    return this.snapshot !== undefined && this.clock() < this.refreshDueAt ? this.snapshot.keys : undefined;
  }

  /** The record for `keyId` if this instance's fresh copy has it, without waiting. */
  peek(keyId: string): KeyRecord | undefined {
    return this.snapshot !== undefined && this.clock() < this.refreshDueAt ? this.snapshot.byId.get(keyId) : undefined;
  }

  /**
   * The record for `keyId`. A miss re-reads the ring once (a key another instance just made),
   * unless this instance read it within `unknownKeyRefreshMinIntervalS`.
   */
  async find(keyId: string): Promise<KeyRecord | undefined> {
    await this.keys();
    const hit = this.snapshot?.byId.get(keyId);
    if (hit !== undefined) return hit;
    return (await this.rereadRateLimited()).find((key) => key.keyId === keyId);
  }

  /**
   * Re-reads the ring for a caller that knows its copy lacks something (an unknown key id, a
   * JWKS with no signing key yet), unless this instance read it within
   * `unknownKeyRefreshMinIntervalS`.
   */
  async rereadRateLimited(): Promise<readonly KeyRecord[]> {
    if (this.inflight !== undefined) return (await this.inflight.promise).keys;
    if (this.snapshot !== undefined && this.clock() - this.lastReadAt < this.unknownKeyMinMs) return this.snapshot.keys;
    return (await this.read(false)).keys;
  }

  /** Reads now (shares a read in flight when that one is at least as consistent). */
  async reload(options: { consistent?: boolean } = {}): Promise<readonly KeyRecord[]> {
    return (await this.read(options.consistent === true)).keys;
  }

  /** A key this instance just created: usable at once, without a re-read. */
  add(record: KeyRecord): void {
    this.added.push(record);
    this.snapshot = snapshotOf(withAdded(this.snapshot?.keys ?? [], [record]));
  }

  private read(consistent: boolean): Promise<Snapshot> {
    if (this.inflight !== undefined && (this.inflight.consistent || !consistent)) return this.inflight.promise;
    const startedAt = this.clock();
    this.lastReadAt = startedAt;
    const read: Read = { consistent, promise: this.load(consistent, startedAt, ++this.readsStarted) };
    this.inflight = read;
    const clear = () => {
      if (this.inflight === read) this.inflight = undefined;
    };
    read.promise.then(clear, clear);
    return read.promise;
  }

  private async load(consistent: boolean, startedAt: number, readNumber: number): Promise<Snapshot> {
    try {
      const keys = await this.repository.load(this.ring, { consistent });
      countMetric('KeyRingRefresh', { ring: this.ring, outcome: 'ok' });
      // A consistent re-read (after a lost creation race) may overtake a refresh in flight.
      if (this.snapshot !== undefined && readNumber < this.snapshotRead) return this.snapshot;
      this.snapshot = snapshotOf(withAdded(keys, this.added));
      this.snapshotRead = readNumber;
      this.refreshDueAt = startedAt + this.refreshMs;
      return this.snapshot;
    } catch (error) {
      countMetric('KeyRingRefresh', { ring: this.ring, outcome: 'failed' });
      // Keys are only ever added, so a slightly old ring still protects and unprotects:
      // a DynamoDB hiccup must not take down warm instances.
      if (this.snapshot === undefined) throw error;
      this.refreshDueAt = this.clock() + Math.min(this.refreshMs, RETRY_AFTER_FAILURE_MS);
      logger.warn('key ring refresh failed; using cached ring', { ring: this.ring, error: errorName(error) });
      return this.snapshot;
    }
  }
}

function snapshotOf(keys: readonly KeyRecord[]): Snapshot {
  return { keys, byId: new Map(keys.map((key) => [key.keyId, key])) };
}

/** `keys` plus those of `added` it lacks. */
function withAdded(keys: readonly KeyRecord[], added: readonly KeyRecord[]): readonly KeyRecord[] {
  const missing = added.filter((record) => !keys.some((key) => key.keyId === record.keyId));
  return missing.length === 0 ? keys : [...keys, ...missing];
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'unknown';
}
