/**
 * The site's only stylesheet. The CSP forbids inline style, so every page links this file.
 * Pages link it with a content hash in the query (`STYLESHEET_HREF`), which lets the response
 * be cached for a year: a changed stylesheet gets a new URL, the route stays `/assets/site.css`.
 */
import { createHash } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { securityHeaders } from './security-headers.js';

export const STYLESHEET_PATH = '/assets/site.css';

/*
 * Vocabulary used by the page templates:
 *   main            the centred card holding the page
 *   .error          a message about what went wrong (give it role="alert" where it appears after a submit)
 *   .hint           secondary text under a field or heading
 *   .actions        the row of buttons / links at the end of a form
 *   a.button        a link that looks like a button
 *   .secondary      a less prominent button or button-like link
 */
export const STYLESHEET_CSS = `:root {
  color-scheme: light dark;
  --bg: #f4f5f7;
  --card: #ffffff;
  --text: #1b1d21;
  --muted: #4f5560;
  --border: #c4c8cf;
  --accent: #1a56db;
  --accent-text: #ffffff;
  --danger: #b42318;
  --danger-bg: #fdecea;
}

@media (prefers-color-scheme: dark) {
  :root {
    --bg: #121417;
    --card: #1c1f24;
    --text: #eceef1;
    --muted: #b3b9c2;
    --border: #4a505a;
    --accent: #7aa2ff;
    --accent-text: #0b1020;
    --danger: #ffb4a9;
    --danger-bg: #3b1a17;
  }
}

*, *::before, *::after { box-sizing: border-box; }

html { font-size: 100%; }

body {
  margin: 0;
  min-height: 100vh;
  display: flex;
  align-items: flex-start;
  justify-content: center;
  padding: 3rem 1rem;
  background: var(--bg);
  color: var(--text);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 1rem;
  line-height: 1.5;
}

main {
  width: 100%;
  max-width: 28rem;
  padding: 2rem;
  background: var(--card);
  border: 1px solid var(--border);
  border-radius: 0.75rem;
}

h1 { margin: 0 0 1rem; font-size: 1.5rem; line-height: 1.25; }
p { margin: 0 0 1rem; }
.hint { color: var(--muted); font-size: 0.9375rem; }

a { color: var(--accent); text-underline-offset: 0.15em; }

form { display: grid; gap: 1rem; }
label { display: grid; gap: 0.375rem; font-weight: 600; }

input {
  width: 100%;
  padding: 0.625rem 0.75rem;
  font: inherit;
  font-weight: 400;
  color: var(--text);
  background: var(--card);
  border: 1px solid var(--border);
  border-radius: 0.5rem;
}

input[aria-invalid="true"] { border-color: var(--danger); }

button, a.button {
  display: inline-block;
  padding: 0.625rem 1.25rem;
  font: inherit;
  font-weight: 600;
  text-align: center;
  text-decoration: none;
  color: var(--accent-text);
  background: var(--accent);
  border: 1px solid var(--accent);
  border-radius: 0.5rem;
  cursor: pointer;
}

button.secondary, a.button.secondary {
  color: var(--accent);
  background: transparent;
}

.actions { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: center; }

.error {
  padding: 0.75rem 1rem;
  color: var(--danger);
  background: var(--danger-bg);
  border-left: 4px solid var(--danger);
  border-radius: 0.25rem;
}

/* A visible focus ring on every control, for keyboard users. */
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }

@media (prefers-reduced-motion: reduce) {
  * { transition: none !important; animation: none !important; }
}
`;

const version = createHash('sha256').update(STYLESHEET_CSS).digest('base64url').slice(0, 16);

/** What pages put in `<link href>`. */
export const STYLESHEET_HREF = `${STYLESHEET_PATH}?v=${version}`;

export function stylesheetResponse(): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: 200,
    headers: {
      ...securityHeaders(),
      'Content-Type': 'text/css; charset=utf-8',
      'Cache-Control': 'public, max-age=31536000, immutable',
    },
    body: STYLESHEET_CSS,
  };
}
