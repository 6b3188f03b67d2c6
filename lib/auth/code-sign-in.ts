/**
 * Sign-in with a one-time code mailed to the address (`/login/code`). The code is mailed the way
 * every address-only flow mails one (AccountCodeMail: the same steps and answer whether or not
 * the address has an account); only an account holder's mail carries the code.
 */
import type { AttemptOrigin } from './attempt-scopes.js';
import type { VerifyCodeResult } from './one-time-codes.js';
import { AccountCodeMail, type AccountCodeStart, type CodeIssuer } from './account-code-mail.js';
import type { AccountReads } from './account-lookup.js';
import type { MailBudget } from './mail-budget.js';
import type { Mailer, MailMessage } from './mailer.js';
import type { User } from './user-store.js';

export type { CodeIssuer } from './account-code-mail.js';
export type UserLookup = AccountReads;
export type CodeSignInStart = AccountCodeStart;

export type CodeSignInResult = { ok: true; user: User } | Exclude<VerifyCodeResult, { ok: true }>;

export class CodeSignIn {
  private readonly codes: CodeIssuer;
  private readonly users: UserLookup;
  private readonly mail: AccountCodeMail;
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
    this.issuerName = options.issuerName ?? 'Identity';
    this.registerUrl = options.registerUrl ?? '/register';
    this.mail = new AccountCodeMail({
      purpose: 'login',
      codes: options.codes,
      users: options.users,
      mailer: options.mailer,
      mailBudget: options.mailBudget,
      mails: { code: (to, code, minutes) => this.codeMail(to, code, minutes), noAccount: (to) => this.noAccountMail(to) },
    });
  }

  /** `source`: the client's IP address, whose mail budget pays for the mail. */
  start(input: string, source: string): Promise<CodeSignInStart> {
    return this.mail.start(input, source);
  }

  async verify(email: string, code: string, origin: AttemptOrigin): Promise<CodeSignInResult> {
    const result = await this.codes.verify('login', email, code, origin);
    if (!result.ok) return result;
    // A code is only mailed to account holders; without an account nobody can know it, but
    // if the account was deleted in between, there is nobody to sign in.
    const user = await this.users.findByEmail(email);
    return user ? { ok: true, user } : { ok: false, reason: 'invalid' };
  }

  private codeMail(to: string, code: string, minutes: number): MailMessage {
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
