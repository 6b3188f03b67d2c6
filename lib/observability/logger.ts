/**
 * The application log: Powertools Logger, one JSON object per line with `level`, `message`,
 * `timestamp`, `service` and, inside a Lambda invocation, the function name and request id
 * (`addContext`, called by lib/http's wrappers). Level from `POWERTOOLS_LOG_LEVEL` (default INFO).
 *
 * Never pass a secret, password, code, token, cookie or full email address: ids and outcomes
 * only, `maskEmail` for an address. test/integration/observability-secrets.test.ts greps a whole
 * sign-in for every secret it knows.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { SERVICE_NAME } from './service.js';

export const logger = new Logger({ serviceName: SERVICE_NAME });
