import { renderErrorPage } from '../lib/http/error-page.js';
import { page } from '../lib/http/handler.js';
import { FAVICON_PATH, faviconResponse } from '../lib/http/favicon.js';
import { path } from '../lib/http/request.js';
import { html } from '../lib/http/response.js';
import { STYLESHEET_PATH, stylesheetResponse } from '../lib/http/stylesheet.js';

/** The static files pages use (a strict CSP forbids inline styles). */
const assets: Record<string, () => ReturnType<typeof stylesheetResponse>> = {
  [STYLESHEET_PATH]: stylesheetResponse,
  [FAVICON_PATH]: faviconResponse,
};

export const handler = page(async (event) => {
  const serve = assets[path(event)];
  return serve ? serve() : html(404, renderErrorPage({ title: 'Not found', message: 'There is no such file.' }));
});
