/**
 * GET /jwks: the published signing keys. Reads the `keys` table only; this function has no
 * KMS access and imports no KMS client. Shortly cacheable: a new key is published for
 * SIGNING_PROPAGATION_S before it signs, far longer than max-age plus the ring refresh.
 * Open to browser apps (CORS), which verify ID tokens with these keys.
 */
import { loadConfig } from '../lib/config.js';
import { withCors } from '../lib/http/cors.js';
import { api, type HttpHandler } from '../lib/http/handler.js';
import { json } from '../lib/http/response.js';
import { SigningKeyPublisher } from '../lib/signing/signing-jwks.js';
import { createDocumentClient } from '../lib/runtime/dynamodb-client.js';
import { DynamoDbKeyRingRepository } from '../lib/store/key-ring-repository.js';

const JWKS_CACHE_CONTROL = 'public, max-age=300';

export function jwksHandler(publisher: Pick<SigningKeyPublisher, 'publishedKeys'>): HttpHandler {
  return withCors(
    { methods: ['GET'] },
    api(async () => json(200, { keys: await publisher.publishedKeys() }, { headers: { 'Cache-Control': JWKS_CACHE_CONTROL } })),
  );
}

const config = loadConfig();
const repository = new DynamoDbKeyRingRepository({
  client: createDocumentClient({ region: config.region, endpoint: config.endpoints.dynamodb }),
  tableName: config.tables.keys,
});

export const handler = jwksHandler(new SigningKeyPublisher({ config, repository }));
