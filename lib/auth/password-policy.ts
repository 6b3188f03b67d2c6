/**
 * The rules a new password must meet (registration, reset, change), after NIST SP 800-63B
 * §5.1.1.2 / 800-63B-4 §3.1.1.2: a minimum length, a generous maximum, every Unicode character
 * allowed, no composition rules, no expiry, and a refusal of passwords that are common, breached
 * or made of the user's own address or name.
 *
 * Minimum 15, not 8. Revision 4 (2024) asks 15 of a password that is the only factor and allows
 * 8 only where the password is one factor of several. Here a password signs in on its own (amr
 * `pwd`) for every account without a second factor, which is every account at registration; an
 * emailed code is another single factor, not a second one, so it does not change that. The
 * minimum must not depend on a second factor the user can remove the next minute, so there is
 * one rule for all. Passwords set before this rule keep working: the rule applies to new ones.
 *
 * Lengths count characters (code points) after NFKC, the form the hasher hashes, so a password
 * of emoji or of decomposed accents is as long as it looks. The maximum counts UTF-16 code units
 * of what was typed, what the form's `maxlength` counts.
 */
import { MAX_PASSWORD_LENGTH } from './password-hasher.js';
import { normalizeEmail } from './email-address.js';

export const MIN_PASSWORD_CHARACTERS = 15;
export const MAX_PASSWORD_CHARACTERS = 256;
/** What the pages tell the user, the same words wherever a password is chosen. */
export const PASSWORD_RULES_TEXT = `Use at least ${MIN_PASSWORD_CHARACTERS} characters. A few unrelated words make a strong password that is easy to remember. Common passwords and your own email address or name are refused.`;

/** `personal`: the address or name; `common`: on the list of common and breached passwords, or one short run repeated. */
export type PasswordProblem = 'too_short' | 'too_long' | 'common' | 'personal';
export type PasswordCheck = { ok: true } | { ok: false; problem: PasswordProblem };

export interface PasswordOwner {
  email: string;
  name?: string;
}

/** A personal word shorter than this is too likely to appear by chance to refuse on. */
const MIN_PERSONAL_WORD = 4;
/** A unit of up to 4 characters, repeated ("aaaa...", "abcabc...", "12121212..."). */
const REPEATED_RUN = /^(.{1,4})\1+$/su;

// The common-password list that ships with the kept @zxcvbn-ts/language-common package
// (~49,000 entries from breach corpora). Loaded on first use only: decompressing it costs about
// 300 ms, which only the requests that choose a password should pay, not every cold start.
let commonPasswords: Promise<ReadonlySet<string>> | undefined;
function loadCommonPasswords(): Promise<ReadonlySet<string>> {
  commonPasswords ??= import('@zxcvbn-ts/language-common').then(({ dictionary }) => new Set(dictionary['passwords-common'].map(comparable)));
  return commonPasswords;
}

export async function checkNewPassword(password: string, owner: PasswordOwner): Promise<PasswordCheck> {
  if (typeof password !== 'string' || password.length > Math.min(MAX_PASSWORD_CHARACTERS, MAX_PASSWORD_LENGTH)) return refused('too_long');
  const normalized = password.normalize('NFKC');
  if ([...normalized].length < MIN_PASSWORD_CHARACTERS) return refused('too_short');
  const candidate = comparable(normalized);
  if (personalWords(owner).some((word) => candidate.includes(word))) return refused('personal');
  if (REPEATED_RUN.test(candidate) || (await loadCommonPasswords()).has(candidate)) return refused('common');
  return { ok: true };
}

/** Case and spaces do not make a password another one: "Correct Horse" is "correcthorse". */
function comparable(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/gu, '');
}

function personalWords(owner: PasswordOwner): string[] {
  const address = normalizeEmail(owner.email) ?? owner.email;
  const localPart = address.slice(0, Math.max(0, address.lastIndexOf('@')));
  return [address, localPart, owner.name ?? ''].map(comparable).filter((word) => [...word].length >= MIN_PERSONAL_WORD);
}

function refused(problem: PasswordProblem): PasswordCheck {
  return { ok: false, problem };
}

/** The sentence that explains a refusal, for the page that asked for the password. */
export function passwordProblemText(problem: PasswordProblem): string {
  switch (problem) {
    case 'too_short':
      return `Choose a longer password: at least ${MIN_PASSWORD_CHARACTERS} characters. A few unrelated words are enough.`;
    case 'too_long':
      return `Choose a shorter password: at most ${MAX_PASSWORD_CHARACTERS} characters.`;
    case 'common':
      return 'That password is too common: it appears in lists attackers try first. Choose another one.';
    case 'personal':
      return 'Choose a password that does not contain your email address or your name.';
  }
}
