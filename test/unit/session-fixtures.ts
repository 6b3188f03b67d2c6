/**
 * Shared fixtures for the session, antiforgery and page unit tests: the real protector over an
 * in-memory key ring (a stand-in key wrapper, no KMS), a driven clock and HTTP API events
 * carrying cookies and form bodies.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { randomBytes } from 'node:crypto';
import type { Config } from '../../lib/config.js';
import type { DataProtector } from '../../lib/dataprotection/data-protector.js';
import { createDataProtection } from '../../lib/dataprotection/protector.js';
import type { KeyWrapper, WrapContext } from '../../lib/kms/key-wrapper.js';
import { InMemoryKeyRingRepository } from '../support/in-memory-key-ring-repository.js';
import { fakeEvent } from '../support/fake-http-event.js';

export const DAY_S = 24 * 60 * 60;

export interface TestClock {
  (): number;
  advance(seconds: number): void;
}

export function testClock(start = Date.UTC(2030, 0, 1)): TestClock {
  let now = start;
  const clock = (() => now) as TestClock;
  clock.advance = (seconds) => {
    now += seconds * 1000;
  };
  return clock;
}

/** Wraps by binding the context into the "ciphertext"; enough to run the real protector without KMS. */
class StandInKeyWrapper implements KeyWrapper {
  async generate(context: WrapContext) {
    const plaintext = randomBytes(32);
    return { plaintext: Uint8Array.from(plaintext), ...(await this.wrap(plaintext, context)) };
  }
  async wrap(plaintext: Uint8Array, context: WrapContext) {
    return { wrapped: Buffer.concat([Buffer.from(contextLabel(context)), Buffer.from(plaintext)]), wrappedBy: 'stand-in' };
  }
  async unwrap(wrapped: Uint8Array, context: WrapContext) {
    const label = Buffer.from(contextLabel(context));
    const bytes = Buffer.from(wrapped);
    if (!bytes.subarray(0, label.length).equals(label)) throw new Error('context mismatch');
    return Uint8Array.from(bytes.subarray(label.length));
  }
}

function contextLabel(context: WrapContext): string {
  return `${context.app}|${context.ring}|${context.keyId}|`;
}

const DP_SETTINGS: Config['dataProtection'] = {
  keyLifetimeS: 90 * DAY_S,
  successorLeadS: 2 * DAY_S,
  refreshIntervalS: 300,
  unknownKeyRefreshMinIntervalS: 30,
};

/** A root protector; protectors built over the same `repository` share keys like instances sharing DynamoDB. */
export function testProtector(clock: () => number, repository = new InMemoryKeyRingRepository(), appName = 'identity'): DataProtector {
  return createDataProtection({ config: { appName, dataProtection: DP_SETTINGS }, keyWrapper: new StandInKeyWrapper(), repository, clock });
}

/** `name=value` of a Set-Cookie line. */
export function cookiePair(setCookie: string): string {
  return setCookie.split(';')[0]!;
}

export function cookieValue(setCookie: string): string {
  const pair = cookiePair(setCookie);
  return pair.slice(pair.indexOf('=') + 1);
}

export function eventWith(options: { cookies?: Record<string, string>; form?: Record<string, string>; method?: string; path?: string } = {}): APIGatewayProxyEventV2 {
  const base = fakeEvent();
  const cookies = Object.entries(options.cookies ?? {}).map(([name, value]) => `${name}=${value}`);
  return {
    ...base,
    ...(cookies.length ? { cookies } : {}),
    headers: options.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
    body: options.form ? new URLSearchParams(options.form).toString() : undefined,
    requestContext: { ...base.requestContext, http: { ...base.requestContext.http, method: options.method ?? 'POST', path: options.path ?? '/login' } },
  };
}

/** Flips one base64url character in the middle: still well-formed, no longer authentic. */
export function tamper(value: string, at = Math.floor(value.length / 2)): string {
  const ch = value[at] === 'A' ? 'B' : 'A';
  return value.slice(0, at) + ch + value.slice(at + 1);
}
