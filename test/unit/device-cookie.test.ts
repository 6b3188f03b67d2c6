import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEVICE_COOKIE, deviceAfterSignIn, deviceCookie } from '../../lib/session/device-cookie.js';
import { LOGIN_CODE_COOKIE, loginCodeCookie, newLoginCodeFlow } from '../../lib/session/flow-cookies.js';
import { cookieValue, eventWith, tamper, testClock, testProtector } from './session-fixtures.js';

function setup() {
  const clock = testClock();
  const protector = testProtector(clock);
  return { clock, protector, device: deviceCookie({ protector, lifetimeS: 3600, clock }) };
}

describe('device cookie', () => {
  it('remembers the account and device in a protected __Host- cookie until its lifetime ends', async () => {
    const { clock, device } = setup();
    const known = deviceAfterSignIn('ada@example.com', undefined);
    const line = await device.write(known);
    assert.match(line, /^__Host-device=[A-Za-z0-9_-]+; Path=\/; Max-Age=3600; HttpOnly; Secure; SameSite=Lax$/);
    const event = eventWith({ cookies: { [DEVICE_COOKIE]: cookieValue(line) } });
    assert.deepEqual(await device.read(event), known);
    clock.advance(3600);
    assert.equal(await device.read(event), undefined, 'expired inside the payload too');
  });

  it('refuses a tampered cookie and a protected value of another purpose', async () => {
    const { clock, protector, device } = setup();
    const value = cookieValue(await device.write(deviceAfterSignIn('ada@example.com', undefined)));
    assert.equal(await device.read(eventWith({ cookies: { [DEVICE_COOKIE]: tamper(value) } })), undefined);
    const flow = cookieValue(await loginCodeCookie({ protector, clock }).write(newLoginCodeFlow('ada@example.com')));
    assert.equal(await device.read(eventWith({ cookies: { [DEVICE_COOKIE]: flow, [LOGIN_CODE_COOKIE]: flow } })), undefined);
  });

  it('keeps the device id across sign-ins to the same account, and starts a new one for another account', () => {
    const first = deviceAfterSignIn('ada@example.com', undefined);
    assert.match(first.deviceId, /^[A-Za-z0-9_-]{22}$/);
    assert.deepEqual(deviceAfterSignIn('ada@example.com', first), first);
    const other = deviceAfterSignIn('bob@example.com', first);
    assert.equal(other.account, 'bob@example.com');
    assert.notEqual(other.deviceId, first.deviceId);
  });
});
