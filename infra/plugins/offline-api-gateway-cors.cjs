/**
 * Makes `osls offline` answer CORS as the deployed HTTP API does.
 *
 * serverless-offline (14.x, src/events/http/HttpServer.js) adds a hapi `onPreResponse`
 * extension that, on every response to a request carrying an Origin header, reflects that origin
 * in Access-Control-Allow-Origin and adds Access-Control-Allow-Credentials: true, on every route.
 * Locally, any page could then read /login or /authorize with the user's cookies. API Gateway
 * with no `httpApi.cors` (this API: serverless.yml) adds nothing and passes on the function's
 * headers; the endpoints open to browser apps answer CORS themselves (lib/http/cors.ts).
 * serverless-offline has no option to turn the extension off, so this plugin keeps it from being
 * registered: hapi's `ext` skips an `onPreResponse` extension that sets that header. If a
 * serverless-offline upgrade changes the extension, nothing is skipped and the e2e CORS test
 * fails (test/e2e/oidc-openid-client.test.ts).
 */
'use strict';

const path = require('node:path');

const CORS_EXTENSION = /access-control-allow-origin/i;

class OfflineApiGatewayCors {
  constructor(serverless) {
    this.serverless = serverless;
    const install = () => this.install();
    // `osls offline` runs the `offline:start` event; `osls offline start` its `init` sub-event.
    this.hooks = { 'before:offline:start': install, 'before:offline:start:init': install };
  }

  install() {
    if (this.installed) return;
    this.installed = true;
    // The hapi serverless-offline loads, wherever npm placed it.
    const offlineDir = path.join(this.serverless.serviceDir, 'node_modules', 'serverless-offline');
    const hapi = require(require.resolve('@hapi/hapi', { paths: [offlineDir] }));
    const serverPrototype = Object.getPrototypeOf(hapi.server());
    const ext = serverPrototype.ext;
    serverPrototype.ext = function (event, method, options) {
      if (event === 'onPreResponse' && typeof method === 'function' && CORS_EXTENSION.test(String(method))) return undefined;
      return ext.call(this, event, method, options);
    };
  }
}

module.exports = OfflineApiGatewayCors;
