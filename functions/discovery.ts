import { loadConfig } from '../lib/config.js';
import { api } from '../lib/http/handler.js';
import { json } from '../lib/http/response.js';
import { discoveryDocument } from '../lib/oidc/discovery.js';

const config = loadConfig();
// The document only changes with a deploy, so it is built once per instance.
const document = discoveryDocument(config);

export const handler = api(async () =>
  json(200, document, { headers: { 'Cache-Control': 'public, max-age=3600' } }),
);
