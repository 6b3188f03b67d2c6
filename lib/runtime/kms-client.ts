import { KMSClient } from '@aws-sdk/client-kms';
import type { Config } from '../config.js';
import { KmsKeyWrapper } from '../kms/kms-key-wrapper.js';
import { awsClientConfig, type AwsClientOptions } from './aws-client-options.js';
import { reportOutagesAs } from './dependency-outages.js';
import { traceAwsClient } from '../observability/tracing.js';

export function createKmsClient(options: AwsClientOptions): KMSClient {
  const client = new KMSClient(awsClientConfig(options));
  reportOutagesAs('kms', client.middlewareStack);
  traceAwsClient(client);
  return client;
}

/** The KMS client of a configuration: its region and, for the local stack, the local KMS endpoint. */
export function kmsClientFor(config: Pick<Config, 'region' | 'endpoints'>): KMSClient {
  return createKmsClient({ region: config.region, ...(config.endpoints.kms !== undefined && { endpoint: config.endpoints.kms }) });
}

/** Wraps under the configured KMS key, over `client` (one of its own unless given). */
export function kmsKeyWrapperFor(config: Pick<Config, 'region' | 'endpoints' | 'kmsKeyId'>, client = kmsClientFor(config)): KmsKeyWrapper {
  return new KmsKeyWrapper({ client, keyId: config.kmsKeyId });
}
