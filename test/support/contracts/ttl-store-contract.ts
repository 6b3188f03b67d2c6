/**
 * What every `TtlStore` must do, run against the DynamoDB adapter on DynamoDB Local
 * (test/integration) and against the in-memory fake (test/unit), so the fake cannot drift from
 * the real thing. Only behaviour visible through the port is checked here; how DynamoDB holds
 * the items stays in test/integration/ttl-cache.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Clock } from '../../../lib/clock.js';
import type { TtlStore } from '../../../lib/ttl-store.js';

export interface TtlStoreSubject {
  /** Runs before the cases (e.g. creates tables); `open` is called only after it. */
  setUp?(): Promise<void>;
  tearDown?(): Promise<void>;
  /** A store over the suite's shared state, as another instance would open it (its own client). */
  open(): TtlStore;
}

/** `subjectFor` gets the clock every store of the suite must use; the cases drive it. */
export function describeTtlStoreContract(name: string, subjectFor: (clock: Clock) => TtlStoreSubject): void {
  describe(`TtlStore contract: ${name}`, () => {
    // Real time, moved forward by the cases: DynamoDB Local deletes items whose ttl is in the
    // real past within seconds, and expired-by-our-clock items must still be stored.
    let now = Date.now();
    const clock: Clock = () => now;
    const subject = subjectFor(clock);
    const nowS = () => Math.floor(now / 1000);
    let store: TtlStore;

    before(async () => {
      await subject.setUp?.();
      store = subject.open();
    });
    after(() => subject.tearDown?.());

    it('returns a live item with its expiry, and an expired one as absent to every read', async () => {
      await store.put('item#1', { value: 'a' }, 60);
      assert.deepEqual(await store.get('item#1'), { value: 'a', ttl: nowS() + 60 });
      now += 61_000;
      assert.equal(await store.get('item#1'), undefined);
      assert.equal(await store.consume('item#1'), undefined, 'an expired item cannot be consumed');
      assert.equal(await store.update('item#1', { value: 'b' }), undefined, 'nor updated');
      assert.equal(await store.increment('item#1', 'n'), undefined, 'nor counted');
    });

    it('puts ifAbsent only over a missing or expired item', async () => {
      assert.equal(await store.put('once#1', { n: 1 }, 10, { ifAbsent: true }), true);
      assert.equal(await store.put('once#1', { n: 2 }, 10, { ifAbsent: true }), false);
      assert.equal((await store.get<{ n: number }>('once#1'))?.n, 1);
      now += 11_000;
      assert.equal(await store.put('once#1', { n: 3 }, 10, { ifAbsent: true }), true);
      assert.equal((await store.get<{ n: number }>('once#1'))?.n, 3);
    });

    it('puts ifAbsentOrMatching over a missing, expired or matching item, never over another live one', async () => {
      assert.equal(await store.put('claim#1', { claimId: 'a' }, 10, { ifAbsentOrMatching: { claimId: 'a' } }), true);
      now += 5_000;
      // A retry of a write that committed unseen finds its own claim and succeeds again.
      assert.equal(await store.put('claim#1', { claimId: 'a' }, 10, { ifAbsentOrMatching: { claimId: 'a' } }), true);
      assert.deepEqual(await store.get('claim#1'), { claimId: 'a', ttl: nowS() + 10 });
      assert.equal(await store.put('claim#1', { claimId: 'b' }, 10, { ifAbsentOrMatching: { claimId: 'b' } }), false);
      assert.equal((await store.get<{ claimId: string }>('claim#1'))?.claimId, 'a', 'a refused put writes nothing');
      now += 11_000;
      assert.equal(await store.put('claim#1', { claimId: 'b' }, 10, { ifAbsentOrMatching: { claimId: 'b' } }), true);
      assert.equal((await store.get<{ claimId: string }>('claim#1'))?.claimId, 'b');
    });

    it('put without ifAbsent replaces the whole item and its expiry', async () => {
      await store.put('replace#1', { a: 1, b: 2 }, 60);
      await store.put('replace#1', { a: 3 }, 10);
      assert.deepEqual(await store.get('replace#1'), { a: 3, ttl: nowS() + 10 });
    });

    it('lets exactly one of 20 concurrent consumers win', async () => {
      await store.put('code#race', { secret: 's' }, 60);
      const results = await Promise.all(Array.from({ length: 20 }, () => subject.open().consume<{ secret: string }>('code#race')));
      assert.deepEqual(results.filter((r) => r !== undefined).map((r) => r!.secret), ['s']);
      assert.equal(await store.get('code#race'), undefined);
    });

    it('consumes only when the extra condition holds', async () => {
      await store.put('code#cond', { id: 'x' }, 60);
      assert.equal(await store.consume('code#cond', { id: 'y' }), undefined);
      assert.equal((await store.get<{ id: string }>('code#cond'))?.id, 'x', 'a failed condition deletes nothing');
      assert.deepEqual(await store.consume('code#cond', { id: 'x' }), { id: 'x', ttl: nowS() + 60 });
      assert.equal(await store.get('code#cond'), undefined);
    });

    it('counts atomically under a cap, and restarts a window once it expired', async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, () => subject.open().increment<{ n: number }>('counter#1', 'n', { atMost: 5, createTtlS: 30 })),
      );
      const granted = results.filter((r) => r !== undefined).map((r) => r!.n).sort();
      assert.deepEqual(granted, [1, 2, 3, 4, 5]);
      assert.equal(await store.increment('counter#1', 'n', { atMost: 5, createTtlS: 30 }), undefined);
      now += 31_000;
      assert.equal((await store.increment<{ n: number }>('counter#1', 'n', { atMost: 5, createTtlS: 30 }))?.n, 1);
    });

    it('keeps a fixed window: later increments do not move the expiry', async () => {
      const first = await store.increment('counter#window', 'n', { createTtlS: 30 });
      now += 10_000;
      const second = await store.increment<{ n: number }>('counter#window', 'n', { createTtlS: 30 });
      assert.equal(second?.n, 2);
      assert.equal(second?.ttl, first?.ttl);
    });

    it('increments by any amount, down too, and returns the whole item', async () => {
      await store.put('counter#by', { n: 3, label: 'kept' }, 60);
      assert.deepEqual(await store.increment('counter#by', 'n', { by: -1 }), { n: 2, label: 'kept', ttl: nowS() + 60 });
      assert.equal((await store.increment<{ n: number }>('counter#by', 'n', { by: 3, atMost: 5 }))?.n, 5);
      assert.equal(await store.increment('counter#by', 'n', { by: 1, atMost: 5 }), undefined);
      assert.equal((await store.get<{ n: number }>('counter#by'))?.n, 5, 'a refused increment changes nothing');
      assert.equal((await store.increment<{ fresh: number }>('counter#by', 'fresh'))?.fresh, 1, 'a missing field starts at zero');
    });

    it('does not create an item when increment has no createTtlS, nor one that would exceed the cap', async () => {
      assert.equal(await store.increment('counter#missing', 'n'), undefined);
      assert.equal(await store.get('counter#missing'), undefined);
      assert.equal(await store.increment('counter#over', 'n', { by: 3, atMost: 2, createTtlS: 30 }), undefined);
      assert.equal(await store.get('counter#over'), undefined);
    });

    it('updates a live item only while the condition holds and never revives an expired one', async () => {
      await store.put('flow#1', { step: 'email', email: 'a@example.com' }, 30);
      assert.deepEqual(await store.update('flow#1', { step: 'code' }, { where: { step: 'email' } }), {
        step: 'code',
        email: 'a@example.com',
        ttl: nowS() + 30,
      });
      assert.equal(await store.update('flow#1', { step: 'done' }, { where: { step: 'email' } }), undefined);
      assert.equal((await store.get<{ step: string }>('flow#1'))?.step, 'code');
      now += 31_000;
      assert.equal(await store.update('flow#1', { step: 'done' }), undefined);
      assert.equal(await store.get('flow#1'), undefined);
    });

    it('moves the expiry on update only when asked to', async () => {
      await store.put('flow#ttl', { step: 'email' }, 30);
      assert.equal((await store.update('flow#ttl', { step: 'code' }))?.ttl, nowS() + 30);
      now += 20_000;
      assert.equal((await store.update('flow#ttl', { step: 'password' }, { ttlS: 30 }))?.ttl, nowS() + 30);
      now += 20_000;
      assert.equal((await store.get<{ step: string }>('flow#ttl'))?.step, 'password');
    });

    it('tryUpdate answers the item it wrote, or the live item as the refused condition found it', async () => {
      await store.put('grant#try', { status: 'active', live: 'h1', tags: new Set(['a']) }, 30);
      assert.deepEqual(await store.tryUpdate('grant#try', { live: 'h2' }, { where: { live: 'h1' } }), {
        updated: true,
        item: { status: 'active', live: 'h2', tags: new Set(['a']), ttl: nowS() + 30 },
      });
      assert.deepEqual(await store.tryUpdate('grant#try', { live: 'h3' }, { where: { live: 'h1' } }), {
        updated: false,
        item: { status: 'active', live: 'h2', tags: new Set(['a']), ttl: nowS() + 30 },
      });
      assert.deepEqual(await store.tryUpdate('grant#none', { live: 'h3' }, { where: { live: 'h1' } }), { updated: false, item: undefined });
      now += 31_000;
      assert.deepEqual(await store.tryUpdate('grant#try', { live: 'h3' }, { where: { live: 'h2' } }), { updated: false, item: undefined }, 'an expired item is absent');
    });

    it('tryUpdate prepends to a list, keeping at least the newest `keep` entries and never twice as many', async () => {
      await store.put('grant#list', { status: 'active' }, 60);
      for (let i = 1; i <= 13; i++) {
        const attempt = await store.tryUpdate<{ spent: number[] }>('grant#list', { last: i }, { prepend: { field: 'spent', value: i, keep: 4 } });
        assert.ok(attempt.updated);
        const stored = (await store.get<{ spent: number[] }>('grant#list'))!.spent;
        assert.deepEqual(attempt.item.spent, stored, 'answers the list as kept');
        assert.deepEqual(stored.slice(0, Math.min(i, 4)), Array.from({ length: Math.min(i, 4) }, (_, k) => i - k), `after ${i}: newest first`);
        assert.ok(stored.length >= Math.min(i, 4) && stored.length < 8, `after ${i}: ${stored.length} kept`);
      }
      const refused = await store.tryUpdate('grant#list', {}, { where: { status: 'revoked' }, prepend: { field: 'spent', value: 99, keep: 4 } });
      assert.equal(refused.updated, false);
      assert.equal((await store.get<{ spent: number[] }>('grant#list'))!.spent[0], 13, 'a refused update prepends nothing');
    });

    it('refuses an update with nothing to set', async () => {
      await store.put('flow#empty', { step: 'email' }, 30);
      await assert.rejects(store.update('flow#empty', {}), /at least one field/);
    });

    it('transacts: of 10 concurrent transactions on one item one writes everything, the rest nothing', async () => {
      await store.put('token#old', { status: 'active' }, 60);
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          subject.open().transact([
            { op: 'update', key: 'token#old', fields: { status: 'rotated' }, where: { status: 'active' } },
            { op: 'put', key: `token#next-${i}`, fields: { status: 'active' }, ttlS: 60 },
          ]),
        ),
      );
      const winner = outcomes.findIndex((outcome) => outcome.committed);
      assert.equal(outcomes.filter((outcome) => outcome.committed).length, 1);
      for (const [i, outcome] of outcomes.entries()) if (i !== winner) assert.deepEqual(outcome, { committed: false, failedAt: 0 });
      for (let i = 0; i < 10; i++) {
        assert.equal((await store.get(`token#next-${i}`)) !== undefined, i === winner, `successor ${i}`);
      }
      assert.deepEqual(await store.get('token#old'), { status: 'rotated', ttl: nowS() + 60 });
      assert.deepEqual(await store.get(`token#next-${winner}`), { status: 'active', ttl: nowS() + 60 });
    });

    it('transacts delete, update, check and put together, or writes nothing when any condition fails', async () => {
      await store.put('tx#code', { v: 1 }, 60);
      await store.put('tx#grant', { status: 'pending' }, 60);
      await store.put('tx#guard', { usable: false }, 60);
      const items = [
        { op: 'delete', key: 'tx#code' },
        { op: 'update', key: 'tx#grant', fields: { status: 'active' }, where: { status: 'pending' }, ttlS: 120 },
        { op: 'check', key: 'tx#guard', where: { usable: true } },
        { op: 'put', key: 'tx#new', fields: { v: 2 }, ttlS: 30 },
      ] as const;
      assert.deepEqual(await store.transact(items), { committed: false, failedAt: 2 });
      assert.deepEqual(await store.get('tx#code'), { v: 1, ttl: nowS() + 60 });
      assert.deepEqual(await store.get('tx#grant'), { status: 'pending', ttl: nowS() + 60 });
      assert.equal(await store.get('tx#new'), undefined);

      await store.put('tx#guard', { usable: true }, 60);
      assert.deepEqual(await store.transact(items), { committed: true });
      assert.equal(await store.get('tx#code'), undefined);
      assert.deepEqual(await store.get('tx#grant'), { status: 'active', ttl: nowS() + 120 });
      assert.deepEqual(await store.get('tx#guard'), { usable: true, ttl: nowS() + 60 });
      assert.deepEqual(await store.get('tx#new'), { v: 2, ttl: nowS() + 30 });
      // The deleted item is gone, so the same transaction cannot commit twice.
      assert.deepEqual(await store.transact(items), { committed: false, failedAt: 0 });
    });

    it('treats an expired item as absent in every transaction condition', async () => {
      await store.put('token#stale', { status: 'active' }, 10);
      now += 11_000;
      for (const op of ['update', 'delete', 'check'] as const) {
        const first = op === 'update' ? { op, key: 'token#stale', fields: { status: 'rotated' } } : { op, key: 'token#stale' };
        assert.deepEqual(await store.transact([first, { op: 'put', key: 'token#orphan', fields: { status: 'active' }, ttlS: 60 }]), { committed: false, failedAt: 0 }, op);
      }
      assert.equal(await store.get('token#orphan'), undefined);
    });

    it('append starts a list, appends to it and moves the expiry', async () => {
      assert.deepEqual(await store.append('list#1', 'items', ['a'], { ttlS: 60 }), ['a']);
      now += 30_000;
      assert.deepEqual(await store.append('list#1', 'items', ['b', 'c'], { ttlS: 60 }), ['a', 'b', 'c']);
      assert.deepEqual(await store.get('list#1'), { items: ['a', 'b', 'c'], ttl: nowS() + 60 });
    });

    it('append starts afresh over an expired list', async () => {
      await store.append('list#2', 'items', ['old'], { ttlS: 10 });
      now += 11_000;
      assert.deepEqual(await store.append('list#2', 'items', ['new'], { ttlS: 10 }), ['new']);
      assert.deepEqual((await store.get<{ items: string[] }>('list#2'))?.items, ['new']);
    });

    it('append keeps the last N entries', async () => {
      for (let i = 1; i <= 5; i++) await store.append('list#3', 'items', [i], { ttlS: 60, keepLast: 3 });
      assert.deepEqual((await store.get<{ items: number[] }>('list#3'))?.items, [3, 4, 5]);
      assert.deepEqual(await store.append('list#3', 'items', [6, 7, 8, 9], { ttlS: 60, keepLast: 3 }), [7, 8, 9]);
      assert.deepEqual((await store.get<{ items: number[] }>('list#3'))?.items, [7, 8, 9]);
    });

    it('append loses nothing under concurrency', async () => {
      await Promise.all(Array.from({ length: 10 }, (_, i) => subject.open().append('list#4', 'items', [i], { ttlS: 60 })));
      const items = (await store.get<{ items: number[] }>('list#4'))?.items ?? [];
      assert.deepEqual([...items].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it('gets several keys in one read, in order, with missing and expired ones as undefined', async () => {
      await store.put('many#a', { v: 'a' }, 60);
      await store.put('many#b', { v: 'b' }, 5);
      await store.put('many#c', { v: 'c' }, 60);
      now += 10_000;
      const [c, missing, b, a, again] = await store.getMany<{ v: string }>(['many#c', 'many#none', 'many#b', 'many#a', 'many#c']);
      assert.deepEqual([c?.v, missing, b, a?.v, again?.v], ['c', undefined, undefined, 'a', 'c']);
      assert.deepEqual(await store.getMany([]), []);
    });

    it('lists the live items of an owner with their keys, and no one else\'s', async () => {
      await store.put('own#1', { owner: 'owner-1', n: 1 }, 60);
      await store.put('own#2', { owner: 'owner-1', n: 2 }, 5);
      await store.put('own#3', { owner: 'owner-2', n: 3 }, 60);
      await store.put('own#4', { n: 4 }, 60);
      await store.transact([{ op: 'put', key: 'own#5', fields: { owner: 'owner-1', n: 5 }, ttlS: 60 }]);
      now += 10_000;
      // Eventually consistent on DynamoDB: poll briefly (DynamoDB Local indexes at once).
      let owned = await store.owned<{ n: number; owner: string }>('owner-1');
      for (let i = 0; i < 20 && owned.length < 2; i++) owned = await store.owned<{ n: number; owner: string }>('owner-1');
      assert.deepEqual(owned.map(({ key, item }) => [key, item.n, item.owner]).sort(), [['own#1', 1, 'owner-1'], ['own#5', 5, 'owner-1']]);
      await store.delete('own#1');
      assert.deepEqual((await store.owned('owner-1')).map(({ key }) => key), ['own#5']);
      assert.deepEqual(await store.owned('owner-none'), []);
    });

    it('deletes an item, and deleting a missing one is no error', async () => {
      await store.put('gone#1', { v: 1 }, 60);
      await store.delete('gone#1');
      assert.equal(await store.get('gone#1'), undefined);
      await store.delete('gone#never');
    });

    it('hands out copies: changing a returned item changes nothing stored', async () => {
      await store.put('copy#1', { list: [1] }, 60);
      const item = await store.get<{ list: number[] }>('copy#1');
      item!.list.push(2);
      assert.deepEqual((await store.get<{ list: number[] }>('copy#1'))?.list, [1]);
    });

    it('refuses the reserved field names pk and ttl in every write', async () => {
      await assert.rejects(store.put('bad', { ttl: 5 }, 10), /reserved/);
      await assert.rejects(store.put('bad', { pk: 'other' }, 10), /reserved/);
      await assert.rejects(store.update('bad', { ttl: 5 }), /reserved/);
      await assert.rejects(store.transact([{ op: 'update', key: 'bad', fields: { v: 1 } }, { op: 'put', key: 'bad2', fields: { ttl: 1 }, ttlS: 10 }]), /reserved/);
      await assert.rejects(store.increment('bad', 'ttl', { createTtlS: 10 }), /reserved/);
      await assert.rejects(store.append('bad', 'ttl', [1], { ttlS: 60 }), /reserved/);
      await assert.rejects(store.append('bad', 'pk', [1], { ttlS: 60 }), /reserved/);
      assert.equal(await store.get('bad'), undefined);
    });
  });
}
