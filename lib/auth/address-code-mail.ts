/**
 * What the flows that start from an address alone (code sign-in, password reset) build their
 * AccountCodeMail from: the same mailing dependencies, and two mails written the same way for
 * every purpose, so that only the few words naming the purpose differ between them.
 */
import { AccountCodeMail, type CodeIssuer } from './account-code-mail.js';
import type { AccountReads } from './account-lookup.js';
import type { MailBudget } from './mail-budget.js';
import type { Mailer } from './mailer.js';
import type { CodePurpose } from './one-time-codes.js';

export interface AddressCodeMailOptions {
  codes: CodeIssuer;
  users: AccountReads;
  mailer: Mailer;
  mailBudget: Pick<MailBudget, 'reserve' | 'release'>;
  /** Names the service in the mails; `Identity` when not given. */
  issuerName?: string;
  /** Where the "no account" notice sends the reader; `/register` when not given. */
  registerUrl?: string;
}

/** The words of one purpose's mails. */
export interface AddressCodeWording {
  /** Names the code, as in "Your sign-in code is 123456". */
  codeName: string;
  /** Where to enter the code, and within how long. */
  enterIt(minutes: number): string;
  /** Tells whoever did not ask for the code what it means for them. */
  ifNotYou: string;
  /** The subject of the notice to an address without an account. */
  noAccountSubject(issuerName: string): string;
  /** What was asked for, as in "Someone, probably you, <asked for a sign-in code for X> with this email address". */
  asked(issuerName: string): string;
}

export function addressCodeMail(purpose: CodePurpose, wording: AddressCodeWording, options: AddressCodeMailOptions): AccountCodeMail {
  const issuerName = options.issuerName ?? 'Identity';
  const registerUrl = options.registerUrl ?? '/register';
  return new AccountCodeMail({
    purpose,
    codes: options.codes,
    users: options.users,
    mailer: options.mailer,
    mailBudget: options.mailBudget,
    mails: {
      code: (to, code, minutes) => ({
        to,
        subject: `Your ${issuerName} ${wording.codeName} code`,
        text: [`Your ${wording.codeName} code is ${code}`, '', wording.enterIt(minutes), '', wording.ifNotYou].join('\n'),
      }),
      noAccount: (to) => ({
        to,
        subject: wording.noAccountSubject(issuerName),
        text: [
          `Someone, probably you, ${wording.asked(issuerName)} with this email address,`,
          'but there is no account for it.',
          '',
          `To create an account, register at ${registerUrl}.`,
          '',
          'If this was not you, ignore this message.',
        ].join('\n'),
      }),
    },
  });
}
