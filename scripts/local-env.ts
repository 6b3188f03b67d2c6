/**
 * The local stack's fixed coordinates, shared by `npm start` and the operator CLIs
 * (`npm run keys|clients|outbox`), so a CLI run beside `npm start` sees the same tables.
 */
export const localPorts = {
  dynamodb: Number(process.env.LOCAL_DYNAMODB_PORT ?? 8100),
  kms: Number(process.env.LOCAL_KMS_PORT ?? 4599),
};

export const localKmsAlias = 'alias/identity-local';

export interface LocalEnvironment extends Record<string, string> {
  ISSUER: string;
  AWS_REGION: string;
  KEYS_TABLE: string;
  CACHE_TABLE: string;
  DIRECTORY_TABLE: string;
}

export function localEnvironment(): LocalEnvironment {
  const port = process.env.PORT ?? '3000';
  return {
    APP_NAME: 'identity',
    STAGE: 'local',
    ISSUER: process.env.ISSUER ?? `http://localhost:${port}`,
    AWS_REGION: 'us-east-1',
    KEYS_TABLE: 'identity-local-keys',
    CACHE_TABLE: 'identity-local-cache',
    DIRECTORY_TABLE: 'identity-local-directory',
    DYNAMODB_ENDPOINT: `http://127.0.0.1:${localPorts.dynamodb}`,
    KMS_ENDPOINT: `http://127.0.0.1:${localPorts.kms}`,
    KMS_KEY_ID: localKmsAlias,
    MAIL_MODE: 'outbox',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    // The SDK warns once per process that it will drop Node 20; Lambda runs Node 22.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/** Operator CLIs target the local stack unless a deployed stage is named in the environment. */
export function targetsLocalStack(env: NodeJS.ProcessEnv = process.env): boolean {
  return !env.STAGE || env.STAGE === 'local';
}
