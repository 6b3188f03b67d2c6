/** The answer to a refused antiforgery check: nothing about why, a way to start again. */
import type { SafeHtml } from '../http/html.js';
import { renderErrorPage } from '../http/error-page.js';

export function formExpiredPage(startAgainHref: string, message?: string): SafeHtml {
  return renderErrorPage({
    title: 'This form can no longer be sent',
    message:
      message ??
      'For your security, the form could not be accepted. This happens when a page was open for a long time, or when you signed in, signed out or started over in another tab. Please start again.',
    startAgainHref,
  });
}
