/**
 * Changing a signed-in user's address: the new address is proved with a one-time code (purpose
 * `email-change`) before anything changes, then the unique-address item moves with the user in
 * one transaction (UserStore.changeEmail), and the old address is told.
 *
 *   start(user, address) -> a flow `email-change#<flowId>` { userId, from, to, taken } (FLOW_TTL_S)
 *                           and a code mailed to the new address
 *   verify(user, flow, code) -> the code used and the flow consumed in one transaction, then
 *                           the move; a notice to the old address
 *
 * Anti-enumeration, as in Registration: an address that already has an account gets the same
 * answer and one mail, a notice instead of the code, and the code step then fails as for a
 * wrong code. So a signed-in user cannot test addresses for accounts; only that mailbox's owner
 * learns that someone tried.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import { maskEmail } from '../observability/mask-email.js';
import type { TtlStore } from '../ttl-store.js';
import type { AttemptOrigin } from './attempt-scopes.js';
import { normalizeEmail } from './email-address.js';
import type { MailBudget } from './mail-budget.js';
import type { Mailer, MailMessage } from './mailer.js';
import type { OneTimeCodes } from './one-time-codes.js';
import { EmailTakenError, StaleUserError, type User, type UserStore } from './user-store.js';

export const EMAIL_CHANGE_FLOW_TTL_S = 15 * 60;

export type EmailChangeStart =
  | { ok: true; flowId: string; email: string; resendAfterS?: number }
  | { ok: false; reason: 'invalid_email' }
  | { ok: false; reason: 'same_email' }
  | { ok: false; reason: 'hourly_limit'; retryAfterS: number }
  | { ok: false; reason: 'source_limit'; retryAfterS: number };

export type EmailChangeResult =
  | { ok: true; from: string; to: string }
  | { ok: false; reason: 'invalid' | 'expired' | 'unknown_flow' | 'email_taken' }
  | { ok: false; reason: 'throttled'; retryAfterS: number };

interface FlowItem extends Record<string, unknown> {
  userId: string;
  from: string;
  to: string;
  /** The new address had an account when the flow started: the flow can never complete. */
  taken: boolean;
}

/** Not six digits: OneTimeCodes counts it as an attempt and answers 'invalid'. */
const NEVER_MATCHES = 'never-matches';
const FLOW_ID = /^[A-Za-z0-9_-]{22}$/;
const UNKNOWN_FLOW: EmailChangeResult = { ok: false, reason: 'unknown_flow' };

export class EmailChange {
  constructor(
    private readonly deps: {
      codes: Pick<OneTimeCodes, 'issueAndSend' | 'verify' | 'ttlS'>;
      users: Pick<UserStore, 'isEmailTaken' | 'changeEmail' | 'findById'>;
      cache: Pick<TtlStore, 'put' | 'get'>;
      mailer: Mailer;
      mailBudget: Pick<MailBudget, 'reserve' | 'release'>;
      clock: Clock;
      issuerName?: string;
    },
  ) {}

  /** `source`: the client's IP address, whose mail budget pays for the mail. */
  async start(user: Pick<User, 'id' | 'email'>, input: string, source: string): Promise<EmailChangeStart> {
    const to = normalizeEmail(input);
    if (!to) return { ok: false, reason: 'invalid_email' };
    if (to === user.email) return { ok: false, reason: 'same_email' };
    const taken = await this.deps.users.isEmailTaken(to);
    const budget = await this.deps.mailBudget.reserve(source);
    if (!budget.ok) return { ok: false, reason: 'source_limit', retryAfterS: budget.retryAfterS };
    const flowId = randomBytes(16).toString('base64url');
    const flow: FlowItem = { userId: user.id, from: user.email, to, taken };
    await this.deps.cache.put(flowKey(flowId), flow, EMAIL_CHANGE_FLOW_TTL_S);
    const issued = await this.deps.codes.issueAndSend('email-change', to, (code) => this.deps.mailer.send(taken ? this.takenMail(to) : this.codeMail(to, code)));
    if (issued.ok) return { ok: true, flowId, email: to };
    await this.deps.mailBudget.release(budget.reservation);
    if (issued.reason === 'hourly_limit') return { ok: false, reason: 'hourly_limit', retryAfterS: issued.retryAfterS };
    // Within the resend gate: the code mailed a moment ago is the one to enter.
    return { ok: true, flowId, email: to, resendAfterS: issued.retryAfterS };
  }

  /** The new address of the user's open flow. */
  async pendingAddress(user: Pick<User, 'id'>, flowId: string): Promise<string | undefined> {
    return (await this.flow(user, flowId))?.to;
  }

  async verify(user: Pick<User, 'id'>, flowId: string, code: string, origin: AttemptOrigin): Promise<EmailChangeResult> {
    const flow = await this.flow(user, flowId);
    if (!flow) return UNKNOWN_FLOW;
    if (flow.taken) {
      // Counted and capped like any wrong guess; the code issued for the taken address was never mailed.
      const result = await this.deps.codes.verify('email-change', flow.to, NEVER_MATCHES, origin);
      return result.ok ? { ok: false, reason: 'invalid' } : result;
    }
    // The code and the flow are used together: a used code always ended its flow, and a flow
    // can be completed once.
    const result = await this.deps.codes.verify('email-change', flow.to, code, origin, [{ op: 'delete', key: flowKey(flowId), where: { userId: user.id } }]);
    if (!result.ok) return result.reason === 'refused' ? UNKNOWN_FLOW : result;
    try {
      await this.deps.users.changeEmail(user.id, { from: flow.from, to: flow.to });
    } catch (error) {
      if (!(error instanceof EmailTakenError || error instanceof StaleUserError)) throw error;
      // A change whose answer was lost (the transaction committed, the reply did not arrive, and
      // the retry found its own work) has the account at the new address already: that is success.
      if ((await this.deps.users.findById(user.id))?.email !== flow.to) return error instanceof EmailTakenError ? { ok: false, reason: 'email_taken' } : UNKNOWN_FLOW;
    }
    await this.notifyOldAddress(flow);
    return { ok: true, from: flow.from, to: flow.to };
  }

  private async notifyOldAddress(flow: FlowItem): Promise<void> {
    const issuer = this.deps.issuerName ?? 'Identity';
    const message: MailMessage = {
      to: flow.from,
      subject: `The email address of your ${issuer} account was changed`,
      text: [
        `The email address of your ${issuer} account was changed from this address to ${maskEmail(flow.to)} on ${new Date(this.deps.clock()).toUTCString()}.`,
        'This address no longer signs in to that account.',
        '',
        `If this was not you, contact the ${issuer} support team at once.`,
      ].join('\n'),
    };
    // The address has moved; a lost notice must not make the change look failed.
    await this.deps.mailer.send(message).catch(() => undefined);
  }

  private async flow(user: Pick<User, 'id'>, flowId: string): Promise<FlowItem | undefined> {
    if (!FLOW_ID.test(flowId)) return undefined;
    const item = await this.deps.cache.get<FlowItem>(flowKey(flowId));
    return item && item.userId === user.id ? { userId: item.userId, from: item.from, to: item.to, taken: item.taken } : undefined;
  }

  private codeMail(to: string, code: string): MailMessage {
    const issuer = this.deps.issuerName ?? 'Identity';
    const minutes = Math.max(1, Math.round(this.deps.codes.ttlS / 60));
    return {
      to,
      subject: `Confirm your new ${issuer} email address`,
      text: [
        `Your confirmation code is ${code}`,
        '',
        `Enter it on your account page within ${minutes} minutes to make this your account's address.`,
        '',
        'If you did not ask for this, ignore this message: nothing changes without the code.',
      ].join('\n'),
    };
  }

  private takenMail(to: string): MailMessage {
    const issuer = this.deps.issuerName ?? 'Identity';
    return {
      to,
      subject: `Your ${issuer} account`,
      text: [
        `Someone tried to move another ${issuer} account to this email address, but this address already has an account.`,
        '',
        'Nothing has changed. If this was you, delete one of the accounts first, or use another address.',
      ].join('\n'),
    };
  }
}

function flowKey(flowId: string): string {
  return `email-change#${flowId}`;
}
