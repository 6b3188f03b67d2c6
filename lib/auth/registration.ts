import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { TransactionItem, TtlStore } from '../ttl-store.js';
import { EmailTakenError, type User, type UserStore } from './user-store.js';
import { normalizeEmail } from './email-address.js';
import type { MailBudget } from './mail-budget.js';
import type { Mailer, MailMessage } from './mailer.js';
import type { AttemptOrigin } from './attempt-scopes.js';
import type { OneTimeCodes, VerifyCodeResult } from './one-time-codes.js';
import type { PasswordHasher } from './password-hasher.js';
import { checkNewPassword, type PasswordProblem } from './password-policy.js';

/**
 * Self-service registration as a multi-step flow whose state lives in the TTL table
 * (`registration#<flowId>`), so each step may land on a different instance:
 *
 *   start(email) -> a code is mailed, step 'code'
 *   verifyCode   -> step 'details' (in one transaction with the code's use)
 *   complete     -> password + name checked, the flow is consumed, the account is created
 *
 * The flow id is a 128-bit random bearer value; the caller keeps it in a protected cookie.
 *
 * Anti-enumeration: when the address already has an account, `start` and `resend` do exactly
 * what they do for a new address (same checks, same throttles, a code issued and stored, a flow
 * record, one mail, same answer), except that the mail says "you already have an account: sign
 * in with your password or a code" instead of carrying the code. `verifyCode` on such a flow counts
 * and caps attempts exactly as for a wrong code, and never answers 'ok'.
 * Only the owner of the mailbox learns that the account exists.
 *
 * Every mail is first reserved in the sender's mail budget (MailBudget: per source, and the
 * global breaker), before the code is issued: a source past its budget gets 'source_limit' and
 * spends neither mail nor the address's own throttles.
 */
export type StartResult =
  /**
   * `resendAfterS` when the flow was restarted within the resend gate: no new mail, the code
   * mailed a moment ago is the one to enter (codes belong to the address, not to a flow).
   */
  | { ok: true; flowId: string; resendAfterS?: number }
  | { ok: false; reason: 'invalid_email' | 'hourly_limit' | 'source_limit'; retryAfterS?: number };

export type ResendResult =
  | { ok: true; flowId: string }
  | { ok: false; reason: 'unknown_flow' | 'resend_too_soon' | 'hourly_limit' | 'source_limit'; retryAfterS?: number };

export type VerifyStepResult = VerifyCodeResult | { ok: false; reason: 'unknown_flow' };

export type CompleteResult =
  | { ok: true; user: User }
  | { ok: false; reason: 'unknown_flow' | 'not_verified' | 'invalid_name' | 'email_taken' }
  | { ok: false; reason: 'weak_password'; problem: PasswordProblem };

export type RegistrationStep = 'code' | 'details';

interface FlowItem extends Record<string, unknown> {
  email: string;
  step: RegistrationStep;
  /** The address had an account when the flow started: the flow can never complete. */
  existing: boolean;
  startedAt: string;
}

export const MAX_NAME_LENGTH = 100;

/** Not six digits: OneTimeCodes counts it as an attempt and answers 'invalid'. */
const NEVER_MATCHES = 'never-matches';
const VERIFIED: VerifyStepResult = { ok: true };
const UNKNOWN_FLOW: VerifyStepResult = { ok: false, reason: 'unknown_flow' };
const INVALID_CODE: VerifyStepResult = { ok: false, reason: 'invalid' };
const FLOW_ID = /^[A-Za-z0-9_-]{22}$/;
/** C0/C1 controls, lone surrogates, line/paragraph separators and bidirectional overrides. */
const FORBIDDEN_IN_NAME = /[\p{Cc}\p{Cs}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

export class Registration {
  private readonly cache: TtlStore;
  private readonly codes: OneTimeCodes;
  private readonly users: UserStore;
  private readonly mailer: Mailer;
  private readonly mailBudget: Pick<MailBudget, 'reserve' | 'release'>;
  private readonly hasher: PasswordHasher;
  private readonly settings: Config['registration'];
  private readonly clock: Clock;
  private readonly issuerName: string;

  constructor(options: {
    cache: TtlStore;
    codes: OneTimeCodes;
    users: UserStore;
    mailer: Mailer;
    mailBudget: Pick<MailBudget, 'reserve' | 'release'>;
    hasher: PasswordHasher;
    settings: Config['registration'];
    clock: Clock;
    issuerName?: string;
  }) {
    this.cache = options.cache;
    this.codes = options.codes;
    this.users = options.users;
    this.mailer = options.mailer;
    this.mailBudget = options.mailBudget;
    this.hasher = options.hasher;
    this.settings = options.settings;
    this.clock = options.clock;
    this.issuerName = options.issuerName ?? 'Identity';
  }

  /** `source`: the client's IP address, whose mail budget pays for the mail. */
  async start(email: string, source: string): Promise<StartResult> {
    const address = normalizeEmail(email);
    if (!address) return { ok: false, reason: 'invalid_email' };
    // One read either way (see UserStore.isEmailTaken), then the same steps for both cases.
    const existing = await this.users.isEmailTaken(address);
    const budget = await this.mailBudget.reserve(source);
    if (!budget.ok) return budget;
    // The flow before the code: a code is only mailed once a flow exists to enter it into.
    const flowId = randomBytes(16).toString('base64url');
    const flow: FlowItem = { email: address, step: 'code', existing, startedAt: new Date(this.clock()).toISOString() };
    if (!(await this.cache.put(flowKey(flowId), flow, this.settings.ttlS, { ifAbsent: true }))) {
      throw new Error('registration flow id collision');
    }
    const issued = await this.codes.issueAndSend('register', address, (code) => this.mailer.send(this.mailFor(flow, code)));
    if (issued.ok) return { ok: true, flowId };
    await this.mailBudget.release(budget.reservation);
    if (issued.reason === 'hourly_limit') return { ok: false, reason: issued.reason, retryAfterS: issued.retryAfterS };
    return { ok: true, flowId, resendAfterS: issued.retryAfterS };
  }

  /** A new code for a flow still at the code step. On a verified flow there is nothing to resend: ok, no mail. */
  async resend(flowId: string, source: string): Promise<ResendResult> {
    const flow = await this.flow(flowId);
    if (!flow) return { ok: false, reason: 'unknown_flow' };
    if (flow.step !== 'code') return { ok: true, flowId };
    const budget = await this.mailBudget.reserve(source);
    if (!budget.ok) return budget;
    const issued = await this.codes.issueAndSend('register', flow.email, (code) => this.mailer.send(this.mailFor(flow, code)));
    if (!issued.ok) {
      await this.mailBudget.release(budget.reservation);
      return { ok: false, reason: issued.reason, retryAfterS: issued.retryAfterS };
    }
    return { ok: true, flowId };
  }

  /** On a flow that is already verified (a second tab, a double submit) answers ok without a code. */
  async verifyCode(flowId: string, code: string, origin: AttemptOrigin): Promise<VerifyStepResult> {
    const flow = await this.flow(flowId);
    if (!flow) return UNKNOWN_FLOW;
    if (flow.step === 'details') return VERIFIED;
    if (flow.existing) {
      // For an address that already has an account, check a candidate that can never match: the
      // attempt is counted and capped like any wrong guess, and even the issued code (never
      // mailed) is not consumed, so the answers stay those of a wrong code on a new address.
      const result = await this.codes.verify('register', flow.email, NEVER_MATCHES, origin);
      return result.ok ? INVALID_CODE : result;
    }
    // The code is spent and the flow advanced in one transaction: a failure between two writes
    // would leave a spent code on a flow still waiting for one.
    const advance: TransactionItem = {
      op: 'update',
      key: flowKey(flowId),
      fields: { step: 'details', verifiedAt: new Date(this.clock()).toISOString() },
      where: { step: 'code' },
    };
    const result = await this.codes.verify('register', flow.email, code, origin, [advance]);
    if (result.ok) return VERIFIED;
    // 'expired': a concurrent request (the other tab) may have used the code for this very flow.
    // 'refused': the flow expired since the read, or another request advanced it.
    if (result.reason === 'expired' || result.reason === 'refused') {
      if ((await this.flow(flowId))?.step === 'details') return VERIFIED;
      return result.reason === 'expired' ? result : UNKNOWN_FLOW;
    }
    return result;
  }

  /**
   * Creates the account, then consumes the flow. Single use rests on the unique address: a flow
   * belongs to one address and an address has at most one account (UserStore's
   * transaction), so of several requests completing one flow at once (two tabs), or several
   * verified flows for one address, exactly one creates the account and the others answer
   * 'email_taken', which is true and leads the user to sign in. Creating before consuming means
   * a directory outage leaves the flow intact for a retry.
   */
  async complete(flowId: string, input: { password: string; name: string }): Promise<CompleteResult> {
    const flow = await this.flow(flowId);
    if (!flow) return { ok: false, reason: 'unknown_flow' };
    if (flow.step !== 'details' || flow.existing) return { ok: false, reason: 'not_verified' };
    const name = normalizeName(input.name);
    if (name === undefined) return { ok: false, reason: 'invalid_name' };
    const rules = await checkNewPassword(input.password, { email: flow.email, name });
    if (!rules.ok) return { ok: false, reason: 'weak_password', problem: rules.problem };

    const passwordHash = await this.hasher.hash(input.password);
    let result: CompleteResult;
    try {
      result = { ok: true, user: await this.users.create({ email: flow.email, name, passwordHash, emailVerified: true }) };
    } catch (error) {
      // Any other error (the directory failed) leaves the flow for a retry.
      if (!(error instanceof EmailTakenError)) throw error;
      result = { ok: false, reason: 'email_taken' };
    }
    // A created account or a taken address ends the flow.
    await this.cache.consume(flowKey(flowId), { step: 'details' });
    return result;
  }

  async get(flowId: string): Promise<{ email: string; step: RegistrationStep } | undefined> {
    const flow = await this.flow(flowId);
    return flow ? { email: flow.email, step: flow.step } : undefined;
  }

  private async flow(flowId: string): Promise<FlowItem | undefined> {
    if (typeof flowId !== 'string' || !FLOW_ID.test(flowId)) return undefined;
    return this.cache.get<FlowItem>(flowKey(flowId));
  }

  private mailFor(flow: FlowItem, code: string): MailMessage {
    if (flow.existing) {
      return {
        to: flow.email,
        subject: `Your ${this.issuerName} account`,
        text: [
          `Someone, probably you, tried to create an account at ${this.issuerName} with this email address.`,
          '',
          'You already have an account. Sign in with your password, or with a code sent to this address if you have forgotten it.',
          '',
          'If this was not you, ignore this message: nothing has changed.',
        ].join('\n'),
      };
    }
    const minutes = Math.max(1, Math.round(this.codes.ttlS / 60));
    return {
      to: flow.email,
      subject: `Your ${this.issuerName} verification code`,
      text: [
        `Your verification code is ${code}`,
        '',
        `Enter it on the registration page within ${minutes} minutes.`,
        '',
        `If you did not try to create an account at ${this.issuerName}, ignore this message.`,
      ].join('\n'),
    };
  }
}

/** The trimmed, NFC name, or undefined when empty, too long or containing control characters. */
export function normalizeName(input: string): string | undefined {
  if (typeof input !== 'string') return undefined;
  const name = input.trim().normalize('NFC');
  const length = [...name].length;
  if (length < 1 || length > MAX_NAME_LENGTH || FORBIDDEN_IN_NAME.test(name)) return undefined;
  return name;
}

function flowKey(flowId: string): string {
  return `registration#${flowId}`;
}
