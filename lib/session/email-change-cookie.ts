/** `__Host-email-change`: the id of the user's address change in progress (its state: `email-change#<id>` in the TTL table, bound to the user). */
import type { Clock } from '../clock.js';
import type { DataProtector } from '../dataprotection/data-protector.js';
import { EMAIL_CHANGE_FLOW_TTL_S } from '../auth/email-change.js';
import { FlowCookie } from './flow-cookie.js';

export interface EmailChangeCookie {
  flowId: string;
}


export function emailChangeCookie(options: { protector: DataProtector; clock: Clock }): FlowCookie<EmailChangeCookie> {
  return new FlowCookie({
    name: '__Host-email-change',
    protector: options.protector,
    purpose: 'email-change-flow',
    lifetimeS: EMAIL_CHANGE_FLOW_TTL_S,
    clock: options.clock,
    isValue: (value): value is EmailChangeCookie => typeof value === 'object' && value !== null && typeof (value as EmailChangeCookie).flowId === 'string',
  });
}
