/**
 * The HTML5 document every page shares. No inline script or style: the CSP would block them,
 * and the stylesheet link is the only presentation.
 */
import { html, type SafeHtml } from './html.js';
import { FAVICON_PATH } from './favicon.js';
import { STYLESHEET_HREF } from './stylesheet.js';

export interface PageContent {
  title: string;
  body: SafeHtml;
  lang?: string;
}

export function renderPage({ title, body, lang = 'en' }: PageContent): SafeHtml {
  return html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="${STYLESHEET_HREF}">
<link rel="icon" href="${FAVICON_PATH}" type="image/svg+xml">
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}
