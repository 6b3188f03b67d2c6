/**
 * "Where you are signed in" on /account (lib/pages/account-section.ts): every live session of the
 * user with its browser, OS and approximate times, the current one marked, a "sign out" for each
 * other one and "sign out everywhere else". Apps keep their offline access (the "apps" section
 * manages that). Cost: one Query (the session index, lib/session/session-index.ts).
 */
import { html, type SafeHtml } from '../http/html.js';
import type { SignedInSession } from '../session/session-index.js';
import type { AccountSection, AccountSectionContext } from './account-section.js';
import { hiddenFields } from './form-parts.js';

export const SESSIONS_SECTION_ID = 'sessions';
export const SIGN_OUT_SESSION_PATH = '/account/sessions/sign-out';
export const SIGN_OUT_OTHER_SESSIONS_PATH = '/account/sessions/sign-out-others';
export const SESSION_FIELD = 'session';

export class SessionsSection implements AccountSection {
  readonly id = SESSIONS_SECTION_ID;
  readonly title = 'Where you are signed in';

  constructor(private readonly sessions: { listFor(subject: string): Promise<SignedInSession[]> }) {}

  async render({ user, session, antiforgeryToken }: AccountSectionContext): Promise<SafeHtml> {
    const listed = await this.sessions.listFor(user.id);
    // The index is eventually consistent: the session showing this page may be a moment late in it.
    const others = listed.filter((s) => s.sessionId !== session.sessionId);
    const current = listed.find((s) => s.sessionId === session.sessionId);
    return html`<ul class="sessions">
<li>${current !== undefined ? describe(current) : html`This browser`} <strong>(this browser)</strong></li>
${others.map(
  (other) => html`<li>${describe(other)}
<form method="post" action="${SIGN_OUT_SESSION_PATH}" class="inline">
${hiddenFields({ antiforgeryToken }, { [SESSION_FIELD]: other.sessionId })}
<button type="submit" class="secondary" aria-label="${`Sign out ${other.browser} on ${other.os}`}">Sign out</button>
</form></li>`,
)}
</ul>
${
  others.length > 0 &&
  html`<form method="post" action="${SIGN_OUT_OTHER_SESSIONS_PATH}">
${hiddenFields({ antiforgeryToken })}
<div class="actions"><button type="submit">Sign out everywhere else</button></div>
</form>`
}`;
  }
}

function describe(session: SignedInSession): SafeHtml {
  return html`${session.browser} on ${session.os}: signed in ${approximateTime(session.startedAtMs)}, last used ${approximateTime(session.lastUsedAtS * 1000)}`;
}

/** To the minute, in UTC: the times are approximate (last use moves at most every half idle window). */
export function approximateTime(epochMs: number): SafeHtml {
  const iso = new Date(epochMs).toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC</time>`;
}
