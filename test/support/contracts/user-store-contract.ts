/**
 * What every `UserStore` must do, run against the DynamoDB adapter on DynamoDB Local
 * (test/integration) and against the in-memory fake (test/unit). How DynamoDB holds the items
 * stays in test/integration/users-directory.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Clock } from '../../../lib/clock.js';
import { EmailTakenError, InvalidEmailError, StaleUserError, type UserStore } from '../../../lib/auth/user-store.js';

export interface UserStoreSubject {
  /** Runs before the cases (e.g. creates tables); `open` is called only after it. */
  setUp?(): Promise<void>;
  tearDown?(): Promise<void>;
  /** A store over the suite's shared state, as another instance would open it (its own client). */
  open(): UserStore;
}

/** `subjectFor` gets the clock every store of the suite must use; the cases drive it. */
export function describeUserStoreContract(name: string, subjectFor: (clock: Clock) => UserStoreSubject): void {
  describe(`UserStore contract: ${name}`, () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    const clock: Clock = () => now;
    const subject = subjectFor(clock);
    let users: UserStore;

    before(async () => {
      await subject.setUp?.();
      users = subject.open();
    });
    after(() => subject.tearDown?.());

    it('creates a user and finds it by id and by any spelling of its address', async () => {
      const created = await users.create({ email: ' Ada@Example.com ', name: 'Ada', passwordHash: 'h1', emailVerified: true });
      assert.match(created.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.deepEqual(created, {
        id: created.id,
        email: 'ada@example.com',
        name: 'Ada',
        emailVerified: true,
        passwordHash: 'h1',
        createdAt: new Date(now).toISOString(),
      });
      assert.deepEqual(await users.findById(created.id), created);
      assert.deepEqual(await users.findByEmail('ADA@example.COM'), created);
      assert.equal(await users.isEmailTaken('ada@EXAMPLE.com'), true);
      assert.equal(await users.findByEmail('nobody@example.com'), undefined);
      assert.equal(await users.isEmailTaken('nobody@example.com'), false);
      assert.equal(await users.findById('00000000-0000-0000-0000-000000000000'), undefined);
    });

    it('treats A@Example.com and a@example.com as one address', async () => {
      await users.create({ email: 'A@Example.com', name: 'First', emailVerified: false });
      await assert.rejects(users.create({ email: 'a@example.com', name: 'Second', emailVerified: false }), EmailTakenError);
      assert.equal((await users.findByEmail('a@example.com'))?.name, 'First');
    });

    it('creates exactly one user when 10 instances register one address at once', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => subject.open().create({ email: i % 2 ? 'Race@Example.com' : 'race@example.com', name: `r${i}`, emailVerified: true })),
      );
      const created = results.filter((r) => r.status === 'fulfilled');
      const refused = results.filter((r) => r.status === 'rejected');
      assert.equal(created.length, 1, JSON.stringify(refused.map((r) => (r as PromiseRejectedResult).reason?.name)));
      for (const r of refused) assert.ok((r as PromiseRejectedResult).reason instanceof EmailTakenError);
      const winner = (created[0] as PromiseFulfilledResult<{ id: string }>).value;
      assert.equal((await users.findByEmail('race@example.com'))?.id, winner.id);
    });

    it('refuses an address normalizeEmail rejects, writing nothing', async () => {
      await assert.rejects(users.create({ email: 'not-an-address', name: 'x', emailVerified: false }), InvalidEmailError);
      assert.equal(await users.findByEmail('not-an-address'), undefined);
      assert.equal(await users.isEmailTaken('not-an-address'), false);
    });

    it('updates the password hash of an existing user only', async () => {
      const user = await users.create({ email: 'hash@example.com', name: 'H', passwordHash: 'old', emailVerified: true });
      now += 1000;
      await users.updatePasswordHash(user.id, 'new');
      assert.deepEqual(await users.findById(user.id), { ...user, passwordHash: 'new' });
      assert.equal((await users.findByEmail('hash@example.com'))?.passwordHash, 'new');
      await assert.rejects(users.updatePasswordHash('missing-id', 'x'));
      assert.equal(await users.findById('missing-id'), undefined, 'no half user was created');
    });

    it('keeps a user without password hash without the attribute', async () => {
      const user = await users.create({ email: 'nopw@example.com', name: 'N', emailVerified: false });
      const found = await users.findById(user.id);
      assert.equal('passwordHash' in (found ?? {}), false);
      assert.equal(found?.emailVerified, false);
    });

    it('updates the name of an existing user only', async () => {
      const user = await users.create({ email: 'profile@example.com', name: 'Before', emailVerified: true });
      await users.updateProfile(user.id, { name: 'After' });
      // The change's time is the `updated_at` claim (lib/oidc/scopes.ts).
      assert.deepEqual(await users.findById(user.id), { ...user, name: 'After', profileUpdatedAt: new Date(now).toISOString() });
      await assert.rejects(users.updateProfile('missing-id', { name: 'x' }));
      assert.equal(await users.findById('missing-id'), undefined, 'no half user was created');
    });

    it('moves an account to a new address: the new one is taken, the old one free to register', async () => {
      const user = await users.create({ email: 'move-old@example.com', name: 'M', passwordHash: 'h', emailVerified: false });
      await users.changeEmail(user.id, { from: 'Move-Old@example.com', to: ' Move-New@Example.com ' });
      const moved = { ...user, email: 'move-new@example.com', emailVerified: true };
      assert.deepEqual(await users.findById(user.id), moved);
      assert.deepEqual(await users.findByEmail('move-new@example.com'), moved);
      assert.equal(await users.isEmailTaken('move-old@example.com'), false);
      const other = await users.create({ email: 'move-old@example.com', name: 'Other', emailVerified: true });
      assert.notEqual(other.id, user.id);
    });

    it('refuses a change to a taken address, its own, or an unusable one, changing nothing', async () => {
      const user = await users.create({ email: 'stay@example.com', name: 'S', emailVerified: true });
      await users.create({ email: 'taken@example.com', name: 'T', emailVerified: true });
      await assert.rejects(users.changeEmail(user.id, { from: 'stay@example.com', to: 'TAKEN@example.com' }), EmailTakenError);
      await assert.rejects(users.changeEmail(user.id, { from: 'stay@example.com', to: 'Stay@example.com' }), EmailTakenError);
      await assert.rejects(users.changeEmail(user.id, { from: 'stay@example.com', to: 'not-an-address' }), InvalidEmailError);
      assert.deepEqual(await users.findByEmail('stay@example.com'), user);
      assert.notEqual((await users.findByEmail('taken@example.com'))?.id, user.id);
    });

    it('refuses a change from an address the user no longer has, or for a user that is gone', async () => {
      const user = await users.create({ email: 'stale@example.com', name: 'S', emailVerified: true });
      await users.changeEmail(user.id, { from: 'stale@example.com', to: 'stale-2@example.com' });
      await assert.rejects(users.changeEmail(user.id, { from: 'stale@example.com', to: 'stale-3@example.com' }), StaleUserError);
      await assert.rejects(users.changeEmail('00000000-0000-0000-0000-000000000000', { from: 'stale-2@example.com', to: 'stale-4@example.com' }), StaleUserError);
      assert.equal(await users.isEmailTaken('stale-3@example.com'), false);
      assert.equal(await users.isEmailTaken('stale-4@example.com'), false);
      assert.equal((await users.findByEmail('stale-2@example.com'))?.id, user.id);
    });

    it('moves exactly one of 10 accounts when they change to one address at once, on separate instances', async () => {
      const movers = await Promise.all(Array.from({ length: 10 }, (_, i) => users.create({ email: `mover-${i}@example.com`, name: `m${i}`, emailVerified: true })));
      const results = await Promise.allSettled(
        movers.map((mover, i) => subject.open().changeEmail(mover.id, { from: mover.email, to: i % 2 ? 'Wanted@Example.com' : 'wanted@example.com' })),
      );
      const winners = movers.filter((_, i) => results[i]!.status === 'fulfilled');
      assert.equal(winners.length, 1, JSON.stringify(results.map((r) => (r.status === 'rejected' ? (r.reason as Error).name : 'ok'))));
      for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof EmailTakenError);
      assert.equal((await users.findByEmail('wanted@example.com'))?.id, winners[0]!.id);
      for (const mover of movers) {
        const stored = await users.findById(mover.id);
        const isWinner = mover.id === winners[0]!.id;
        assert.equal(stored?.email, isWinner ? 'wanted@example.com' : mover.email);
        assert.equal(await users.isEmailTaken(mover.email), !isWinner);
      }
    });

    it('deletes a user and its address, which can register again; a second delete finds nothing', async () => {
      const user = await users.create({ email: 'gone@example.com', name: 'G', passwordHash: 'h', emailVerified: true });
      assert.equal(await users.delete(user.id), true);
      assert.equal(await users.findById(user.id), undefined);
      assert.equal(await users.findByEmail('gone@example.com'), undefined);
      assert.equal(await users.isEmailTaken('gone@example.com'), false);
      assert.equal(await users.delete(user.id), false);
      const again = await users.create({ email: 'gone@example.com', name: 'G2', emailVerified: true });
      assert.notEqual(again.id, user.id);
    });

    it('hands out copies: changing a returned user changes nothing stored', async () => {
      const user = await users.create({ email: 'copy@example.com', name: 'C', emailVerified: false });
      user.name = 'changed';
      const found = await users.findById(user.id);
      found!.name = 'changed too';
      assert.equal((await users.findById(user.id))?.name, 'C');
    });
  });
}
