/** GET /assets/*: the static files pages use (a strict CSP forbids inline styles and scripts). */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { renderErrorPage } from '../http/error-page.js';
import { FAVICON_PATH, faviconResponse } from '../http/favicon.js';
import { path } from '../http/request.js';
import { html, type HttpResponse } from '../http/response.js';
import { STYLESHEET_PATH, stylesheetResponse } from '../http/stylesheet.js';
import { PASSKEY_SCRIPT_PATH } from './passkey-script-href.generated.js';
import { passkeyScriptResponse } from './passkey-script.js';

const ASSETS: Readonly<Record<string, () => HttpResponse>> = {
  [STYLESHEET_PATH]: stylesheetResponse,
  [FAVICON_PATH]: faviconResponse,
  [PASSKEY_SCRIPT_PATH]: passkeyScriptResponse,
};

export class AssetsEndpoint {
  async handle(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    const serve = ASSETS[path(event)];
    return serve ? serve() : html(404, renderErrorPage({ title: 'Not found', message: 'There is no such file.' }));
  }
}
