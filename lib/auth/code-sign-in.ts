/**
 * Sign-in with a one-time code mailed to the address (`/login/code`).
 *
 * Anti-enumeration, as in Registration: every usable address goes through the same steps (a
 * user lookup, a code issued under the same throttles, one mail), and the page answers the
 * same. Only the mail differs: an account holder gets the code, anyone else a notice that the
 * address has no account. So only the owner of the mailbox learns whether an account exists,
 * and the throttles (resend gate, hourly limit) cap mail to any address alike. Each mail is
 * first reserved in the sender's mail budget (MailBudget), which does not look at the address.
 */
import type { AttemptOrigin } from './attempt-scopes.js';
import type { CodePurpose, IssueResult, VerifyCodeResult } from './one-time-codes.js';
import { findAccount, type AccountReads } from './account-lookup.js';
import { normalizeEmail } from './email-address.js';
import type { MailBudget } from './mail-budget.js';
import type { Mailer, MailMessage } from './mailer.js';
import type { User } from './user-store.js';

/** The parts of OneTimeCodes and UserStore this flow uses. */
export interface CodeIssuer {
  issueAndSend(purpose: CodePurpose, email: string, send: (code: string) => Promise<void>): Promise<IssueResult>;
  verify(purpose: CodePurpose, email: string, code: string, origin: AttemptOrigin): Promise<VerifyCodeResult>;
  readonly ttlS: number;
}

export type UserLookup = AccountReads;

export type CodeSignInStart =
  | { ok: true; email: string }
  | { ok: false; reason: 'invalid_email' }
  /**
   * A code was sent recently or too many this hour (the last one, if any, still works), or the
   * source has used its mail budget.
   */
  | { ok: false; reason: 'resend_too_soon' | 'hourly_limit' | 'source_limit'; email: string; retryAfterS: number };

export type CodeSignInResult = { ok: true; user: User } | Exclude<VerifyCodeResult, { ok: true }>;

export class CodeSignIn {
  private readonly codes: CodeIssuer;
  private readonly users: UserLookup;
  private readonly mailer: Mailer;
  private readonly mailBudget: Pick<MailBudget, 'reserve' | 'release'>;
  private readonly issuerName: string;
  private readonly registerUrl: string;

  constructor(options: {
    codes: CodeIssuer;
    users: UserLookup;
    mailer: Mailer;
    mailBudget: Pick<MailBudget, 'reserve' | 'release'>;
    issuerName?: string;
    registerUrl?: string;
  }) {
    this.codes = options.codes;
    this.users = options.users;
    this.mailer = options.mailer;
    this.mailBudget = options.mailBudget;
    this.issuerName = options.issuerName ?? 'Identity';
    this.registerUrl = options.registerUrl ?? '/register';
  }

  /** `source`: the client's IP address, whose mail budget pays for the mail. */
  async start(input: string, source: string): Promise<CodeSignInStart> {
    const email = normalizeEmail(input);
    if (!email) return { ok: false, reason: 'invalid_email' };
    // The same reads with or without an account: the step's timing must not tell them apart.
    const user = await findAccount(this.users, email);
    // Before the code is issued: a source past its budget spends nothing of the address's throttles.
    const budget = await this.mailBudget.reserve(source);
    if (!budget.ok) return { ...budget, email };
    const issued = await this.codes.issueAndSend('login', email, (code) => this.mailer.send(user ? this.codeMail(email, code) : this.noAccountMail(email)));
    if (!issued.ok) {
      await this.mailBudget.release(budget.reservation);
      return { ok: false, reason: issued.reason, email, retryAfterS: issued.retryAfterS };
    }
    return { ok: true, email };
  }

  async verify(email: string, code: string, origin: AttemptOrigin): Promise<CodeSignInResult> {
    const result = await this.codes.verify('login', email, code, origin);
    if (!result.ok) return result;
    // A code is only mailed to account holders; without an account nobody can know it, but
    // if the account was deleted in between, there is nobody to sign in.
    const user = await this.users.findByEmail(email);
    return user ? { ok: true, user } : { ok: false, reason: 'invalid' };
  }

  private codeMail(to: string, code: string): MailMessage {
    const minutes = Math.max(1, Math.round(this.codes.ttlS / 60));
    return {
      to,
      subject: `Your ${this.issuerName} sign-in code`,
      text: [
        `Your sign-in code is ${code}`,
        '',
        `Enter it on the sign-in page within ${minutes} minutes.`,
        '',
        'If you did not try to sign in, ignore this message: nobody can sign in without the code.',
      ].join('\n'),
    };
  }

  private noAccountMail(to: string): MailMessage {
    return {
      to,
      subject: `Signing in to ${this.issuerName}`,
      text: [
        `Someone, probably you, asked for a sign-in code for ${this.issuerName} with this email address,`,
        'but there is no account for it.',
        '',
        `To create an account, register at ${this.registerUrl}.`,
        '',
        'If this was not you, ignore this message.',
      ].join('\n'),
    };
  }
}
