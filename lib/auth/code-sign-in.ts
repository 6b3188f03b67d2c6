/**
 * Sign-in with a one-time code mailed to the address (`/login/code`). The code is mailed the way
 * every address-only flow mails one (AccountCodeMail: the same steps and answer whether or not
 * the address has an account); only an account holder's mail carries the code.
 */
import type { AttemptOrigin } from './attempt-scopes.js';
import type { VerifyCodeResult } from './one-time-codes.js';
import type { AccountCodeMail, AccountCodeStart, CodeIssuer } from './account-code-mail.js';
import type { AccountReads } from './account-lookup.js';
import { addressCodeMail, type AddressCodeMailOptions, type AddressCodeWording } from './address-code-mail.js';
import type { User } from './user-store.js';

export type { CodeIssuer } from './account-code-mail.js';
export type UserLookup = AccountReads;
export type CodeSignInStart = AccountCodeStart;

export type CodeSignInResult = { ok: true; user: User } | Exclude<VerifyCodeResult, { ok: true }>;

const SIGN_IN_WORDING: AddressCodeWording = {
  codeName: 'sign-in',
  enterIt: (minutes) => `Enter it on the sign-in page within ${minutes} minutes.`,
  ifNotYou: 'If you did not try to sign in, ignore this message: nobody can sign in without the code.',
  noAccountSubject: (issuerName) => `Signing in to ${issuerName}`,
  asked: (issuerName) => `asked for a sign-in code for ${issuerName}`,
};

export class CodeSignIn {
  private readonly codes: CodeIssuer;
  private readonly users: UserLookup;
  private readonly mail: AccountCodeMail;

  constructor(options: AddressCodeMailOptions) {
    this.codes = options.codes;
    this.users = options.users;
    this.mail = addressCodeMail('login', SIGN_IN_WORDING, options);
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
}
