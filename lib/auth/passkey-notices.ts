/**
 * The mails that tell a user a passkey was added to or removed from their account: a passkey is
 * a way in (and a second factor), so a change they did not make must not go unnoticed. Worded
 * like the second-factor notices (totp-notices.ts); no code, secret or link to act on.
 */
import type { MailMessage } from './mailer.js';

export type PasskeyChange = 'added' | 'removed';

const SENTENCES: Record<PasskeyChange, { subject: string; text: (name: string) => string }> = {
  added: { subject: 'A passkey was added', text: (name) => `A passkey ("${name}") was added to your account. It can sign in without your password.` },
  removed: { subject: 'A passkey was removed', text: (name) => `The passkey "${name}" was removed from your account; it no longer signs in.` },
};

export function passkeyChangeMail(to: string, change: PasskeyChange, passkeyName: string, issuerName = 'Identity'): MailMessage {
  const { subject, text } = SENTENCES[change];
  return {
    to,
    subject: `${issuerName}: ${subject}`,
    text: [text(passkeyName), '', 'If this was not you, reset your password now and contact support.'].join('\n'),
  };
}
