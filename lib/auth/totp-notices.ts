/**
 * The mails that tell a user their second factors changed, so a change they did not make (a
 * stolen session, an operator reset after a social-engineering call) does not go unnoticed.
 * They carry no code, secret or link to act on.
 */
import type { MailMessage } from './mailer.js';

export type SecondFactorChange = 'totp-enabled' | 'totp-disabled' | 'recovery-codes-replaced' | 'reset-by-operator';

const SENTENCES: Record<SecondFactorChange, { subject: string; text: string }> = {
  'totp-enabled': { subject: 'Two-step verification was turned on', text: 'Two-step verification with an authenticator app was turned on for your account.' },
  'totp-disabled': { subject: 'Two-step verification was turned off', text: 'Two-step verification with an authenticator app was turned off for your account.' },
  'recovery-codes-replaced': { subject: 'New recovery codes were made', text: 'New recovery codes were made for your account; the old ones no longer work.' },
  'reset-by-operator': {
    subject: 'Your second factors were removed',
    text: 'At your request, our support removed the authenticator app, recovery codes and passkeys from your account. Sign in and set them up again.',
  },
};

export function secondFactorChangeMail(to: string, change: SecondFactorChange, issuerName = 'Identity'): MailMessage {
  const { subject, text } = SENTENCES[change];
  return {
    to,
    subject: `${issuerName}: ${subject}`,
    text: [text, '', 'If this was not you, reset your password now and contact support.'].join('\n'),
  };
}
