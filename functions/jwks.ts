/**
 * GET /jwks: the published signing keys. Reads the `keys` table only: no KMS access, no KMS
 * client. Shortly cacheable: a new key is published for SIGNING_PROPAGATION_S before it signs,
 * far longer than max-age plus the ring refresh. Open to browser apps (CORS), which verify ID
 * tokens with these keys.
 */
import { withCors } from '../lib/http/cors.js';
import { api, type HttpHandler } from '../lib/http/handler.js';
import { json } from '../lib/http/response.js';
import type { SigningKeyPublisher } from '../lib/signing/signing-jwks.js';
import { getSigningKeyPublisher } from '../lib/runtime/table-services.js';

export function jwksHandler(publisher: Pick<SigningKeyPublisher, 'publishedKeys'>): HttpHandler {
  const headers = { 'Cache-Control': 'public, max-age=300' };
  return withCors({ methods: ['GET'] }, api(async () => json(200, { keys: await publisher.publishedKeys() }, { headers })));
}

export const handler = jwksHandler(getSigningKeyPublisher());
