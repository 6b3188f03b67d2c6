/**
 * Where a user is signed in: the session cookie itself keeps nothing on the server, so each
 * session also files a small item under its user in the TTL table, for "where you are signed
 * in" on /account, the operators' `users show`, and ending them all.
 *
 *   session#<sid>       owner = <sub>: browser, OS, start (ms), last use (s)          until the session's absolute expiry
 *   sessions-of#<sub>   owner = <sub>: notBeforeMs, keepSessionId                    SESSION_ABSOLUTE_LIFETIME_S after it was set
 *
 * Why the TTL table with an index on `owner` (infra/tables.yml) and not per-user items in the
 * `directory`: the items are short-lived (the table's TTL deletes them; `directory` has no TTL,
 * so every read would filter leftovers and nothing would ever clean them), grants (refresh
 * families) already live in this table and are listed the same way with no extra write at the
 * token endpoint (the grant item carries its owner), and adding a secondary index updates the
 * table in place, while a new key schema would replace it. The price: the index is eventually
 * consistent, so a session that began or ended a moment ago may be missing from or still in a
 * list; nothing that grants access reads the list.
 *
 * "Sign out everywhere" is one write whatever the number of sessions: `sessions-of#<sub>` says
 * every session that started before `notBeforeMs` has ended, except `keepSessionId` ("everywhere
 * else"). `Sessions.verify` reads it together with the session's own revocation item in one
 * BatchGetItem.
 */
import Bowser from 'bowser';
import type { Clock } from '../clock.js';
import { OWNER_FIELD, type TtlStore } from '../ttl-store.js';

/** How a browser described itself, short enough to show; the raw User-Agent is not kept. */
export interface Device {
  browser: string;
  os: string;
}

export interface SignedInSession extends Device {
  sessionId: string;
  /** Epoch milliseconds: when the session began (the sign-in). */
  startedAtMs: number;
  /** Epoch seconds: sign-in, then at most every half idle window while the cookie slides. */
  lastUsedAtS: number;
  /** The absolute end, epoch seconds. */
  expiresAtS: number;
}

/** The per-user "sessions not before" record. */
export interface SessionsCutoff {
  notBeforeMs: number;
  keepSessionId?: string;
}

export type SessionIndexStore = Pick<TtlStore, 'put' | 'update' | 'delete' | 'owned'>;

const MAX_NAME_LENGTH = 40;

export class SessionIndex {
  constructor(
    private readonly store: SessionIndexStore,
    private readonly clock: Clock,
    /** How long a cutoff must be kept: every session it ended would have expired by then. */
    private readonly absoluteLifetimeS: number,
  ) {}

  async record(session: { subject: string; sessionId: string; startedAtMs: number; expiresAt: number }, userAgent: string | undefined): Promise<void> {
    const nowS = this.nowS();
    const ttlS = session.expiresAt - nowS;
    if (ttlS <= 0) return;
    const fields = { [OWNER_FIELD]: session.subject, ...describeDevice(userAgent), startedAtMs: session.startedAtMs, lastUsedAtS: nowS };
    await this.store.put(sessionKey(session.sessionId), fields, ttlS);
  }

  /** Only a listed session: one ended meanwhile (its item deleted) is not brought back. */
  async touch(sessionId: string): Promise<void> {
    await this.store.update(sessionKey(sessionId), { lastUsedAtS: this.nowS() });
  }

  async remove(sessionId: string): Promise<void> {
    await this.store.delete(sessionKey(sessionId));
  }

  async endAllFor(subject: string, options: { exceptSessionId?: string } = {}): Promise<void> {
    const cutoff: SessionsCutoff = { notBeforeMs: this.clock(), ...(options.exceptSessionId !== undefined ? { keepSessionId: options.exceptSessionId } : {}) };
    await this.store.put(cutoffKey(subject), { [OWNER_FIELD]: subject, ...cutoff }, this.absoluteLifetimeS + CUTOFF_MARGIN_S);
  }

  /** The user's live sessions, most recently used first (one Query). */
  async list(subject: string): Promise<SignedInSession[]> {
    const owned = await this.store.owned(subject);
    const cutoff = toCutoff(owned.find(({ key }) => key === cutoffKey(subject))?.item);
    return owned
      .flatMap(({ key, item }) => {
        if (!key.startsWith(SESSION_PREFIX)) return [];
        const session = toSignedInSession(key.slice(SESSION_PREFIX.length), item);
        return session !== undefined && !endedBy(cutoff, session) ? [session] : [];
      })
      .sort((a, b) => b.lastUsedAtS - a.lastUsedAtS);
  }

  private nowS(): number {
    return Math.floor(this.clock() / 1000);
  }
}

/** A cutoff outlives the sessions it ended by this much, for clocks that differ between instances. */
const CUTOFF_MARGIN_S = 300;
const SESSION_PREFIX = 'session#';

function sessionKey(sessionId: string): string {
  return `${SESSION_PREFIX}${sessionId}`;
}

export function cutoffKey(subject: string): string {
  return `sessions-of#${subject}`;
}

export function toCutoff(item: Record<string, unknown> | undefined): SessionsCutoff | undefined {
  if (item === undefined || typeof item.notBeforeMs !== 'number') return undefined;
  return { notBeforeMs: item.notBeforeMs, ...(typeof item.keepSessionId === 'string' ? { keepSessionId: item.keepSessionId } : {}) };
}

/** Whether "sign out everywhere" ended this session: it started before the cutoff and is not the one kept. */
export function endedBy(cutoff: SessionsCutoff | undefined, session: { sessionId: string; startedAtMs: number }): boolean {
  return cutoff !== undefined && session.startedAtMs < cutoff.notBeforeMs && session.sessionId !== cutoff.keepSessionId;
}

export function describeDevice(userAgent: string | undefined): Device {
  if (userAgent === undefined || userAgent.trim() === '') return { browser: 'Unknown browser', os: 'unknown system' };
  const parser = Bowser.getParser(userAgent.slice(0, 512));
  const browser = [parser.getBrowserName(), parser.getBrowserVersion()?.split('.')[0]].filter(Boolean).join(' ');
  const os = parser.getOSName();
  return { browser: (browser || 'Unknown browser').slice(0, MAX_NAME_LENGTH), os: (os || 'unknown system').slice(0, MAX_NAME_LENGTH) };
}

function toSignedInSession(sessionId: string, item: Record<string, unknown> & { ttl: number }): SignedInSession | undefined {
  const { browser, os, startedAtMs, lastUsedAtS } = item;
  if (typeof browser !== 'string' || typeof os !== 'string' || typeof startedAtMs !== 'number' || typeof lastUsedAtS !== 'number') return undefined;
  return { sessionId, browser, os, startedAtMs, lastUsedAtS, expiresAtS: item.ttl };
}
