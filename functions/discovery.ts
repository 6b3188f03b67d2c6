/** GET /.well-known/openid-configuration: the provider's metadata. Open to browser apps (CORS). */
import { loadConfig, type Config } from '../lib/config.js';
import { withCors } from '../lib/http/cors.js';
import { api, type HttpHandler } from '../lib/http/handler.js';
import { json } from '../lib/http/response.js';
import { discoveryDocument } from '../lib/oidc/discovery.js';

export function discoveryHandler(config: Config): HttpHandler {
  // The document only changes with a deploy, so it is built once per instance.
  const document = discoveryDocument(config);
  return withCors(
    { methods: ['GET'] },
    api(async () => json(200, document, { headers: { 'Cache-Control': 'public, max-age=3600' } })),
  );
}

export const handler = discoveryHandler(loadConfig());
