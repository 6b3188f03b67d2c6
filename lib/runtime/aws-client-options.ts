/**
 * The rules every AWS SDK client of this project is built by (DynamoDB, KMS, SES), kept apart
 * from the clients themselves so that each function bundles only the clients it uses.
 */

export interface AwsClientOptions {
  region: string;
  /** A loopback endpoint (DynamoDB Local, the local KMS, LocalStack); unset means the real regional endpoint. */
  endpoint?: string;
  /** SDK attempts per call including the first (SDK default: 3). Tests use 1 to fail fast. */
  maxAttempts?: number;
  /** Whole-request limit. Without one, a hung connection would hold a request until the Lambda times out. */
  requestTimeoutMs?: number;
  connectionTimeoutMs?: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
const DEFAULT_CONNECTION_TIMEOUT_MS = 2_000;

/**
 * Local endpoints do not check signatures, but the SDK refuses to send unsigned requests. Dummy
 * credentials spare developers a profile; real ones from the environment (e.g. for LocalStack
 * setups that check them) still win.
 */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** The constructor configuration shared by every client; build once per cold start and share the client. */
export function awsClientConfig(options: AwsClientOptions) {
  return {
    region: options.region,
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
    ...(options.endpoint !== undefined && !hasAwsCredentialsInEnv() && { credentials: LOCAL_CREDENTIALS }),
    ...(options.maxAttempts !== undefined && { maxAttempts: options.maxAttempts }),
    requestHandler: {
      requestTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      connectionTimeout: options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
      // Otherwise a breached requestTimeout only logs a warning and the call keeps waiting.
      throwOnRequestTimeout: true,
    },
  };
}

function hasAwsCredentialsInEnv(): boolean {
  const env = process.env;
  return Boolean(
    env['AWS_ACCESS_KEY_ID'] ||
      env['AWS_PROFILE'] ||
      env['AWS_WEB_IDENTITY_TOKEN_FILE'] ||
      env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ||
      env['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'],
  );
}
