/**
 * The local stack's coordinates, shared by `npm start` and the operator CLIs
 * (`npm run keys|clients|outbox`), so a CLI run beside `npm start` sees the same tables.
 */
import type { LocalPorts } from './local-ports.js';

export const localKmsAlias = 'alias/identity-local';

/**
 * The SDK warns once per process that it will drop Node 20 (@aws-sdk/core's
 * emitWarningIfUnsupportedVersion reads this variable); Lambda runs Node 22.
 */
export const QUIET_AWS_SDK = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } as const;

export interface LocalEnvironment extends Record<string, string> {
  ISSUER: string;
  AWS_REGION: string;
  KEYS_TABLE: string;
  CACHE_TABLE: string;
  DIRECTORY_TABLE: string;
}

export function localEnvironment(ports: LocalPorts): LocalEnvironment {
  return {
    APP_NAME: 'identity',
    STAGE: 'local',
    ISSUER: process.env.ISSUER ?? `http://localhost:${ports.web}`,
    AWS_REGION: 'us-east-1',
    KEYS_TABLE: 'identity-local-keys',
    CACHE_TABLE: 'identity-local-cache',
    DIRECTORY_TABLE: 'identity-local-directory',
    DYNAMODB_ENDPOINT: `http://127.0.0.1:${ports.dynamodb}`,
    KMS_ENDPOINT: `http://127.0.0.1:${ports.kms}`,
    KMS_KEY_ID: localKmsAlias,
    MAIL_MODE: 'outbox',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    ...QUIET_AWS_SDK,
  };
}

/** Operator CLIs target the local stack unless a deployed stage is named in the environment. */
export function targetsLocalStack(env: NodeJS.ProcessEnv = process.env): boolean {
  return !env.STAGE || env.STAGE === 'local';
}
