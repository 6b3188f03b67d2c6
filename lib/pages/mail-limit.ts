/**
 * The answer when the sender's network has used its mail budget (lib/auth/mail-budget.ts): the
 * same words on /register and /login/code, whatever the address, so the refusal reveals nothing
 * about who has an account. 429 with Retry-After; the text says when to try again.
 */
import { waitText } from './login.js';

const HOUR_S = 60 * 60;

export interface MailLimitRefusal {
  status: 429;
  message: string;
  headers: Record<string, string>;
}

export function mailLimitRefusal(retryAfterS: number): MailLimitRefusal {
  const seconds = Math.max(1, Math.ceil(retryAfterS));
  // The daily budget can leave most of a day to wait: hours read better than 1,260 minutes.
  const wait = seconds >= 2 * HOUR_S ? `${Math.ceil(seconds / HOUR_S)} hours` : waitText(seconds);
  return {
    status: 429,
    message: `Too many emails were sent from your network. Try again in ${wait}.`,
    headers: { 'Retry-After': String(seconds) },
  };
}
