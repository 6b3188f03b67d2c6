import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UnprotectError } from '../../lib/dataprotection/unprotect-error.js';
import type { DataProtector } from '../../lib/dataprotection/data-protector.js';
import { InMemoryKeyRingRepository } from '../support/in-memory-key-ring-repository.js';
import { SESSION_COOKIE, Sessions } from '../../lib/session/sessions.js';
import { InMemoryTtlStore } from '../support/in-memory-ttl-store.js';
import { DAY_S, cookieValue, eventWith, tamper, testClock, testProtector } from './session-fixtures.js';

const IDLE_S = 8 * 60 * 60;
const ABSOLUTE_S = 7 * DAY_S;

function setup(options: { protector?: DataProtector; clock?: ReturnType<typeof testClock> } = {}) {
  const clock = options.clock ?? testClock();
  const store = new InMemoryTtlStore(clock);
  const protector = options.protector ?? testProtector(clock);
  const sessions = new Sessions({ protector, store, settings: { absoluteLifetimeS: ABSOLUTE_S, idleTimeoutS: IDLE_S }, clock });
  const withCookie = (value: string) => eventWith({ method: 'GET', cookies: { [SESSION_COOKIE]: value } });
  return { clock, store, protector, sessions, withCookie };
}

describe('Sessions: issuing and reading', () => {
  it('issues a __Host- cookie that reads back as the same session', async () => {
    const { sessions, withCookie, clock } = setup();
    const { session, cookie } = await sessions.start({ subject: 'user-1', methods: ['pwd'] });
    assert.match(cookie, /^__Host-session=[A-Za-z0-9_-]+; Path=\/; Max-Age=28800; HttpOnly; Secure; SameSite=Lax$/);
    assert.match(session.sessionId, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(session.authTime, clock() / 1000);
    assert.equal(session.expiresAt, clock() / 1000 + ABSOLUTE_S);

    const current = await sessions.read(withCookie(cookieValue(cookie)));
    assert.deepEqual(current, { session });
  });

  it('gives every session its own random id', async () => {
    const { sessions } = setup();
    const ids = new Set<string>();
    for (let i = 0; i < 50; i++) ids.add((await sessions.start({ subject: 'u', methods: ['otp'] })).session.sessionId);
    assert.equal(ids.size, 50);
  });

  it('reads a cookie issued by another instance sharing the key ring', async () => {
    const clock = testClock();
    const repository = new InMemoryKeyRingRepository();
    const a = setup({ clock, protector: testProtector(clock, repository) });
    const b = setup({ clock, protector: testProtector(clock, repository) });
    const { session, cookie } = await a.sessions.start({ subject: 'user-1', methods: ['pwd', 'otp'] });
    assert.deepEqual((await b.sessions.read(b.withCookie(cookieValue(cookie))))?.session, session);
  });

  it('treats a missing, empty, tampered, truncated or foreign cookie as no session', async () => {
    const { sessions, withCookie } = setup();
    const value = cookieValue((await sessions.start({ subject: 'user-1', methods: ['pwd'] })).cookie);
    assert.equal(await sessions.read(eventWith({ method: 'GET' })), undefined);
    for (const variant of ['', 'garbage', '%%%', tamper(value), tamper(value, 10), value.slice(0, -1), value + 'AAAA']) {
      assert.equal(await sessions.read(withCookie(variant)), undefined, JSON.stringify(variant));
    }
    // Made under another key ring (another deployment): unknown key.
    const other = setup();
    const foreign = cookieValue((await other.sessions.start({ subject: 'user-1', methods: ['pwd'] })).cookie);
    assert.equal(await sessions.read(withCookie(foreign)), undefined);
  });

  it('refuses a payload protected for another purpose, even with the right shape', async () => {
    const { sessions, protector, withCookie, clock } = setup();
    const { session } = await sessions.start({ subject: 'user-1', methods: ['pwd'] });
    const nowS = clock() / 1000;
    const claims = { v: 1, sub: 'user-1', sid: session.sessionId, at: nowS, amr: ['pwd'], iat: nowS, exp: nowS + 60 };
    const forged = await protector.forPurpose('antiforgery-cookie').protectJson(claims);
    assert.equal(await sessions.read(withCookie(forged)), undefined);
    // The same claims under the right purpose do read: the purpose made the difference.
    const genuine = await protector.forPurpose('session').protectJson(claims);
    assert.equal((await sessions.read(withCookie(genuine)))?.session.subject, 'user-1');
  });

  it('refuses claims of the wrong shape under the right purpose', async () => {
    const { protector, sessions, withCookie, clock } = setup();
    const nowS = clock() / 1000;
    const good = { v: 1, sub: 'user-1', sid: 'A'.repeat(22), at: nowS, amr: ['pwd'], iat: nowS, exp: nowS + 60 };
    for (const bad of [{ ...good, v: 2 }, { ...good, sub: '' }, { ...good, amr: ['admin'] }, { ...good, amr: [] }, { ...good, sid: 'short' }, 'a string']) {
      const value = await protector.forPurpose('session').protectJson(bad);
      assert.equal(await sessions.read(withCookie(value)), undefined, JSON.stringify(bad));
    }
  });

  it('lets an infrastructure failure through instead of calling it "signed out"', async () => {
    const failing: DataProtector = {
      forPurpose: () => failing,
      protect: async () => 'x',
      unprotect: async () => {
        throw Object.assign(new Error('KMS down'), { name: 'KeyWrapperUnavailableError' });
      },
      protectJson: async () => 'x',
      unprotectJson: async () => {
        throw Object.assign(new Error('KMS down'), { name: 'KeyWrapperUnavailableError' });
      },
    };
    const { sessions, withCookie } = setup({ protector: failing });
    await assert.rejects(sessions.read(withCookie('anything')), { name: 'KeyWrapperUnavailableError' });
    const refusing: DataProtector = { ...failing, forPurpose: () => refusing, unprotectJson: async () => { throw new UnprotectError('bad_tag'); } };
    assert.equal(await setup({ protector: refusing }).sessions.read(withCookie('anything')), undefined);
  });
});

describe('Sessions: idle and absolute lifetime', () => {
  it('expires after the idle timeout without activity', async () => {
    const { sessions, withCookie, clock } = setup();
    const value = cookieValue((await sessions.start({ subject: 'u', methods: ['pwd'] })).cookie);
    clock.advance(IDLE_S - 1);
    assert.ok(await sessions.read(withCookie(value)));
    clock.advance(1);
    assert.equal(await sessions.read(withCookie(value)), undefined);
  });

  it('does not renew during the first half of the idle window', async () => {
    const { sessions, withCookie, clock } = setup();
    const value = cookieValue((await sessions.start({ subject: 'u', methods: ['pwd'] })).cookie);
    clock.advance(IDLE_S / 2);
    const current = await sessions.read(withCookie(value));
    assert.ok(current);
    assert.equal(current.renewedCookie, undefined);
  });

  it('renews past half the idle window: same session id, later idle expiry, same absolute expiry', async () => {
    const { sessions, withCookie, clock } = setup();
    const { session, cookie } = await sessions.start({ subject: 'u', methods: ['pwd'] });
    clock.advance(IDLE_S / 2 + 1);
    const current = await sessions.read(withCookie(cookieValue(cookie)));
    assert.ok(current?.renewedCookie, 'a renewed cookie is handed back');
    assert.match(current.renewedCookie, /^__Host-session=.*; Max-Age=28800; HttpOnly; Secure; SameSite=Lax$/);
    assert.equal(current.session.sessionId, session.sessionId);
    assert.equal(current.session.authTime, session.authTime);
    assert.equal(current.session.expiresAt, session.expiresAt);
    assert.equal(current.session.issuedAt, clock() / 1000);

    // The old cookie dies at its idle bound; the renewed one lives on.
    clock.advance(IDLE_S / 2);
    assert.equal(await sessions.read(withCookie(cookieValue(cookie))), undefined);
    assert.equal((await sessions.read(withCookie(cookieValue(current.renewedCookie))))?.session.sessionId, session.sessionId);
  });

  it('never outlives the absolute lifetime, however active the user is', async () => {
    const { sessions, withCookie, clock } = setup();
    const { session, cookie } = await sessions.start({ subject: 'u', methods: ['pwd'] });
    let value = cookieValue(cookie);
    let lastSeen = 0;
    for (let elapsed = 0; elapsed < ABSOLUTE_S + IDLE_S; elapsed += IDLE_S / 2 + 60) {
      const current = await sessions.read(withCookie(value));
      if (!current) break;
      lastSeen = clock() / 1000;
      assert.ok(current.session.idleExpiresAt <= session.expiresAt);
      if (current.renewedCookie) value = cookieValue(current.renewedCookie);
      clock.advance(IDLE_S / 2 + 60);
    }
    assert.ok(lastSeen < session.expiresAt, 'the session was never seen past its absolute expiry');
    assert.ok(lastSeen > session.expiresAt - IDLE_S, 'but it was kept alive until close to it');
    clock.advance(-(clock() / 1000 - session.expiresAt));
    assert.equal(await sessions.read(withCookie(value)), undefined, 'dead at the absolute bound');
  });

  it('sets a cookie Max-Age that ends at the absolute bound near the end', async () => {
    const { sessions, withCookie, clock } = setup();
    const { cookie } = await sessions.start({ subject: 'u', methods: ['pwd'] });
    let value = cookieValue(cookie);
    let last = cookie;
    // Keep active to within an idle window of the absolute bound.
    while (clock() / 1000 < Date.UTC(2030, 0, 1) / 1000 + ABSOLUTE_S - IDLE_S / 2) {
      clock.advance(IDLE_S / 2 + 1);
      const current = await sessions.read(withCookie(value));
      assert.ok(current);
      if (current.renewedCookie) {
        value = cookieValue(current.renewedCookie);
        last = current.renewedCookie;
      }
    }
    const maxAge = Number(/Max-Age=(\d+)/.exec(last)?.[1]);
    assert.ok(maxAge < IDLE_S, `Max-Age ${maxAge} is capped by the absolute bound`);
  });
});

describe('Sessions: revocation', () => {
  it('verify checks revocation with one batch read; read does not', async () => {
    const { sessions, withCookie, store, clock } = setup();
    const { session, cookie } = await sessions.start({ subject: 'u', methods: ['pwd'] });
    const event = withCookie(cookieValue(cookie));
    assert.ok(await sessions.verify(event));
    assert.deepEqual([store.calls.getMany, store.calls.get], [1, 0], 'revocation and the user\'s cutoff in one BatchGetItem');

    clock.advance(60);
    await sessions.revoke(session);
    const item = await store.get(`session-revoked#${session.sessionId}`);
    assert.ok(item, 'a session-revoked#<sid> item');
    assert.equal(item.ttl, session.expiresAt, 'kept until the session could no longer be used anyway');

    assert.equal(await sessions.verify(event), undefined);
    assert.ok(await sessions.read(event), 'read is unprotect only');
    assert.equal(await sessions.isRevoked(session.sessionId), true);
  });

  it('revoking one session leaves another session of the same user alone', async () => {
    const { sessions, withCookie } = setup();
    const first = await sessions.start({ subject: 'u', methods: ['pwd'] });
    const second = await sessions.start({ subject: 'u', methods: ['pwd'] });
    await sessions.revoke(first.session);
    assert.equal(await sessions.verify(withCookie(cookieValue(first.cookie))), undefined);
    assert.ok(await sessions.verify(withCookie(cookieValue(second.cookie))));
  });

  it('a renewed cookie of a revoked session stays revoked', async () => {
    const { sessions, withCookie, clock } = setup();
    const { session, cookie } = await sessions.start({ subject: 'u', methods: ['pwd'] });
    clock.advance(IDLE_S / 2 + 1);
    const renewed = (await sessions.read(withCookie(cookieValue(cookie))))?.renewedCookie;
    assert.ok(renewed);
    await sessions.revoke(session);
    assert.equal(await sessions.verify(withCookie(cookieValue(renewed))), undefined);
  });

  it('clears the cookie with matching attributes', () => {
    const { sessions } = setup();
    assert.match(sessions.clearCookie(), /^__Host-session=; Path=\/; Max-Age=0; .*HttpOnly; Secure; SameSite=Lax$/);
  });
});
