/**
 * GrantStore's single use, replay and refresh rotation over the in-memory TTL store
 * (contract-tested against DynamoDB), with a driven clock. The token endpoint on top of it, on
 * DynamoDB Local, is in test/integration/oidc-token-flows.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GrantStore, grantIdForCode, isUsableGrant, type AuthorizationCode } from '../../lib/oidc/grant-store.js';
import { InMemoryTtlStore } from '../support/in-memory-ttl-store.js';

const CODE_TTL_S = 60;
const REQUEST: Omit<AuthorizationCode, 'grantId'> = {
  clientId: 'app',
  subject: 'user-1',
  scopes: ['openid', 'email'],
  authTimeS: 1_893_456_000,
  amr: ['pwd'],
  sessionId: 'sid-1',
  redirectUri: 'https://app.example/cb',
  nonce: 'n-1',
  codeChallenge: 'challenge',
  codeChallengeMethod: 'S256',
};

function setup() {
  let now = Date.UTC(2030, 0, 1);
  const clock = () => now;
  const grants = new GrantStore({ cache: new InMemoryTtlStore(clock), clock });
  const advance = (seconds: number) => {
    now += seconds * 1000;
  };
  const nowS = () => Math.floor(now / 1000);
  return { grants, advance, nowS };
}

describe('GrantStore', () => {
  it('redeems a code once, with everything the request carried, and its grant pending until activated', async () => {
    const { grants } = setup();
    const code = await grants.issueCode(REQUEST, CODE_TTL_S);
    const grantId = grantIdForCode(code);
    assert.equal((await grants.grant(grantId))?.status, 'pending');
    assert.deepEqual(await grants.redeemCode(code), { outcome: 'redeemed', code: { ...REQUEST, grantId } });
    const active = await grants.activateGrant(grantId, 3600, undefined);
    assert.ok(isUsableGrant(active));
    assert.equal(await grants.activateGrant(grantId, 3600, undefined), undefined, 'activated once');
  });

  it('revokes the grant when a redeemed code comes back', async () => {
    const { grants } = setup();
    const code = await grants.issueCode(REQUEST, CODE_TTL_S);
    await grants.redeemCode(code);
    await grants.activateGrant(grantIdForCode(code), 3600, undefined);
    assert.deepEqual(await grants.redeemCode(code), { outcome: 'invalid' });
    const grant = await grants.grant(grantIdForCode(code));
    assert.equal(grant?.revoked, true);
    assert.equal(isUsableGrant(grant), false);
  });

  it('lets exactly one of 10 concurrent redemptions of one code win', async () => {
    const { grants } = setup();
    const code = await grants.issueCode(REQUEST, CODE_TTL_S);
    const results = await Promise.all(Array.from({ length: 10 }, () => grants.redeemCode(code)));
    assert.equal(results.filter((r) => r.outcome === 'redeemed').length, 1);
  });

  it('refuses an expired code, and an unknown one', async () => {
    const { grants, advance } = setup();
    const code = await grants.issueCode(REQUEST, CODE_TTL_S);
    advance(CODE_TTL_S);
    assert.deepEqual(await grants.redeemCode(code), { outcome: 'invalid' });
    assert.deepEqual(await grants.redeemCode('never-issued'), { outcome: 'invalid' });
  });

  it('rotates a refresh token once; the spent token coming back revokes the family', async () => {
    const { grants, nowS } = setup();
    const code = await grants.issueCode(REQUEST, CODE_TTL_S);
    const grantId = grantIdForCode(code);
    await grants.redeemCode(code);
    const familyExpiresAtS = nowS() + 86_400;
    const grant = (await grants.activateGrant(grantId, 86_400, familyExpiresAtS))!;
    const first = (await grants.issueRefreshToken(grant, familyExpiresAtS))!;
    const record = (await grants.refreshToken(first))!;
    assert.deepEqual(record, { grantId, clientId: 'app', status: 'active', ttl: familyExpiresAtS });

    const rotation = await grants.rotateRefreshToken(first, record, familyExpiresAtS);
    assert.equal(rotation.outcome, 'rotated');
    const successor = (rotation as { successor: string }).successor;
    assert.equal((await grants.refreshToken(successor))?.status, 'active');
    assert.equal((await grants.refreshToken(first))?.status, 'rotated');

    assert.deepEqual(await grants.rotateRefreshToken(first, (await grants.refreshToken(first))!, familyExpiresAtS), { outcome: 'reused' });
    assert.equal((await grants.grant(grantId))?.revoked, true);
  });

  it('of 10 concurrent rotations of one token one wins; the losers revoke the family', async () => {
    const { grants, nowS } = setup();
    const code = await grants.issueCode(REQUEST, CODE_TTL_S);
    const grantId = grantIdForCode(code);
    await grants.redeemCode(code);
    const familyExpiresAtS = nowS() + 86_400;
    const grant = (await grants.activateGrant(grantId, 86_400, familyExpiresAtS))!;
    const token = (await grants.issueRefreshToken(grant, familyExpiresAtS))!;
    const record = (await grants.refreshToken(token))!;
    const results = await Promise.all(Array.from({ length: 10 }, () => grants.rotateRefreshToken(token, record, familyExpiresAtS)));
    assert.equal(results.filter((r) => r.outcome === 'rotated').length, 1);
    assert.equal(results.filter((r) => r.outcome === 'reused').length, 9);
    assert.equal((await grants.grant(grantId))?.revoked, true);
  });

  it('issues no refresh token past the family lifetime, and spends nothing then', async () => {
    const { grants, advance, nowS } = setup();
    const code = await grants.issueCode(REQUEST, CODE_TTL_S);
    await grants.redeemCode(code);
    const familyExpiresAtS = nowS() + 100;
    const grant = (await grants.activateGrant(grantIdForCode(code), 100, familyExpiresAtS))!;
    const token = (await grants.issueRefreshToken(grant, familyExpiresAtS))!;
    const record = (await grants.refreshToken(token))!;
    advance(100);
    assert.equal(await grants.issueRefreshToken(grant, familyExpiresAtS), undefined);
    assert.deepEqual(await grants.rotateRefreshToken(token, record, familyExpiresAtS), { outcome: 'expired' });
  });

  it('remembers a revoked access token until it would have expired', async () => {
    const { grants, advance, nowS } = setup();
    await grants.revokeAccessToken('jti-1', nowS() + 300);
    await grants.revokeAccessToken('jti-old', nowS());
    assert.equal(await grants.isAccessTokenRevoked('jti-1'), true);
    assert.equal(await grants.isAccessTokenRevoked('jti-old'), false, 'an expired token needs no entry');
    advance(300);
    assert.equal(await grants.isAccessTokenRevoked('jti-1'), false);
  });
});
