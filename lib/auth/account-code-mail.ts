/**
 * Mailing a one-time code to whoever holds an address, for the flows that start from an address
 * alone: code sign-in (`login`) and password reset (`reset`).
 *
 * Anti-enumeration, as in Registration: every usable address goes through the same steps (a
 * user lookup, a code issued under the same throttles, one mail), and the page answers the
 * same. Only the mail differs: an account holder gets the code, anyone else a notice that the
 * address has no account. So only the owner of the mailbox learns whether an account exists,
 * and the throttles (resend gate, hourly limit) cap mail to any address alike. Each mail is
 * first reserved in the sender's mail budget (MailBudget), which does not look at the address.
 */
import { findAccount, type AccountReads } from './account-lookup.js';
import type { AttemptOrigin } from './attempt-scopes.js';
import { normalizeEmail } from './email-address.js';
import type { MailBudget } from './mail-budget.js';
import type { Mailer, MailMessage } from './mailer.js';
import type { CodePurpose, IssueResult, VerifyCodeResult } from './one-time-codes.js';

/** The parts of OneTimeCodes these flows use. */
export interface CodeIssuer {
  issueAndSend(purpose: CodePurpose, email: string, send: (code: string) => Promise<void>): Promise<IssueResult>;
  verify(purpose: CodePurpose, email: string, code: string, origin: AttemptOrigin): Promise<VerifyCodeResult>;
  readonly ttlS: number;
}

export type AccountCodeStart =
  | { ok: true; email: string }
  | { ok: false; reason: 'invalid_email' }
  /**
   * A code was sent recently or too many this hour (the last one, if any, still works), or the
   * source has used its mail budget.
   */
  | { ok: false; reason: 'resend_too_soon' | 'hourly_limit' | 'source_limit'; email: string; retryAfterS: number };

/** The two mails of a purpose: the code for an account holder, the notice for anyone else. */
export interface AccountCodeMails {
  code(to: string, code: string, ttlMinutes: number): MailMessage;
  noAccount(to: string): MailMessage;
}

export class AccountCodeMail {
  private readonly purpose: CodePurpose;
  private readonly codes: CodeIssuer;
  private readonly users: AccountReads;
  private readonly mailer: Mailer;
  private readonly mailBudget: Pick<MailBudget, 'reserve' | 'release'>;
  private readonly mails: AccountCodeMails;

  constructor(options: {
    purpose: CodePurpose;
    codes: CodeIssuer;
    users: AccountReads;
    mailer: Mailer;
    mailBudget: Pick<MailBudget, 'reserve' | 'release'>;
    mails: AccountCodeMails;
  }) {
    this.purpose = options.purpose;
    this.codes = options.codes;
    this.users = options.users;
    this.mailer = options.mailer;
    this.mailBudget = options.mailBudget;
    this.mails = options.mails;
  }

  /** `source`: the client's IP address, whose mail budget pays for the mail. */
  async start(input: string, source: string): Promise<AccountCodeStart> {
    const email = normalizeEmail(input);
    if (!email) return { ok: false, reason: 'invalid_email' };
    // The same reads with or without an account: the step's timing must not tell them apart.
    const user = await findAccount(this.users, email);
    // Before the code is issued: a source past its budget spends nothing of the address's throttles.
    const budget = await this.mailBudget.reserve(source);
    if (!budget.ok) return { ...budget, email };
    const minutes = Math.max(1, Math.round(this.codes.ttlS / 60));
    const issued = await this.codes.issueAndSend(this.purpose, email, (code) =>
      this.mailer.send(user ? this.mails.code(email, code, minutes) : this.mails.noAccount(email)),
    );
    if (!issued.ok) {
      await this.mailBudget.release(budget.reservation);
      return { ok: false, reason: issued.reason, email, retryAfterS: issued.retryAfterS };
    }
    return { ok: true, email };
  }
}
