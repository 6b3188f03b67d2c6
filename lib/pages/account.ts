/** `/account`: the sections (lib/pages/account-section.ts), each under its own heading and fragment id. */
import { html, type SafeHtml } from '../http/html.js';
import { renderPage } from '../http/page.js';
import { notice } from './form-parts.js';

export const ACCOUNT_PATH = '/account';

export function accountPage({ sections, done }: { sections: ReadonlyArray<{ id: string; title: string; body: SafeHtml }>; done?: string }): SafeHtml {
  return renderPage({
    title: 'Your account',
    body: html`<h1>Your account</h1>
${notice(done)}
<nav aria-label="Sections"><ul>${sections.map((s) => html`<li><a href="#${s.id}">${s.title}</a></li>`)}</ul></nav>
${sections.map((s) => html`<section id="${s.id}" aria-labelledby="${s.id}-title">
<h2 id="${s.id}-title">${s.title}</h2>
${s.body}
</section>`)}
<p class="actions"><a href="/">Home</a></p>`,
  });
}

/** What the section endpoints say after a change (`/account?done=<key>`): fixed sentences, never text from the URL. */
export type AccountChangeDone = 'profile' | 'email' | 'password';

export const ACCOUNT_DONE_MESSAGES: Readonly<Record<AccountChangeDone, string>> = {
  profile: 'Your name was saved.',
  email: 'Your email address was changed.',
  password: 'Your password was changed. Every other browser and app was signed out.',
};

export function accountDoneUrl(key: AccountChangeDone): string {
  return `${ACCOUNT_PATH}?done=${key}`;
}
