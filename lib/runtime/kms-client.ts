import { KMSClient } from '@aws-sdk/client-kms';

export interface KmsClientOptions {
  region: string;
  /** Local KMS endpoint or LocalStack; unset means the real regional AWS endpoint. */
  endpoint?: string;
  /** SDK attempts per call including the first (SDK default: 3). Tests use 1 to fail fast. */
  maxAttempts?: number;
  /** Whole-request limit. Without one, a hung KMS connection would hold a request until the Lambda times out. */
  requestTimeoutMs?: number;
  connectionTimeoutMs?: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
const DEFAULT_CONNECTION_TIMEOUT_MS = 2_000;

/** Build once per cold start and share: the client keeps its connections alive across invocations. */
export function createKmsClient(options: KmsClientOptions): KMSClient {
  return new KMSClient({
    region: options.region,
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
    ...(options.maxAttempts !== undefined && { maxAttempts: options.maxAttempts }),
    ...(options.endpoint !== undefined && !hasAwsCredentialsInEnv() && { credentials: LOCAL_CREDENTIALS }),
    requestHandler: {
      requestTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      connectionTimeout: options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
      // Otherwise a breached requestTimeout only logs a warning and the call keeps waiting.
      throwOnRequestTimeout: true,
    },
  });
}

/**
 * The local endpoint does not check signatures, but the SDK refuses to send unsigned requests.
 * Dummy credentials spare developers a profile; real ones from the environment (e.g. for
 * LocalStack setups that check them) still win.
 */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

function hasAwsCredentialsInEnv(): boolean {
  const env = process.env;
  return Boolean(env['AWS_ACCESS_KEY_ID'] || env['AWS_PROFILE'] || env['AWS_WEB_IDENTITY_TOKEN_FILE'] || env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] || env['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI']);
}
