import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../config.js';
import { awsClientConfig, type AwsClientOptions } from './aws-client-options.js';
import { reportOutagesAs } from './dependency-outages.js';

/** The one place that builds DynamoDB clients, so every adapter marshals items the same way. */
export function createDocumentClient(options: AwsClientOptions): DynamoDBDocumentClient {
  const client = new DynamoDBClient(awsClientConfig(options));
  // The document client shares this middleware stack, so its commands are covered too.
  reportOutagesAs('dynamodb', client.middlewareStack);
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

/** The document client of a configuration: its region and, for the local stack, DynamoDB Local. */
export function documentClientFor(config: Pick<Config, 'region' | 'endpoints'>): DynamoDBDocumentClient {
  return createDocumentClient({ region: config.region, ...(config.endpoints.dynamodb !== undefined && { endpoint: config.endpoints.dynamodb }) });
}
