import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { InMemoryKeyRingRepository } from '../support/in-memory-key-ring-repository.js';
import {
  ANTIFORGERY_COOKIE,
  ANTIFORGERY_COOKIE_PURPOSE,
  ANTIFORGERY_FORM_PURPOSE,
  Antiforgery,
  type AntiforgeryBinding,
} from '../../lib/session/antiforgery.js';
import { SESSION_COOKIE, Sessions } from '../../lib/session/sessions.js';
import { InMemoryTtlStore } from '../support/in-memory-ttl-store.js';
import { cookieValue, eventWith, tamper, testClock, testProtector } from './session-fixtures.js';

const LIFETIME_S = 2 * 60 * 60;

function instance(clock = testClock(), repository = new InMemoryKeyRingRepository()) {
  const protector = testProtector(clock, repository);
  const sessions = new Sessions({ protector, store: new InMemoryTtlStore(clock), settings: { absoluteLifetimeS: 86_400, idleTimeoutS: 3_600 }, clock });
  const antiforgery = new Antiforgery({ protector, sessionIdOf: (e) => sessions.sessionIdOf(e), clock, formTokenLifetimeS: LIFETIME_S });
  return { clock, protector, sessions, antiforgery, repository };
}

/** A browser: its cookie jar, a rendered form, and its submission. */
async function browser(af: Antiforgery, cookies: Record<string, string> = {}, binding?: AntiforgeryBinding) {
  const issued = await af.issue(eventWith({ method: 'GET', cookies }), binding);
  const jar = { ...cookies };
  for (const line of issued.cookies) jar[line.slice(0, line.indexOf('='))] = cookieValue(line);
  return { token: issued.token, cookies: jar, issued };
}

function post(cookies: Record<string, string>, fields: Record<string, string>): { event: APIGatewayProxyEventV2; form: URLSearchParams } {
  const event = eventWith({ cookies, form: fields });
  return { event, form: new URLSearchParams(event.body ?? '') };
}

describe('Antiforgery: issuing', () => {
  it('sets a protected __Host-af browser-session cookie when the request has none, and reuses a valid one', async () => {
    const { antiforgery } = instance();
    const first = await browser(antiforgery);
    assert.equal(first.issued.cookies.length, 1);
    assert.match(first.issued.cookies[0]!, /^__Host-af=[A-Za-z0-9_-]{40,}; Path=\/; HttpOnly; Secure; SameSite=Lax$/);

    const second = await browser(antiforgery, first.cookies);
    assert.deepEqual(second.issued.cookies, [], 'a valid cookie token is kept, so other tabs keep working');
    assert.notEqual(second.token, first.token);
    // Both forms are valid with the one cookie.
    for (const token of [first.token, second.token]) {
      const { event, form } = post(first.cookies, { _af: token });
      assert.deepEqual(await antiforgery.validate(event, form), { ok: true });
    }
  });

  it('replaces a tampered cookie token instead of trusting it', async () => {
    const { antiforgery } = instance();
    const first = await browser(antiforgery);
    const again = await browser(antiforgery, { [ANTIFORGERY_COOKIE]: tamper(first.cookies[ANTIFORGERY_COOKIE]!) });
    assert.equal(again.issued.cookies.length, 1);
  });
});

describe('Antiforgery: validation', () => {
  it('accepts a genuine pair on another instance sharing only the key ring', async () => {
    const clock = testClock();
    const repository = new InMemoryKeyRingRepository();
    const a = instance(clock, repository);
    const b = instance(clock, repository);
    const rendered = await browser(a.antiforgery);
    const { event, form } = post(rendered.cookies, { _af: rendered.token, email: 'x@example.com' });
    assert.deepEqual(await b.antiforgery.validate(event, form), { ok: true });
  });

  it('refuses a missing cookie, a missing field, an empty or repeated field', async () => {
    const { antiforgery } = instance();
    const r = await browser(antiforgery);
    const missingCookie = post({}, { _af: r.token });
    assert.deepEqual(await antiforgery.validate(missingCookie.event, missingCookie.form), { ok: false, reason: 'cookie_missing' });
    for (const form of [new URLSearchParams(), new URLSearchParams({ _af: '' }), new URLSearchParams([['_af', r.token], ['_af', r.token]])]) {
      const { event } = post(r.cookies, {});
      assert.deepEqual(await antiforgery.validate(event, form), { ok: false, reason: 'token_missing' }, form.toString());
    }
  });

  it('refuses tampered, truncated or foreign tokens and cookies', async () => {
    const { antiforgery } = instance();
    const r = await browser(antiforgery);
    for (const token of [tamper(r.token), tamper(r.token, 5), r.token.slice(0, -4), 'garbage']) {
      const { event, form } = post(r.cookies, { _af: token });
      assert.deepEqual(await antiforgery.validate(event, form), { ok: false, reason: 'token_invalid' }, token);
    }
    for (const cookie of [tamper(r.cookies[ANTIFORGERY_COOKIE]!), 'garbage']) {
      const { event, form } = post({ [ANTIFORGERY_COOKIE]: cookie }, { _af: r.token });
      assert.deepEqual(await antiforgery.validate(event, form), { ok: false, reason: 'cookie_invalid' });
    }
    // A token from another deployment's key ring.
    const other = await browser(instance().antiforgery);
    const { event, form } = post(r.cookies, { _af: other.token });
    assert.deepEqual(await antiforgery.validate(event, form), { ok: false, reason: 'token_invalid' });
  });

  it('does not accept one half in place of the other (purposes differ)', async () => {
    const { antiforgery } = instance();
    const r = await browser(antiforgery);
    const cookieAsToken = post(r.cookies, { _af: r.cookies[ANTIFORGERY_COOKIE]! });
    assert.deepEqual(await antiforgery.validate(cookieAsToken.event, cookieAsToken.form), { ok: false, reason: 'token_invalid' });
    const tokenAsCookie = post({ [ANTIFORGERY_COOKIE]: r.token }, { _af: r.token });
    assert.deepEqual(await antiforgery.validate(tokenAsCookie.event, tokenAsCookie.form), { ok: false, reason: 'cookie_invalid' });
  });

  it('refuses a well-formed half made under the other purpose (the purpose, not the JSON shape, decides)', async () => {
    const { antiforgery, protector, clock } = instance();
    const r = await browser(antiforgery);
    const cookieId = (await protector.forPurpose(ANTIFORGERY_COOKIE_PURPOSE).unprotectJson<{ id: string }>(r.cookies[ANTIFORGERY_COOKIE]!)).id;
    const formToken = { c: cookieId, s: '', f: '' };
    const expiresAt = new Date(clock() + 60_000);

    // Control: the exact form token, protected under the form purpose, is accepted; so only the purpose differs below.
    const control = await protector.forPurpose(ANTIFORGERY_FORM_PURPOSE).protectJson(formToken, { expiresAt });
    const accepted = post(r.cookies, { _af: control });
    assert.deepEqual(await antiforgery.validate(accepted.event, accepted.form), { ok: true });

    const underCookiePurpose = await protector.forPurpose(ANTIFORGERY_COOKIE_PURPOSE).protectJson(formToken, { expiresAt });
    const wrongForm = post(r.cookies, { _af: underCookiePurpose });
    assert.deepEqual(await antiforgery.validate(wrongForm.event, wrongForm.form), { ok: false, reason: 'token_invalid' });

    const cookieUnderFormPurpose = await protector.forPurpose(ANTIFORGERY_FORM_PURPOSE).protectJson({ id: cookieId });
    const wrongCookie = post({ [ANTIFORGERY_COOKIE]: cookieUnderFormPurpose }, { _af: control });
    assert.deepEqual(await antiforgery.validate(wrongCookie.event, wrongCookie.form), { ok: false, reason: 'cookie_invalid' });
  });

  it("refuses one browser's token with another browser's cookie", async () => {
    const { antiforgery } = instance();
    const alice = await browser(antiforgery);
    const mallory = await browser(antiforgery);
    const swapped = post(mallory.cookies, { _af: alice.token });
    assert.deepEqual(await antiforgery.validate(swapped.event, swapped.form), { ok: false, reason: 'cookie_mismatch' });
    const genuine = post(alice.cookies, { _af: alice.token });
    assert.deepEqual(await antiforgery.validate(genuine.event, genuine.form), { ok: true });
  });

  it('refuses a stale token once its lifetime has passed', async () => {
    const { antiforgery, clock } = instance();
    const r = await browser(antiforgery);
    clock.advance(LIFETIME_S - 1);
    const fresh = post(r.cookies, { _af: r.token });
    assert.deepEqual(await antiforgery.validate(fresh.event, fresh.form), { ok: true });
    clock.advance(1);
    assert.deepEqual(await antiforgery.validate(fresh.event, fresh.form), { ok: false, reason: 'token_expired' });
  });

  it('binds the token to the session: swapped sessions, sign-in or sign-out in between are refused', async () => {
    const { antiforgery, sessions } = instance();
    const alice = await sessions.start({ subject: 'alice', methods: ['pwd'] });
    const bob = await sessions.start({ subject: 'bob', methods: ['pwd'] });
    const aliceCookie = cookieValue(alice.cookie);
    const bobCookie = cookieValue(bob.cookie);

    const aliceForm = await browser(antiforgery, { [SESSION_COOKIE]: aliceCookie });
    const own = post(aliceForm.cookies, { _af: aliceForm.token });
    assert.deepEqual(await antiforgery.validate(own.event, own.form), { ok: true });

    const withBob = post({ ...aliceForm.cookies, [SESSION_COOKIE]: bobCookie }, { _af: aliceForm.token });
    assert.deepEqual(await antiforgery.validate(withBob.event, withBob.form), { ok: false, reason: 'session_mismatch' });

    const { [SESSION_COOKIE]: _dropped, ...signedOut } = aliceForm.cookies;
    const afterSignOut = post(signedOut, { _af: aliceForm.token });
    assert.deepEqual(await antiforgery.validate(afterSignOut.event, afterSignOut.form), { ok: false, reason: 'session_mismatch' });

    const anonymous = await browser(antiforgery);
    const afterSignIn = post({ ...anonymous.cookies, [SESSION_COOKIE]: aliceCookie }, { _af: anonymous.token });
    assert.deepEqual(await antiforgery.validate(afterSignIn.event, afterSignIn.form), { ok: false, reason: 'session_mismatch' });
  });

  it('takes an explicit session binding over the cookie', async () => {
    const { antiforgery } = instance();
    const r = await browser(antiforgery, {}, { sessionId: 'S'.repeat(22) });
    const { event, form } = post(r.cookies, { _af: r.token });
    assert.deepEqual(await antiforgery.validate(event, form), { ok: false, reason: 'session_mismatch' });
    assert.deepEqual(await antiforgery.validate(event, form, { sessionId: 'S'.repeat(22) }), { ok: true });
  });

  it('binds the token to the flow it was rendered for', async () => {
    const { antiforgery } = instance();
    const r = await browser(antiforgery, {}, { flow: 'register:flow-a' });
    const { event, form } = post(r.cookies, { _af: r.token });
    assert.deepEqual(await antiforgery.validate(event, form, { flow: 'register:flow-a' }), { ok: true });
    assert.deepEqual(await antiforgery.validate(event, form, { flow: 'register:flow-b' }), { ok: false, reason: 'flow_mismatch' });
    assert.deepEqual(await antiforgery.validate(event, form), { ok: false, reason: 'flow_mismatch' });
    const unbound = await browser(antiforgery, r.cookies);
    const plain = post(r.cookies, { _af: unbound.token });
    assert.deepEqual(await antiforgery.validate(plain.event, plain.form, { flow: 'register:flow-a' }), { ok: false, reason: 'flow_mismatch' });
  });

  it('needs no shared state but the key ring: validating reads nothing from storage', async () => {
    const { antiforgery, repository } = instance();
    const r = await browser(antiforgery);
    const loadsBefore = repository.calls.load;
    const { event, form } = post(r.cookies, { _af: r.token });
    for (let i = 0; i < 5; i++) assert.deepEqual(await antiforgery.validate(event, form), { ok: true });
    assert.equal(repository.calls.load, loadsBefore, 'the cached ring is enough');
  });
});
