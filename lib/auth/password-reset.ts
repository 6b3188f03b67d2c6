/**
 * "Forgot your password?": address -> a code mailed to it -> a new password. The code is the
 * one-time code machinery under its own purpose (`reset`), so a sign-in code cannot reset a
 * password and a reset code cannot sign in.
 *
 *   start(email)   -> a code is mailed (AccountCodeMail: the same steps and answer with or
 *                     without an account; only an account holder's mail carries the code)
 *   verifyCode     -> the code is used and a reset flow `password-reset#<flowId>` { userId,
 *                     email } is written in the same transaction, for FLOW_TTL_S
 *   complete       -> the new password is checked, the flow consumed (single use), the password
 *                     set (PasswordUpdate: every session and app grant ended, the owner mailed)
 *
 * The flow id is a 128-bit random bearer value the caller keeps in a protected cookie. The
 * caller then completes the sign-in with `methods: ['otp']`: the mailbox is what was proved,
 * and a second factor, when the account has one, is still asked before any session exists.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { TtlStore } from '../ttl-store.js';
import type { AccountCodeMail, AccountCodeStart } from './account-code-mail.js';
import { findAccount, type AccountReads } from './account-lookup.js';
import { addressCodeMail, type AddressCodeMailOptions, type AddressCodeWording } from './address-code-mail.js';
import type { AttemptOrigin } from './attempt-scopes.js';
import type { OneTimeCodes, VerifyCodeResult } from './one-time-codes.js';
import type { PasswordProblem } from './password-policy.js';
import type { PasswordUpdate } from './password-update.js';
import type { User } from './user-store.js';

/** Time to choose a new password once the code was accepted. */
export const PASSWORD_RESET_FLOW_TTL_S = 15 * 60;

export type ResetCodeResult = { ok: true; flowId: string } | Exclude<VerifyCodeResult, { ok: true }>;

export type ResetResult =
  | { ok: true; user: User }
  | { ok: false; reason: 'unknown_flow' }
  | { ok: false; reason: 'weak_password'; problem: PasswordProblem };

interface FlowItem extends Record<string, unknown> {
  userId: string;
  email: string;
}

const INVALID: ResetCodeResult = { ok: false, reason: 'invalid' };
const UNKNOWN_FLOW: ResetResult = { ok: false, reason: 'unknown_flow' };
const FLOW_ID = /^[A-Za-z0-9_-]{22}$/;

const RESET_WORDING: AddressCodeWording = {
  codeName: 'password reset',
  enterIt: (minutes) => `Enter it on the password reset page within ${minutes} minutes, then choose a new password.`,
  ifNotYou: 'If you did not ask to reset your password, ignore this message: your password stays as it is.',
  noAccountSubject: (issuerName) => `Resetting a password at ${issuerName}`,
  asked: (issuerName) => `asked to reset the password of an account at ${issuerName}`,
};

export class PasswordReset {
  private readonly codes: Pick<OneTimeCodes, 'verify'>;
  private readonly users: AccountReads;
  private readonly cache: Pick<TtlStore, 'get' | 'consume' | 'put'>;
  private readonly update: Pick<PasswordUpdate, 'check' | 'apply'>;
  private readonly mail: AccountCodeMail;
  private readonly clock: Clock;

  constructor(
    options: AddressCodeMailOptions & {
      codes: Pick<OneTimeCodes, 'issueAndSend' | 'verify' | 'ttlS'>;
      cache: Pick<TtlStore, 'get' | 'consume' | 'put'>;
      update: Pick<PasswordUpdate, 'check' | 'apply'>;
      clock: Clock;
    },
  ) {
    this.clock = options.clock;
    this.codes = options.codes;
    this.users = options.users;
    this.cache = options.cache;
    this.update = options.update;
    this.mail = addressCodeMail('reset', RESET_WORDING, options);
  }

  /** `source`: the client's IP address, whose mail budget pays for the mail. */
  start(email: string, source: string): Promise<AccountCodeStart> {
    return this.mail.start(email, source);
  }

  /**
   * Uses a correct code and opens the flow in one transaction: a used code always opened its
   * flow. The same reads with or without an account; without one, no code was ever mailed, so
   * even a lucky guess of the issued code opens nothing.
   */
  async verifyCode(email: string, code: string, origin: AttemptOrigin): Promise<ResetCodeResult> {
    const user = await findAccount(this.users, email);
    const flowId = randomBytes(16).toString('base64url');
    const flow: FlowItem | undefined = user && { userId: user.id, email: user.email };
    const opens = flow ? [{ op: 'put' as const, key: flowKey(flowId), fields: flow, ttlS: PASSWORD_RESET_FLOW_TTL_S }] : [];
    const result = await this.codes.verify('reset', email, code, origin, opens);
    if (!result.ok) return result.reason === 'refused' ? INVALID : result;
    return flow ? { ok: true, flowId } : INVALID;
  }

  /** The address the flow resets the password of, while the flow is open. */
  async emailOf(flowId: string): Promise<string | undefined> {
    return (await this.flow(flowId))?.email;
  }

  /**
   * Checks the new password first, so a refused one leaves the flow open for another try; then
   * consumes the flow (of parallel submissions exactly one sets a password) and sets it. When
   * setting it fails, the flow is put back so the user can retry without a new code.
   */
  async complete(flowId: string, password: string): Promise<ResetResult> {
    const flow = await this.flow(flowId);
    if (!flow) return UNKNOWN_FLOW;
    const user = await this.users.findById(flow.userId);
    // The account was deleted, or moved to another address, since the code was mailed.
    if (!user || user.email !== flow.email) return UNKNOWN_FLOW;
    const rules = await this.update.check(user, password);
    if (!rules.ok) return { ok: false, reason: 'weak_password', problem: rules.problem };
    const consumed = await this.cache.consume<FlowItem>(flowKey(flowId));
    if (!consumed) return UNKNOWN_FLOW;
    try {
      await this.update.apply(user, password, { reason: 'reset' });
    } catch (error) {
      const remainingS = consumed.ttl - Math.floor(this.clock() / 1000);
      if (remainingS > 0) await this.cache.put(flowKey(flowId), flow, remainingS).catch(() => undefined);
      throw error;
    }
    return { ok: true, user };
  }

  private async flow(flowId: string): Promise<FlowItem | undefined> {
    if (typeof flowId !== 'string' || !FLOW_ID.test(flowId)) return undefined;
    const item = await this.cache.get<FlowItem>(flowKey(flowId));
    return item && { userId: item.userId, email: item.email };
  }
}

function flowKey(flowId: string): string {
  return `password-reset#${flowId}`;
}
