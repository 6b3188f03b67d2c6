/**
 * `__Host-device`: the OWASP "device cookie". Set on every successful sign-in, it names the
 * account that signed in from this browser and a random id for the browser. Guesses from a
 * browser presenting it for the account they are made at are counted against that device's own
 * budget instead of the account's budget for unknown sources (lib/auth/attempt-scopes.ts), so
 * an attacker spending the account's budget cannot keep the owner out of their own browser.
 *
 * The value is a protected payload under its own purpose (`login-device`): it cannot be forged,
 * altered or moved to another account; it expires inside the payload as well as in the browser.
 */
import { randomBytes } from 'node:crypto';
import type { KnownDevice } from '../auth/attempt-scopes.js';
import type { Clock } from '../clock.js';
import type { DataProtector } from '../dataprotection/data-protector.js';
import { FlowCookie } from './flow-cookie.js';

export const DEVICE_COOKIE = '__Host-device';

export function deviceCookie(options: { protector: DataProtector; lifetimeS: number; clock: Clock }): FlowCookie<KnownDevice> {
  return new FlowCookie({
    name: DEVICE_COOKIE,
    protector: options.protector,
    purpose: 'login-device',
    lifetimeS: options.lifetimeS,
    clock: options.clock,
    isValue: (value): value is KnownDevice => {
      if (typeof value !== 'object' || value === null) return false;
      const v = value as Record<string, unknown>;
      return typeof v.account === 'string' && typeof v.deviceId === 'string' && v.deviceId.length > 0;
    },
  });
}

/**
 * The device to remember after `account` signed in: the browser keeps its id when it already
 * held the cookie for this account (the device's budget carries on), and gets a new one otherwise.
 */
export function deviceAfterSignIn(account: string, current: KnownDevice | undefined): KnownDevice {
  if (current?.account === account) return current;
  return { account, deviceId: randomBytes(16).toString('base64url') };
}
