/**
 * GrantStore's single use, replay, atomic redemption and refresh rotation (with its grace
 * window) over the in-memory TTL store (contract-tested against DynamoDB), with a driven clock.
 * The token endpoint on top of it, on DynamoDB Local, is in
 * test/integration/oidc-token-flows.test.ts.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { GrantStore, grantIdForCode, isUsableGrant, type AuthorizationCode } from '../../lib/oidc/grant-store.js';
import type { CacheFields } from '../../lib/ttl-store.js';
import { InMemoryTtlStore } from '../support/in-memory-ttl-store.js';

const CODE_TTL_S = 60;
const GRACE_S = 30;
const FAMILY_S = 86_400;
const ACCESS_TOKEN_S = 600;
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

function setup(refreshReuseGraceS = GRACE_S) {
  let now = Date.UTC(2030, 0, 1);
  const clock = () => now;
  const cache = new InMemoryTtlStore(clock);
  const grants = new GrantStore({ cache, clock, refreshReuseGraceS });
  const advance = (seconds: number) => {
    now += seconds * 1000;
  };
  const nowS = () => Math.floor(now / 1000);
  /** A code redeemed with a refresh family, as the token endpoint does it. */
  const family = async () => {
    const code = await grants.issueCode({ ...REQUEST, scopes: [...REQUEST.scopes, 'offline_access'] }, CODE_TTL_S);
    const issued = (await grants.findCode(code))!;
    // The grant outlives its family by the last access token's lifetime, as the token endpoint has it.
    const redemption = await grants.redeemCode(issued, { grantTtlS: FAMILY_S + ACCESS_TOKEN_S, familyExpiresAtS: nowS() + FAMILY_S });
    assert.equal(redemption.outcome, 'redeemed');
    return { grantId: issued.grantId, token: (redemption as { refreshToken: string }).refreshToken };
  };
  const rotate = (token: string, clientId = REQUEST.clientId) => grants.rotateRefreshToken(token, clientId);
  return { cache, grants, advance, nowS, family, rotate };
}

/** Every update is sent twice, as the SDK does when the first answer is lost: the caller sees the second answer. */
function retryEveryUpdateOnce(cache: InMemoryTtlStore): void {
  const tryUpdate = cache.tryUpdate.bind(cache);
  // `update` goes through `tryUpdate` too.
  cache.tryUpdate = async <T extends CacheFields>(...args: Parameters<InMemoryTtlStore['tryUpdate']>) => {
    await tryUpdate(...args);
    return tryUpdate<T>(...args);
  };
}

describe('GrantStore codes', () => {
  it('finds a code without spending it, then redeems it once: grant active with its first refresh token, one conditional write', async () => {
    const { cache, grants, nowS } = setup();
    const code = await grants.issueCode(REQUEST, CODE_TTL_S);
    const grantId = grantIdForCode(code);
    assert.equal((await grants.grant(grantId))?.status, 'pending');
    const issued = await grants.findCode(code);
    assert.deepEqual(issued, { ...REQUEST, grantId });
    assert.deepEqual(await grants.findCode(code), issued, 'reading does not spend');

    const before = { ...cache.calls };
    const redemption = await grants.redeemCode(issued!, { grantTtlS: 3600, familyExpiresAtS: nowS() + FAMILY_S });
    assert.deepEqual([cache.calls.update - before.update, cache.calls.transact - before.transact], [1, 0], 'one UpdateItem, no transaction');
    assert.equal(redemption.outcome, 'redeemed');
    const token = (redemption as { refreshToken: string }).refreshToken;
    assert.ok(isUsableGrant(await grants.grant(grantId)));
    assert.deepEqual(await grants.refreshToken(token), {
      clientId: 'app', subject: 'user-1', scopes: ['openid', 'email'], authTimeS: REQUEST.authTimeS, amr: ['pwd'], sessionId: 'sid-1',
      grantId, status: 'active', ttl: nowS() + FAMILY_S, spent: [],
    });
    assert.match(token, /^[A-Za-z0-9_-]{32}\.[A-Za-z0-9_-]{43}$/, '<grant id>.<secret>');
    assert.equal(token.split('.')[0], grantId);
    assert.deepEqual(await grants.redeemCode(issued!, { grantTtlS: 3600 }), { outcome: 'invalid' }, 'redeemed once');
  });

  it('revokes the grant when a redeemed code comes back, or when a concurrent redemption wins', async () => {
    const { grants } = setup();
    const code = await grants.issueCode(REQUEST, CODE_TTL_S);
    const issued = (await grants.findCode(code))!;
    // Two requests read the code; the first to write wins, the second is a replay.
    assert.equal((await grants.redeemCode(issued, { grantTtlS: 3600 })).outcome, 'redeemed');
    assert.deepEqual(await grants.redeemCode(issued, { grantTtlS: 3600 }), { outcome: 'invalid' });
    assert.equal((await grants.grant(issued.grantId))?.revoked, true);
  });

  it('an SDK retry of a redemption whose first attempt committed unseen is the same redemption, not a replay', async () => {
    const { cache, grants, nowS } = setup();
    const issued = (await grants.findCode(await grants.issueCode(REQUEST, CODE_TTL_S)))!;
    retryEveryUpdateOnce(cache);
    const redemption = await grants.redeemCode(issued, { grantTtlS: 3600, familyExpiresAtS: nowS() + FAMILY_S });
    assert.equal(redemption.outcome, 'redeemed');
    assert.ok(isUsableGrant(await grants.grant(issued.grantId)), 'not revoked');
    assert.equal((await grants.refreshToken((redemption as { refreshToken: string }).refreshToken))?.status, 'active');
  });

  it('of 10 concurrent redemptions exactly one wins', async () => {
    const { grants } = setup();
    const code = await grants.issueCode(REQUEST, CODE_TTL_S);
    const issued = (await grants.findCode(code))!;
    const results = await Promise.all(Array.from({ length: 10 }, () => grants.redeemCode(issued, { grantTtlS: 3600 })));
    assert.equal(results.filter((r) => r.outcome === 'redeemed').length, 1);
  });

  it('never redeems a code whose grant was revoked (a refused exchange), nor an expired or unknown code', async () => {
    const { grants, advance } = setup();
    const refused = await grants.issueCode(REQUEST, CODE_TTL_S);
    const issued = (await grants.findCode(refused))!;
    await grants.revokeGrant(issued.grantId);
    assert.deepEqual(await grants.redeemCode(issued, { grantTtlS: 3600 }), { outcome: 'invalid' });
    assert.equal((await grants.grant(issued.grantId))?.status, 'pending');

    const code = await grants.issueCode(REQUEST, CODE_TTL_S);
    advance(CODE_TTL_S + 1);
    assert.equal(await grants.findCode(code), undefined);
    assert.equal(await grants.findCode('never-issued'), undefined);
  });

  it('writes nothing when the redemption fails: the code stays redeemable and the grant pending', async () => {
    const { cache, grants, nowS } = setup();
    const code = await grants.issueCode(REQUEST, CODE_TTL_S);
    const issued = (await grants.findCode(code))!;
    // An outage at the one write (a conditional UpdateItem: all or nothing).
    const tryUpdate = cache.tryUpdate.bind(cache);
    cache.tryUpdate = async () => {
      throw new Error('injected outage');
    };
    await assert.rejects(grants.redeemCode(issued, { grantTtlS: 3600, familyExpiresAtS: nowS() + FAMILY_S }), /injected/);
    cache.tryUpdate = tryUpdate;
    assert.equal((await grants.grant(issued.grantId))?.status, 'pending');
    assert.equal((await grants.redeemCode((await grants.findCode(code))!, { grantTtlS: 3600 })).outcome, 'redeemed');
  });
});

describe('GrantStore refresh tokens', () => {
  it('rotate once: the old token is spent and the successor stored with the grant facts', async () => {
    const { grants, family, rotate, nowS } = setup();
    const { grantId, token } = await family();
    const rotation = await rotate(token);
    assert.equal(rotation.outcome, 'rotated');
    const successor = (rotation as { successor: string }).successor;
    assert.match(successor, new RegExp(`^${grantId}\\.[A-Za-z0-9_-]{43}$`));
    assert.equal((await grants.refreshToken(token))?.status, 'rotated');
    const next = await grants.refreshToken(successor);
    assert.equal(next?.status, 'active');
    assert.equal(next?.grantId, grantId);
    assert.equal(next?.ttl, nowS() + FAMILY_S, 'rotation does not extend the family');
  });

  it('within the grace window, a rotated token whose successor is unused gets that same successor, and revokes nothing', async () => {
    const { grants, family, rotate, advance } = setup();
    const { grantId, token } = await family();
    const first = await rotate(token);
    advance(GRACE_S - 1);
    assert.deepEqual(await rotate(token), first, 'a retry after a lost response');
    assert.ok(isUsableGrant(await grants.grant(grantId)));
    const successor = (first as { successor: string }).successor;
    assert.equal((await rotate(successor)).outcome, 'rotated', 'the successor works');
  });

  it('a rotated token is reuse once its successor has been used, even within the grace window', async () => {
    const { grants, family, rotate } = setup();
    const { grantId, token } = await family();
    const first = (await rotate(token)) as { successor: string };
    await rotate(first.successor);
    assert.deepEqual(await rotate(token), { outcome: 'reused' });
    assert.equal((await grants.grant(grantId))?.revoked, true);
  });

  it('a rotated token is reuse after the grace window, and the whole family dies', async () => {
    const { grants, family, rotate, advance } = setup();
    const { grantId, token } = await family();
    const first = (await rotate(token)) as { successor: string };
    advance(GRACE_S);
    assert.deepEqual(await rotate(token), { outcome: 'reused' });
    assert.equal((await grants.grant(grantId))?.revoked, true);
    assert.deepEqual(await rotate(first.successor), { outcome: 'revoked' });
  });

  it('with no grace window, a rotated token is reuse at once', async () => {
    const { family, rotate } = setup(0);
    const { token } = await family();
    await rotate(token);
    assert.deepEqual(await rotate(token), { outcome: 'reused' });
  });

  it('of 10 concurrent rotations of one token (two tabs, a retry) all get the one successor stored, and nothing is revoked', async () => {
    const { grants, family } = setup();
    const { grantId, token } = await family();
    const results = await Promise.all(Array.from({ length: 10 }, () => grants.rotateRefreshToken(token, REQUEST.clientId)));
    const successors = new Set(results.map((r) => (r as { successor?: string }).successor));
    assert.equal(successors.size, 1, JSON.stringify(results));
    assert.ok(results.every((r) => r.outcome === 'rotated'));
    assert.ok(isUsableGrant(await grants.grant(grantId)));
  });

  it('a refresh token stored before tokens carried their grant facts takes them from its grant, and rotates', async () => {
    const { cache, grants, nowS, family } = setup();
    const { grantId, token } = await family();
    // The shape deployed stages stored until now: grant id, client and status only.
    const legacy = 'legacy-refresh-token-0123456789';
    const key = `oidc-refresh#${createHash('sha256').update(legacy).digest('base64url')}`;
    await cache.put(key, { grantId, clientId: 'app', status: 'active' }, FAMILY_S);
    const record = await grants.refreshToken(legacy);
    const { spent: _, ...current } = (await grants.refreshToken(token))!;
    assert.deepEqual(record, { ...current, ttl: nowS() + FAMILY_S });
    const rotation = await grants.rotateRefreshToken(legacy, 'app');
    assert.equal(rotation.outcome, 'rotated');
    const { status: _status, ttl: _ttl, ...facts } = current;
    assert.deepEqual((rotation as { grant: unknown }).grant, facts, 'the grant facts the legacy item took from its grant');
    assert.deepEqual(await grants.rotateRefreshToken(legacy, 'other-app'), { outcome: 'invalid' }, "another client's legacy token");
  });

  it('an SDK retry of a rotation whose first attempt committed unseen gets the same successor, and revokes nothing', async () => {
    const { cache, grants, family, rotate } = setup(0);
    const { grantId, token } = await family();
    retryEveryUpdateOnce(cache);
    const rotation = await rotate(token);
    assert.equal(rotation.outcome, 'rotated', 'no grace window: only the write id tells the retry from reuse');
    assert.ok(isUsableGrant(await grants.grant(grantId)));
    assert.equal((await grants.refreshToken((rotation as { successor: string }).successor))?.status, 'active');
  });

  it('a spent token the family remembers (the last 8 at least) is reuse; an older or made-up one is refused and revokes nothing', async () => {
    const { grants, family, rotate } = setup(0);
    const { grantId, token } = await family();
    const tokens = [token];
    // The spent list is cut back to 8 once it holds 16: after 16 rotations it holds 8.
    for (let i = 0; i < 16; i++) tokens.push(((await rotate(tokens.at(-1)!)) as { successor: string }).successor);
    assert.equal(await grants.refreshToken(tokens[7]!), undefined, 'nine rotations ago: forgotten');
    for (const forgotten of [tokens[7]!, `${grantId}.${'A'.repeat(43)}`]) assert.deepEqual(await rotate(forgotten), { outcome: 'invalid' });
    assert.ok(isUsableGrant(await grants.grant(grantId)), 'neither a forgotten token nor a guess at a known grant id revokes anything');
    assert.equal((await grants.refreshToken(tokens[8]!))?.status, 'rotated', 'eight rotations ago: remembered');
    assert.deepEqual(await rotate(tokens[8]!), { outcome: 'reused' });
    assert.equal((await grants.grant(grantId))?.revoked, true);
  });

  it('rotates in one request with no read before it, and answers the facts the new tokens are made of', async () => {
    const { cache, family, rotate } = setup();
    const { grantId, token } = await family();
    const before = { ...cache.calls };
    const rotation = await rotate(token);
    assert.deepEqual({ update: cache.calls.update - before.update, get: cache.calls.get - before.get }, { update: 1, get: 0 });
    const { redirectUri: _r, nonce: _n, codeChallenge: _c, codeChallengeMethod: _m, ...facts } = REQUEST;
    assert.deepEqual((rotation as { grant: unknown }).grant, { ...facts, scopes: [...REQUEST.scopes, 'offline_access'], grantId });
  });

  it("refuses another client's token, a guess and a token of no family, and writes nothing", async () => {
    const { cache, grants, family, rotate } = setup();
    const { grantId, token } = await family();
    assert.deepEqual(await rotate(token, 'other-app'), { outcome: 'invalid' });
    assert.deepEqual(await rotate(`${'B'.repeat(32)}.${'A'.repeat(43)}`), { outcome: 'invalid' }, 'no such grant');
    const code = await grants.issueCode(REQUEST, CODE_TTL_S);
    await grants.redeemCode((await grants.findCode(code))!, { grantTtlS: 3600 });
    assert.deepEqual(await rotate(`${grantIdForCode(code)}.${'A'.repeat(43)}`), { outcome: 'invalid' }, 'a grant without a family');
    assert.equal((await grants.refreshToken(token))?.status, 'active', 'the real token is untouched');
    assert.ok(isUsableGrant(await grants.grant(grantId)));
    assert.equal(cache.calls.transact, 0);
  });

  it('rotate nothing for a revoked grant, and refuse to outlive the family', async () => {
    const { grants, family, rotate, advance } = setup();
    const revoked = await family();
    await grants.revokeGrant(revoked.grantId);
    assert.deepEqual(await rotate(revoked.token), { outcome: 'revoked' });
    assert.equal((await grants.refreshToken(revoked.token))?.status, 'active', 'nothing spent');

    const { token } = await family();
    advance(FAMILY_S);
    assert.deepEqual(await rotate(token), { outcome: 'expired' });
    advance(ACCESS_TOKEN_S);
    assert.deepEqual(await rotate(token), { outcome: 'invalid' }, 'the grant is gone too');
  });
});
