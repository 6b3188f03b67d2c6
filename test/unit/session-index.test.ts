/**
 * Sessions listed per user (lib/session/session-index.ts) and ended all at once by a per-user
 * cutoff, over the contract-tested in-memory TTL store: what each step costs in store calls, and
 * that the cutoff ends exactly the sessions that existed when it was set, but the one kept.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeDevice } from '../../lib/session/session-index.js';
import { SESSION_COOKIE, Sessions } from '../../lib/session/sessions.js';
import { InMemoryTtlStore } from '../support/in-memory-ttl-store.js';
import { DAY_S, cookieValue, eventWith, testClock, testProtector } from './session-fixtures.js';

const IDLE_S = 8 * 60 * 60;
const ABSOLUTE_S = 7 * DAY_S;
const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const SAFARI_IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

function setup() {
  const clock = testClock();
  const store = new InMemoryTtlStore(clock);
  const sessions = new Sessions({ protector: testProtector(clock), store, settings: { absoluteLifetimeS: ABSOLUTE_S, idleTimeoutS: IDLE_S }, clock });
  const eventOf = (cookie: string) => eventWith({ method: 'GET', cookies: { [SESSION_COOKIE]: cookieValue(cookie) } });
  const callsSince = (before: InMemoryTtlStore['calls']) => Object.entries(store.calls).filter(([name, n]) => n !== before[name as keyof typeof before]).map(([name, n]) => `${name}+${n - before[name as keyof typeof before]}`);
  return { clock, store, sessions, eventOf, callsSince };
}

describe('Session index: where a user is signed in', () => {
  it('lists a new session with its browser and OS, at one write per sign-in', async () => {
    const { sessions, clock, store } = setup();
    const { session } = await sessions.start({ subject: 'u1', methods: ['pwd'], userAgent: FIREFOX_LINUX });
    assert.equal(store.calls.put, 1);
    clock.advance(5);
    await sessions.start({ subject: 'u1', methods: ['otp'], userAgent: SAFARI_IPHONE });
    await sessions.start({ subject: 'someone-else', methods: ['pwd'], userAgent: FIREFOX_LINUX });

    const listed = await sessions.listFor('u1');
    assert.deepEqual(
      listed.map(({ browser, os }) => `${browser} on ${os}`),
      ['Safari 17 on iOS', 'Firefox 128 on Linux'],
      'most recently used first, nobody else\'s',
    );
    assert.deepEqual(listed[1], { sessionId: session.sessionId, browser: 'Firefox 128', os: 'Linux', startedAtMs: session.startedAtMs, lastUsedAtS: session.issuedAt, expiresAtS: session.expiresAt });
  });

  it('describes a missing, empty or huge User-Agent without failing and without keeping it', () => {
    assert.deepEqual(describeDevice(undefined), { browser: 'Unknown browser', os: 'unknown system' });
    assert.deepEqual(describeDevice('   '), { browser: 'Unknown browser', os: 'unknown system' });
    const huge = describeDevice(`${'x'.repeat(5000)} Firefox/128.0`);
    assert.ok(huge.browser.length <= 40 && huge.os.length <= 40);
  });

  it('reads the cookie at no store call; sliding it touches "last used" with one update', async () => {
    const { sessions, clock, eventOf, store, callsSince } = setup();
    const { session, cookie } = await sessions.start({ subject: 'u1', methods: ['pwd'], userAgent: FIREFOX_LINUX });
    let before = { ...store.calls };
    clock.advance(IDLE_S / 2 - 10);
    assert.equal((await sessions.read(eventOf(cookie)))?.renewedCookie, undefined);
    assert.deepEqual(callsSince(before), [], 'no sliding, no call');

    clock.advance(20);
    before = { ...store.calls };
    const slid = await sessions.read(eventOf(cookie));
    assert.ok(slid?.renewedCookie);
    assert.deepEqual(callsSince(before), ['update+1']);
    assert.equal((await sessions.listFor('u1'))[0]?.lastUsedAtS, session.issuedAt + IDLE_S / 2 + 10);
  });

  it('does not bring back a signed-out session when its old cookie slides', async () => {
    const { sessions, clock, eventOf } = setup();
    const { session, cookie } = await sessions.start({ subject: 'u1', methods: ['pwd'] });
    await sessions.revoke(session);
    assert.deepEqual(await sessions.listFor('u1'), [], 'signing out unlists');
    clock.advance(IDLE_S / 2 + 1);
    assert.ok((await sessions.read(eventOf(cookie)))?.renewedCookie);
    assert.deepEqual(await sessions.listFor('u1'), []);
    assert.equal(await sessions.verify(eventOf(cookie)), undefined);
  });
});

describe('Sessions: ending every session of a user at once', () => {
  it('ends every session that exists, but the one kept, with one write, and checks it in the one batch read', async () => {
    const { sessions, eventOf, store, clock } = setup();
    const a = await sessions.start({ subject: 'u1', methods: ['pwd'] });
    const b = await sessions.start({ subject: 'u1', methods: ['pwd'] });
    const c = await sessions.start({ subject: 'u1', methods: ['pwd'] });
    const other = await sessions.start({ subject: 'u2', methods: ['pwd'] });
    const puts = store.calls.put;
    clock.advance(0.001);
    await sessions.endAllFor('u1', { exceptSessionId: b.session.sessionId });
    assert.equal(store.calls.put - puts, 1);

    assert.equal(await sessions.verify(eventOf(a.cookie)), undefined);
    assert.ok(await sessions.verify(eventOf(b.cookie)), 'the kept session lives');
    assert.equal(await sessions.verify(eventOf(c.cookie)), undefined);
    assert.ok(await sessions.verify(eventOf(other.cookie)), 'another user is not touched');
    assert.deepEqual((await sessions.listFor('u1')).map((s) => s.sessionId), [b.session.sessionId]);

    // A renewed cookie of an ended session is still ended: the start time rides in the cookie.
    clock.advance(IDLE_S / 2 + 1);
    const renewed = await sessions.read(eventOf(a.cookie));
    assert.ok(renewed?.renewedCookie);
    assert.equal(await sessions.verify(eventOf(renewed.renewedCookie)), undefined);
  });

  it('lets a session that starts right after the cutoff live, even within the same second (a password reset signs in at once)', async () => {
    const { sessions, eventOf, clock } = setup();
    clock.advance(0.2);
    const before = await sessions.start({ subject: 'u1', methods: ['pwd'] });
    clock.advance(0.3);
    await sessions.endAllFor('u1');
    clock.advance(0.001);
    const after = await sessions.start({ subject: 'u1', methods: ['pwd'] });
    assert.equal(before.session.authTime, after.session.authTime, 'same second');
    assert.equal(await sessions.verify(eventOf(before.cookie)), undefined);
    assert.ok(await sessions.verify(eventOf(after.cookie)));
    assert.deepEqual((await sessions.listFor('u1')).map((s) => s.sessionId), [after.session.sessionId]);
  });

  it('a later "everywhere" without exception ends the session an earlier one kept', async () => {
    const { sessions, eventOf, clock } = setup();
    const kept = await sessions.start({ subject: 'u1', methods: ['pwd'] });
    await sessions.endAllFor('u1', { exceptSessionId: kept.session.sessionId });
    clock.advance(1);
    assert.ok(await sessions.verify(eventOf(kept.cookie)));
    await sessions.endAllFor('u1');
    assert.equal(await sessions.verify(eventOf(kept.cookie)), undefined);
  });

  it('keeps the cutoff as long as any session it ended could live, and no longer', async () => {
    const { sessions, store, clock } = setup();
    await sessions.endAllFor('u1');
    const cutoff = await store.get('sessions-of#u1');
    assert.ok(cutoff);
    assert.ok(cutoff.ttl >= Math.floor(clock() / 1000) + ABSOLUTE_S, 'outlives every session it ended');
    assert.ok(cutoff.ttl <= Math.floor(clock() / 1000) + ABSOLUTE_S + 3600);
  });
});
