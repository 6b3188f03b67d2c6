import { SESv2Client } from '@aws-sdk/client-sesv2';
import { awsClientConfig, type AwsClientOptions } from './aws-client-options.js';
import { reportOutagesAs } from './dependency-outages.js';
import { traceAwsClient } from '../observability/tracing.js';

export function createSesClient(options: AwsClientOptions): SESv2Client {
  const client = new SESv2Client(awsClientConfig(options));
  reportOutagesAs('ses', client.middlewareStack);
  traceAwsClient(client);
  return client;
}
