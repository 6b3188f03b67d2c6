/**
 * A user's grants listed and revoked at once (GrantStore.familiesOf, revokeAllFor,
 * revokeClientFor) over the contract-tested in-memory TTL store: the grant item carries its
 * owner, so the code exchange writes nothing more than before.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GrantStore, type AuthorizationCode } from '../../lib/oidc/grant-store.js';
import { InMemoryTtlStore } from '../support/in-memory-ttl-store.js';

const FAMILY_S = 86_400;

function request(subject: string, clientId: string): Omit<AuthorizationCode, 'grantId'> {
  return { clientId, subject, scopes: ['openid', 'offline_access'], authTimeS: 1, amr: ['pwd'], redirectUri: 'https://app.example/cb' };
}

function setup() {
  let now = Date.UTC(2030, 0, 1);
  const clock = () => now;
  const cache = new InMemoryTtlStore(clock);
  const grants = new GrantStore({ cache, clock, refreshReuseGraceS: 30 });
  const nowS = () => Math.floor(now / 1000);
  /** A redeemed code: with a refresh family unless `withRefresh` is false. */
  const redeemed = async (subject: string, clientId: string, withRefresh = true) => {
    const code = await grants.issueCode(request(subject, clientId), 60);
    const issued = (await grants.findCode(code))!;
    const redemption = await grants.redeemCode(issued, { grantTtlS: FAMILY_S + 600, ...(withRefresh ? { familyExpiresAtS: nowS() + FAMILY_S } : {}) });
    assert.equal(redemption.outcome, 'redeemed');
    return { grantId: issued.grantId, refreshToken: redemption.outcome === 'redeemed' ? redemption.refreshToken : undefined };
  };
  return { cache, grants, redeemed, advance: (s: number) => (now += s * 1000) };
}

describe('GrantStore: a user\'s grants', () => {
  it('lists the families that can still refresh, nobody else\'s, at no extra write per code exchange', async () => {
    const { cache, grants, redeemed } = setup();
    const puts = { ...cache.calls };
    const mail = await redeemed('u1', 'mail');
    assert.deepEqual(
      [cache.calls.put - puts.put, cache.calls.update - puts.update, cache.calls.transact - puts.transact],
      [2, 1, 0],
      'issueCode: grant + code; redeem: one update of the grant',
    );
    await redeemed('u1', 'calendar', false);
    await redeemed('u2', 'mail');
    const revoked = await redeemed('u1', 'notes');
    await grants.revokeGrant(revoked.grantId);
    assert.deepEqual((await grants.familiesOf('u1')).map((g) => [g.clientId, g.grantId]), [['mail', mail.grantId]]);
  });

  it('revokes every grant of the user, pending codes too, and reports how many', async () => {
    const { grants, redeemed } = setup();
    const family = await redeemed('u1', 'mail');
    const other = await redeemed('u2', 'mail');
    const pendingCode = await grants.issueCode(request('u1', 'calendar'), 60);
    const pending = (await grants.findCode(pendingCode))!;

    assert.equal(await grants.revokeAllFor('u1'), 2);
    assert.equal((await grants.refreshToken(family.refreshToken!)) !== undefined, true);
    assert.deepEqual(await grants.rotateRefreshToken(family.refreshToken!, (await grants.refreshToken(family.refreshToken!))!.clientId), { outcome: 'revoked' });
    assert.deepEqual(await grants.redeemCode(pending, { grantTtlS: 60 }), { outcome: 'invalid' }, 'a code issued before cannot be redeemed');
    assert.equal((await grants.grant(other.grantId))?.revoked, false, 'another user is untouched');
    assert.equal(await grants.revokeAllFor('u1'), 0, 'revoked ones are not counted again');
  });

  it('revokes one client\'s grants of the user only', async () => {
    const { grants, redeemed } = setup();
    const mail = await redeemed('u1', 'mail');
    const mailAgain = await redeemed('u1', 'mail');
    const calendar = await redeemed('u1', 'calendar');
    assert.equal(await grants.revokeClientFor('u1', 'mail'), 2);
    assert.equal((await grants.grant(mail.grantId))?.revoked, true);
    assert.equal((await grants.grant(mailAgain.grantId))?.revoked, true);
    assert.equal((await grants.grant(calendar.grantId))?.revoked, false);
    assert.equal(await grants.revokeClientFor('u2', 'calendar'), 0);
  });

  it('ignores an item filed under the user whose facts name someone else, and grants past their expiry', async () => {
    const { cache, grants, redeemed, advance } = setup();
    await cache.put('oidc-grant#forged', { owner: 'u1', clientId: 'mail', subject: 'u2', scopes: [], authTimeS: 1, amr: [], status: 'active', revoked: false, familyExpiresAtS: 9_999_999_999 }, 600);
    assert.deepEqual(await grants.familiesOf('u1'), []);
    assert.equal(await grants.revokeAllFor('u1'), 0);
    await redeemed('u1', 'mail');
    advance(FAMILY_S + 1);
    assert.deepEqual(await grants.familiesOf('u1'), [], 'an ended family is not listed');
  });
});
