/**
 * A protected, time-limited cookie that carries an anonymous multi-step flow between requests
 * (registration: `__Host-reg`, code sign-in: `__Host-otp`). The value is a protected payload
 * under the cookie's own purpose, so it cannot be read, altered, or swapped with another
 * flow's cookie; the flow's server-side state (if any) lives in the TTL table.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Clock } from '../clock.js';
import type { DataProtector } from '../dataprotection/data-protector.js';
import { UnprotectError } from '../dataprotection/unprotect-error.js';
import { cookies } from '../http/request.js';
import { clearCookie, serializeCookie } from './cookies.js';

export class FlowCookie<T> {
  readonly name: string;
  private readonly protector: DataProtector;
  private readonly lifetimeS: number;
  private readonly clock: Clock;
  private readonly isValue: (value: unknown) => value is T;

  constructor(options: {
    name: string;
    /** The application's root protector; `purpose` is added here. */
    protector: DataProtector;
    purpose: string;
    lifetimeS: number;
    clock: Clock;
    /** Shape check of the unprotected value. */
    isValue: (value: unknown) => value is T;
  }) {
    this.name = options.name;
    this.protector = options.protector.forPurpose(options.purpose);
    this.lifetimeS = options.lifetimeS;
    this.clock = options.clock;
    this.isValue = options.isValue;
  }

  /** A `Set-Cookie` carrying `value` for the cookie's lifetime from now. */
  async write(value: T): Promise<string> {
    const expiresAt = new Date(this.clock() + this.lifetimeS * 1000);
    const payload = await this.protector.protectJson(value, { expiresAt });
    return serializeCookie(this.name, payload, { maxAgeS: this.lifetimeS });
  }

  /** The value, or undefined when absent, expired, tampered or not of the expected shape. */
  async read(event: APIGatewayProxyEventV2): Promise<T | undefined> {
    const raw = cookies(event).get(this.name);
    if (!raw) return undefined;
    let value: unknown;
    try {
      value = await this.protector.unprotectJson<unknown>(raw);
    } catch (error) {
      if (error instanceof UnprotectError) return undefined;
      throw error;
    }
    return this.isValue(value) ? value : undefined;
  }

  clear(): string {
    return clearCookie(this.name);
  }
}
