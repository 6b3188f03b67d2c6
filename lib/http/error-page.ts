/**
 * A readable error page: what happened, in words for the user, and where to go next.
 * Never anything from the failed request or the error object itself.
 */
import { html, type SafeHtml } from './html.js';
import { renderPage } from './page.js';

export interface ErrorPageContent {
  title: string;
  message: string;
  /**
   * Same-origin path of a "Start again" link, e.g. the authorize URL the flow began at.
   * Only paths are accepted, so an error page can never become an open redirect.
   */
  startAgainHref?: string;
}

export function renderErrorPage({ title, message, startAgainHref }: ErrorPageContent): SafeHtml {
  if (startAgainHref !== undefined && !isSameOriginPath(startAgainHref)) {
    throw new TypeError('startAgainHref must be a path on this site');
  }
  const startAgain =
    startAgainHref !== undefined &&
    html`<p class="actions"><a class="button" href="${startAgainHref}">Start again</a></p>`;
  return renderPage({
    title,
    body: html`<h1>${title}</h1>
<p>${message}</p>
${startAgain}`,
  });
}

/**
 * `/x` but not `//host` or `/\host`, which browsers treat as another origin, and no whitespace
 * or control characters, which browsers strip from URLs (`/\t/host` becomes `//host`).
 */
function isSameOriginPath(href: string): boolean {
  return /^\/(?![/\\])[^\s\x00-\x1f\x7f]*$/.test(href);
}
