/**
 * The name every log line carries (`service`) and the CloudWatch namespace of every metric: the
 * deployed service (`APP_NAME`, which serverless.yml sets to the service name), the namespace the
 * mail breaker's `MailCircuitOpen` line already uses, so one alarm file watches one namespace.
 * Read from the environment rather than lib/config.ts: logging must work before (and when)
 * configuration fails to load.
 */
export const SERVICE_NAME = process.env.APP_NAME || 'identity';
