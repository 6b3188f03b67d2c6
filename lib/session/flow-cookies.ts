/**
 * The two anonymous flows whose state rides in a protected cookie, and the antiforgery binding
 * of each: a form rendered for one flow is refused with another flow's cookie.
 *
 *   `__Host-reg`  registration: the flow id; the flow's state is `registration#<id>` in the TTL table.
 *   `__Host-otp`  sign-in with a code: the address the code was sent to, and the step. Nothing
 *                 server-side besides the code itself (OneTimeCodes).
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { DataProtector } from '../dataprotection/data-protector.js';
import { FlowCookie } from './flow-cookie.js';

export const REGISTRATION_COOKIE = '__Host-reg';
export const LOGIN_CODE_COOKIE = '__Host-otp';

export interface RegistrationCookie {
  flowId: string;
}

export interface LoginCodeCookie {
  /** Normalized address the code was requested for. */
  email: string;
  step: 'code';
  /** Random, per flow: what the flow's forms are bound to. */
  nonce: string;
}

/** How long a code sign-in can take end to end, including a resend or two. */
export const LOGIN_CODE_FLOW_LIFETIME_S = 30 * 60;

export function registrationCookie(options: { protector: DataProtector; lifetimeS: number; clock: Clock }): FlowCookie<RegistrationCookie> {
  return new FlowCookie({
    name: REGISTRATION_COOKIE,
    protector: options.protector,
    purpose: 'registration-flow',
    lifetimeS: options.lifetimeS,
    clock: options.clock,
    isValue: (value): value is RegistrationCookie =>
      typeof value === 'object' && value !== null && typeof (value as RegistrationCookie).flowId === 'string',
  });
}

export function loginCodeCookie(options: { protector: DataProtector; clock: Clock; lifetimeS?: number }): FlowCookie<LoginCodeCookie> {
  return new FlowCookie({
    name: LOGIN_CODE_COOKIE,
    protector: options.protector,
    purpose: 'login-code-flow',
    lifetimeS: options.lifetimeS ?? LOGIN_CODE_FLOW_LIFETIME_S,
    clock: options.clock,
    isValue: (value): value is LoginCodeCookie => {
      if (typeof value !== 'object' || value === null) return false;
      const v = value as Record<string, unknown>;
      return typeof v.email === 'string' && v.step === 'code' && typeof v.nonce === 'string' && v.nonce.length > 0;
    },
  });
}

export function newLoginCodeFlow(email: string): LoginCodeCookie {
  return { email, step: 'code', nonce: randomBytes(16).toString('base64url') };
}

/** Antiforgery binding for the forms of a registration flow. */
export function registrationBinding(flowId: string | undefined): string | undefined {
  return flowId === undefined ? undefined : `register:${flowId}`;
}

/** Antiforgery binding for the forms of a code sign-in flow. */
export function loginCodeBinding(flow: LoginCodeCookie | undefined): string | undefined {
  return flow === undefined ? undefined : `login-code:${flow.nonce}`;
}
