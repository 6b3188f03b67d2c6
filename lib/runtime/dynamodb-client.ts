import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../config.js';
import { awsClientConfig, type AwsClientOptions } from './aws-client-options.js';
import { reportOutagesAs } from './dependency-outages.js';
import { traceAwsClient } from '../observability/tracing.js';

/** The one place that builds DynamoDB clients; the base client is for table administration (the local stack's setup). */
export function createDynamoDbClient(options: AwsClientOptions): DynamoDBClient {
  const client = new DynamoDBClient(awsClientConfig(options));
  // A document client shares this middleware stack, so its commands are covered too.
  reportOutagesAs('dynamodb', client.middlewareStack);
  traceAwsClient(client);
  return client;
}

/** What the adapters use, so every one of them marshals items the same way. */
export function createDocumentClient(options: AwsClientOptions): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(createDynamoDbClient(options), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

/** The document client of a configuration: its region and, for the local stack, DynamoDB Local. */
export function documentClientFor(config: Pick<Config, 'region' | 'endpoints'>): DynamoDBDocumentClient {
  return createDocumentClient({ region: config.region, ...(config.endpoints.dynamodb !== undefined && { endpoint: config.endpoints.dynamodb }) });
}
