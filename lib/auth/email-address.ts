/**
 * One canonical spelling per mailbox, so `A@Example.com` and `a@example.com` are one account and
 * one set of throttling counters.
 *
 * The whole address is lowercased, the local part included. RFC 5321 lets a server treat local
 * parts case-sensitively, but no mainstream provider does, and two accounts that differ only in
 * case are a support and phishing problem, not a feature.
 *
 * The syntax check is deliberately "reasonable", not RFC 5322: dot-atom local parts (Unicode
 * letters allowed, as RFC 6531 does), a DNS-style domain with at least two labels, no quoted
 * strings, comments or IP literals. Whether the mailbox exists is proven by the one-time code.
 */

export const MAX_EMAIL_LENGTH = 254;
const MAX_LOCAL_LENGTH = 64;
const MAX_LABEL_LENGTH = 63;

const ATOM = /^[\p{L}\p{M}\p{N}!#$%&'*+/=?^_`{|}~-]+$/u;
const LABEL = /^[\p{L}\p{M}\p{N}](?:[\p{L}\p{M}\p{N}-]*[\p{L}\p{M}\p{N}])?$/u;
const ALL_DIGITS = /^\d+$/;

/** The normalized address (trimmed, NFC, lowercase), or undefined when it is not a usable address. */
export function normalizeEmail(input: string): string | undefined {
  if (typeof input !== 'string') return undefined;
  // Bound the work before normalising: NFC can change the length, but never by more than a few times.
  if (input.length > MAX_EMAIL_LENGTH * 4) return undefined;
  const email = input.trim().normalize('NFC').toLowerCase();
  if (email.length === 0 || email.length > MAX_EMAIL_LENGTH) return undefined;

  const at = email.indexOf('@');
  if (at <= 0 || at !== email.lastIndexOf('@')) return undefined;
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);

  if (local.length > MAX_LOCAL_LENGTH) return undefined;
  if (!local.split('.').every((atom) => ATOM.test(atom))) return undefined;

  const labels = domain.split('.');
  if (labels.length < 2) return undefined;
  if (!labels.every((label) => label.length <= MAX_LABEL_LENGTH && LABEL.test(label))) return undefined;
  if (ALL_DIGITS.test(labels[labels.length - 1] ?? '')) return undefined;

  return email;
}
