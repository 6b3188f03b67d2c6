/**
 * Dynamic client registration's endpoint over the directory (clients) and TTL (initial access
 * tokens, rate counters) tables: DynamoDB only, no KMS, no SES.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { once } from '../once.js';
import { ClientRegistrationEndpoint } from '../oidc/client-registration-endpoint.js';
import { InitialAccessTokens } from '../oidc/client-registration-tokens.js';
import { ClientRegistry } from '../store/client-registry.js';
import { TtlCache } from '../store/ttl-cache.js';
import { getClock, getConfig, getDocumentClient } from './table-services.js';

export function createClientRegistrationEndpoint(deps: { config: Config; clock: Clock; documentClient: DynamoDBDocumentClient }): ClientRegistrationEndpoint {
  const { config, clock, documentClient: client } = deps;
  const counters = new TtlCache({ client, tableName: config.tables.cache, clock });
  return new ClientRegistrationEndpoint({
    config,
    clients: new ClientRegistry({ client, tableName: config.tables.directory, clock }),
    initialAccessTokens: new InitialAccessTokens(counters, clock),
    counters,
    clock,
  });
}

export const getClientRegistrationEndpoint = /* @__PURE__ */ once(
  (): ClientRegistrationEndpoint => createClientRegistrationEndpoint({ config: getConfig(), clock: getClock(), documentClient: getDocumentClient() }),
);
