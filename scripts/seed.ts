/**
 * Seeds the local stack's demo client: a public client (PKCE) for an app on
 * http://localhost:8080. Idempotent: running it again leaves the same client in place.
 * `scripts/start.ts` calls `seedDemoClient` after creating the tables.
 */
import { loadConfig } from '../lib/config.js';
import { createDocumentClient } from '../lib/store/dynamodb-client.js';
import { registryFor } from './clients.js';

export const DEMO_CLIENT = {
  clientId: 'demo-app',
  redirectUris: ['http://localhost:8080/callback'],
  postLogoutRedirectUris: ['http://localhost:8080/'],
} as const;

export async function seedDemoClient(env: Record<string, string>): Promise<{ clientId: string; redirectUris: string[] }> {
  const config = loadConfig(env);
  const documentClient = createDocumentClient({ region: config.region, endpoint: config.endpoints.dynamodb });
  try {
    // Replacing with the same metadata is what makes this idempotent (and repairs an edited demo client).
    const client = await registryFor(config, documentClient).register(
      {
        clientId: DEMO_CLIENT.clientId,
        redirectUris: [...DEMO_CLIENT.redirectUris],
        postLogoutRedirectUris: [...DEMO_CLIENT.postLogoutRedirectUris],
      },
      { replace: true },
    );
    return { clientId: client.clientId, redirectUris: client.redirectUris };
  } finally {
    documentClient.destroy();
  }
}
