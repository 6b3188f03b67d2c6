import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LOGIN_CODE_COOKIE, REGISTRATION_COOKIE, loginCodeBinding, loginCodeCookie, newLoginCodeFlow, registrationCookie } from '../../lib/session/flow-cookies.js';
import { cookieValue, eventWith, tamper, testClock, testProtector } from './session-fixtures.js';

function setup() {
  const clock = testClock();
  const protector = testProtector(clock);
  return {
    clock,
    registration: registrationCookie({ protector, lifetimeS: 1800, clock }),
    loginCode: loginCodeCookie({ protector, clock, lifetimeS: 600 }),
  };
}

describe('flow cookies', () => {
  it('round-trip a protected value in a __Host- cookie that expires with the flow', async () => {
    const { registration } = setup();
    const line = await registration.write({ flowId: 'f'.repeat(22) });
    assert.match(line, /^__Host-reg=[A-Za-z0-9_-]+; Path=\/; Max-Age=1800; HttpOnly; Secure; SameSite=Lax$/);
    assert.deepEqual(await registration.read(eventWith({ cookies: { [REGISTRATION_COOKIE]: cookieValue(line) } })), { flowId: 'f'.repeat(22) });
    assert.match(registration.clear(), /^__Host-reg=; Path=\/; Max-Age=0/);
  });

  it('refuse tampered, expired, missing and swapped cookies', async () => {
    const { registration, loginCode, clock } = setup();
    const reg = cookieValue(await registration.write({ flowId: 'a'.repeat(22) }));
    const otpFlow = newLoginCodeFlow('a@example.com');
    const otp = cookieValue(await loginCode.write(otpFlow));
    assert.equal(await registration.read(eventWith()), undefined);
    assert.equal(await registration.read(eventWith({ cookies: { [REGISTRATION_COOKIE]: tamper(reg) } })), undefined);
    // Each flow's cookie is protected under its own purpose: one cannot stand in for the other.
    assert.equal(await registration.read(eventWith({ cookies: { [REGISTRATION_COOKIE]: otp } })), undefined);
    assert.equal(await loginCode.read(eventWith({ cookies: { [LOGIN_CODE_COOKIE]: reg } })), undefined);
    assert.deepEqual(await loginCode.read(eventWith({ cookies: { [LOGIN_CODE_COOKIE]: otp } })), otpFlow);
    clock.advance(600);
    assert.equal(await loginCode.read(eventWith({ cookies: { [LOGIN_CODE_COOKIE]: otp } })), undefined, 'expired');
    assert.ok(await registration.read(eventWith({ cookies: { [REGISTRATION_COOKIE]: reg } })), 'the longer flow lives on');
  });

  it('give each code sign-in flow its own antiforgery binding', () => {
    const a = newLoginCodeFlow('a@example.com');
    const b = newLoginCodeFlow('a@example.com');
    assert.notEqual(loginCodeBinding(a), loginCodeBinding(b));
    assert.equal(loginCodeBinding(undefined), undefined);
  });
});
