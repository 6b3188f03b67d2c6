/**
 * What every `PasskeyStore` must do, run against the DynamoDB adapter on DynamoDB Local
 * (test/integration) and against the in-memory fake (test/unit).
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { PasskeyTakenError, type Passkey, type PasskeyStore } from '../../../lib/auth/passkey-store.js';

export interface PasskeyStoreSubject {
  /** Runs before the cases (e.g. creates tables); `open` is called only after it. */
  setUp?(): Promise<void>;
  tearDown?(): Promise<void>;
  /** A store over the suite's shared state, as another instance would open it. */
  open(): PasskeyStore;
}

export function somePasskey(userId: string, overrides: Partial<Passkey> = {}): Passkey {
  return {
    id: randomBytes(16).toString('base64url'),
    userId,
    publicKey: new Uint8Array(randomBytes(77)),
    counter: 0,
    transports: ['internal', 'hybrid'],
    backupEligible: true,
    backedUp: true,
    aaguid: 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4',
    name: 'Google Password Manager',
    createdAt: '2030-01-01T00:00:00.000Z',
    ...overrides,
  };
}

export function describePasskeyStoreContract(name: string, subject: PasskeyStoreSubject): void {
  describe(`PasskeyStore contract: ${name}`, () => {
    let passkeys: PasskeyStore;

    before(async () => {
      await subject.setUp?.();
      passkeys = subject.open();
    });
    after(() => subject.tearDown?.());

    it('finds an added passkey by credential id and lists it for its user only, oldest first', async () => {
      const userId = randomUUID();
      const newer = somePasskey(userId, { createdAt: '2030-01-02T00:00:00.000Z', transports: [], backupEligible: false, backedUp: false });
      const older = somePasskey(userId);
      await passkeys.add(newer);
      await passkeys.add(older);
      await passkeys.add(somePasskey(randomUUID()));
      assert.deepEqual(await subject.open().find(older.id), older);
      assert.deepEqual(await subject.open().listFor(userId), [older, newer]);
      assert.deepEqual(await passkeys.listFor(randomUUID()), []);
      assert.equal(await passkeys.find(randomBytes(16).toString('base64url')), undefined);
    });

    it('keeps a credential id unique across users, also when 10 instances add it at once', async () => {
      const first = somePasskey(randomUUID());
      await passkeys.add(first);
      await assert.rejects(passkeys.add({ ...first, userId: randomUUID() }), PasskeyTakenError);

      const contested = somePasskey('unused');
      const users: string[] = Array.from({ length: 10 }, () => randomUUID());
      const results = await Promise.allSettled(users.map((userId) => subject.open().add({ ...contested, userId })));
      const added = results.filter((r) => r.status === 'fulfilled');
      assert.equal(added.length, 1);
      for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof PasskeyTakenError, String(r.reason));
      const owner = (await passkeys.find(contested.id))?.userId;
      assert.ok(owner !== undefined && users.includes(owner));
      const listed = await Promise.all(users.map((userId) => passkeys.listFor(userId)));
      assert.equal(listed.flat().length, 1, 'the losers left no half passkey behind');
    });

    it('records a use whose counter moves forward, and refuses one that goes backwards or repeats', async () => {
      const passkey = somePasskey(randomUUID(), { counter: 5, backedUp: false });
      await passkeys.add(passkey);
      assert.equal(await passkeys.recordUse(passkey.userId, passkey.id, { counter: 6, backedUp: true, usedAt: '2030-01-03T00:00:00.000Z' }), 'recorded');
      assert.deepEqual(await passkeys.find(passkey.id), { ...passkey, counter: 6, backedUp: true, lastUsedAt: '2030-01-03T00:00:00.000Z' });
      for (const counter of [6, 3, 0]) {
        assert.equal(await passkeys.recordUse(passkey.userId, passkey.id, { counter, backedUp: true, usedAt: '2030-01-04T00:00:00.000Z' }), 'counter-regressed', String(counter));
      }
      assert.equal((await passkeys.find(passkey.id))?.lastUsedAt, '2030-01-03T00:00:00.000Z', 'a refused use changes nothing');
    });

    it('accepts a counter of 0 that stays 0 (authenticators that do not count), but not 0 after a count', async () => {
      const passkey = somePasskey(randomUUID());
      await passkeys.add(passkey);
      for (const day of ['05', '06']) {
        assert.equal(await passkeys.recordUse(passkey.userId, passkey.id, { counter: 0, backedUp: true, usedAt: `2030-01-${day}T00:00:00.000Z` }), 'recorded');
      }
      assert.equal(await passkeys.recordUse(passkey.userId, passkey.id, { counter: 1, backedUp: true, usedAt: '2030-01-07T00:00:00.000Z' }), 'recorded');
      assert.equal(await passkeys.recordUse(passkey.userId, passkey.id, { counter: 0, backedUp: true, usedAt: '2030-01-08T00:00:00.000Z' }), 'counter-regressed');
    });

    it('records one of 10 uses racing with one counter value', async () => {
      const passkey = somePasskey(randomUUID(), { counter: 1 });
      await passkeys.add(passkey);
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, () => subject.open().recordUse(passkey.userId, passkey.id, { counter: 2, backedUp: true, usedAt: '2030-01-09T00:00:00.000Z' })),
      );
      assert.deepEqual(outcomes.sort(), ['counter-regressed', ...Array(8).fill('counter-regressed'), 'recorded'].sort());
    });

    it('answers missing for a use of a passkey that is not this user’s', async () => {
      const passkey = somePasskey(randomUUID());
      await passkeys.add(passkey);
      assert.equal(await passkeys.recordUse(randomUUID(), passkey.id, { counter: 0, backedUp: true, usedAt: '2030-01-10T00:00:00.000Z' }), 'missing');
      assert.equal((await passkeys.find(passkey.id))?.lastUsedAt, undefined);
    });

    it("renames and removes a user's own passkey only", async () => {
      const passkey = somePasskey(randomUUID());
      const stranger = randomUUID();
      await passkeys.add(passkey);
      assert.equal(await passkeys.rename(stranger, passkey.id, 'Mine now'), false);
      assert.equal(await passkeys.remove(stranger, passkey.id), false);
      assert.equal((await passkeys.find(passkey.id))?.name, passkey.name);

      assert.equal(await passkeys.rename(passkey.userId, passkey.id, 'Work laptop'), true);
      assert.equal((await passkeys.find(passkey.id))?.name, 'Work laptop');
      assert.equal(await passkeys.remove(passkey.userId, passkey.id), true);
      assert.equal(await passkeys.find(passkey.id), undefined);
      assert.deepEqual(await passkeys.listFor(passkey.userId), []);
      assert.equal(await passkeys.remove(passkey.userId, passkey.id), false);
      assert.equal(await passkeys.rename(passkey.userId, passkey.id, 'Gone'), false);
      // The id is free again (the lookup went with the passkey).
      await passkeys.add({ ...passkey, userId: stranger });
      assert.equal((await passkeys.find(passkey.id))?.userId, stranger);
    });
  });
}
