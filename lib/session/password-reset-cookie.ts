/**
 * `__Host-reset`: the password reset flow in a protected cookie. The address the code was sent
 * to, a random nonce the flow's forms are bound to (antiforgery), and once the code was
 * accepted the reset flow's id (its state: `password-reset#<id>` in the TTL table).
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { DataProtector } from '../dataprotection/data-protector.js';
import { FlowCookie } from './flow-cookie.js';

export const PASSWORD_RESET_COOKIE = '__Host-reset';
/** Long enough for a resend or two and choosing a password; the server-side flow has its own limit. */
const LIFETIME_S = 30 * 60;

export interface PasswordResetCookie {
  email: string;
  nonce: string;
  flowId?: string;
}

export function passwordResetCookie(options: { protector: DataProtector; clock: Clock }): FlowCookie<PasswordResetCookie> {
  return new FlowCookie({
    name: PASSWORD_RESET_COOKIE,
    protector: options.protector,
    purpose: 'password-reset-flow',
    lifetimeS: LIFETIME_S,
    clock: options.clock,
    isValue: (value): value is PasswordResetCookie => {
      if (typeof value !== 'object' || value === null) return false;
      const v = value as Record<string, unknown>;
      return typeof v.email === 'string' && typeof v.nonce === 'string' && v.nonce.length > 0 && (v.flowId === undefined || typeof v.flowId === 'string');
    },
  });
}

export function newPasswordResetFlow(email: string): PasswordResetCookie {
  return { email, nonce: randomBytes(16).toString('base64url') };
}

/** Antiforgery binding of the flow's forms: a page of an earlier (or another tab's) flow is refused. */
export function passwordResetBinding(flow: PasswordResetCookie | undefined): string | undefined {
  return flow === undefined ? undefined : `password-reset:${flow.nonce}`;
}
