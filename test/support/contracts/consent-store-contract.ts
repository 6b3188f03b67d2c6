/**
 * What every `ConsentStore` must do, run against the DynamoDB adapter on DynamoDB Local
 * (test/integration) and against the in-memory fake (test/unit).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Clock } from '../../../lib/clock.js';
import { consentCovers, type ConsentStore } from '../../../lib/oidc/consent-store.js';

export interface ConsentStoreSubject {
  /** Runs before the cases (e.g. creates tables); `open` is called only after it. */
  setUp?(): Promise<void>;
  tearDown?(): Promise<void>;
  /** A store over the suite's shared state, as another instance would open it (its own client). */
  open(): ConsentStore;
}

/** `subjectFor` gets the clock every store of the suite must use; the cases drive it. */
export function describeConsentStoreContract(name: string, subjectFor: (clock: Clock) => ConsentStoreSubject): void {
  describe(`ConsentStore contract: ${name}`, () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    const clock: Clock = () => now;
    const subject = subjectFor(clock);
    let consents: ConsentStore;
    let other: ConsentStore;

    before(async () => {
      await subject.setUp?.();
      consents = subject.open();
      other = subject.open();
    });
    after(() => subject.tearDown?.());

    it('finds nothing before a grant, then the granted scopes sorted and deduplicated', async () => {
      assert.equal(await consents.find('u-first', 'app'), undefined);
      const granted = await consents.grant('u-first', 'app', ['profile', 'openid', 'profile']);
      const at = new Date(now).toISOString();
      assert.deepEqual(granted, { userId: 'u-first', clientId: 'app', scopes: ['openid', 'profile'], grantedAt: at, updatedAt: at });
      assert.deepEqual(await other.find('u-first', 'app'), granted);
      assert.equal(await other.find('u-first', 'another-app'), undefined);
      assert.equal(await other.find('u-other', 'app'), undefined);
    });

    it('adds scopes to an earlier grant, keeping when it was first granted', async () => {
      const first = await consents.grant('u-more', 'app', ['openid', 'email']);
      now += 60_000;
      const second = await other.grant('u-more', 'app', ['openid', 'offline_access']);
      assert.deepEqual(second.scopes, ['email', 'offline_access', 'openid']);
      assert.equal(second.grantedAt, first.grantedAt);
      assert.equal(second.updatedAt, new Date(now).toISOString());
      assert.deepEqual(await consents.find('u-more', 'app'), second);
    });

    it('keeps every scope of grants racing for one user and client', async () => {
      await Promise.all([
        consents.grant('u-race', 'app', ['openid', 'profile']),
        other.grant('u-race', 'app', ['openid', 'email']),
        subject.open().grant('u-race', 'app', ['openid', 'offline_access']),
      ]);
      assert.deepEqual((await consents.find('u-race', 'app'))?.scopes, ['email', 'offline_access', 'openid', 'profile']);
    });

    it('lists only the user’s consents, ordered by client id', async () => {
      await consents.grant('u-list', 'zeta', ['openid']);
      await consents.grant('u-list', 'alpha', ['openid', 'email']);
      await consents.grant('u-list-2', 'beta', ['openid']);
      const listed = await other.listFor('u-list');
      assert.deepEqual(listed.map((c) => [c.clientId, c.scopes]), [['alpha', ['email', 'openid']], ['zeta', ['openid']]]);
      assert.deepEqual(await other.listFor('u-nobody'), []);
    });

    it('revokes one consent, answering whether there was one', async () => {
      await consents.grant('u-revoke', 'app', ['openid']);
      await consents.grant('u-revoke', 'kept', ['openid']);
      assert.equal(await other.revoke('u-revoke', 'app'), true);
      assert.equal(await consents.find('u-revoke', 'app'), undefined);
      assert.equal(await consents.revoke('u-revoke', 'app'), false);
      assert.deepEqual((await consents.listFor('u-revoke')).map((c) => c.clientId), ['kept']);
    });

    it('revokes every consent of one user and nobody else’s', async () => {
      await consents.grant('u-delete', 'a', ['openid']);
      await consents.grant('u-delete', 'b', ['openid', 'profile']);
      await consents.grant('u-stays', 'a', ['openid']);
      assert.equal(await other.revokeAllFor('u-delete'), 2);
      assert.deepEqual(await consents.listFor('u-delete'), []);
      assert.equal(await consents.revokeAllFor('u-delete'), 0);
      assert.ok(await consents.find('u-stays', 'a'));
    });

    it('covers a request only when every requested scope was granted', async () => {
      const consent = await consents.grant('u-cover', 'app', ['openid', 'profile']);
      assert.equal(consentCovers(consent, ['openid']), true);
      assert.equal(consentCovers(consent, ['profile', 'openid']), true);
      assert.equal(consentCovers(consent, ['openid', 'offline_access']), false);
      assert.equal(consentCovers(undefined, ['openid']), false);
    });
  });
}
