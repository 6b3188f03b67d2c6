/**
 * The last line of defence around every HTTP handler: whatever escapes becomes a deliberate
 * answer. A refusal (`HttpError`: OAuth errors, malformed requests) is answered with its own
 * status, headers and description, dependency outages with 503 and Retry-After (the request may
 * succeed later, and clients and load balancers should not treat it as our bug), everything
 * else with a generic 500. No answer ever carries a stack trace or the message of an error that
 * was not written for the client.
 *
 * Also the observability frame of every request: one log line (route, status, outcome, latency),
 * the metrics the request counted published once at its end, 503s counted by dependency and 429s
 * by function, and the request's source made available to audit events (lib/observability).
 */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { observeInvocation } from '../observability/invocation.js';
import { logger } from '../observability/logger.js';
import { countMetric } from '../observability/metrics.js';
import { dependencyFailureOf } from './dependency-failure.js';
import { renderErrorPage } from './error-page.js';
import { HttpError } from './errors.js';
import { sourceIp } from './request.js';
import { html, json, serviceUnavailable, type HttpResponse } from './response.js';
import { sourceKey } from './source-address.js';

export type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResponse>;

interface FailureAnswers {
  refused(error: HttpError): HttpResponse;
  unavailable(retryAfterSeconds: number): HttpResponse;
  internal(): HttpResponse;
}

const pageAnswers: FailureAnswers = {
  // Without the error's headers: a Basic challenge would make the browser ask for a password.
  refused: (error) =>
    html(error.status, renderErrorPage({ title: 'Something is wrong with this request', message: error.message })),
  unavailable: (retryAfterSeconds) => serviceUnavailable(retryAfterSeconds, 'html'),
  internal: () =>
    html(
      500,
      renderErrorPage({
        title: 'Something went wrong',
        message: 'An unexpected error occurred on our side. Please try again later.',
      }),
    ),
};

const apiAnswers: FailureAnswers = {
  // RFC 6749 section 5.2; json() sends Cache-Control: no-store, as section 5.1 asks.
  refused: (error) =>
    json(error.status, { error: error.error, error_description: error.description }, { headers: { ...error.headers } }),
  unavailable: (retryAfterSeconds) => serviceUnavailable(retryAfterSeconds, 'json'),
  internal: () => json(500, { error: 'server_error', error_description: 'An unexpected error occurred.' }),
};

/** For handlers that serve pages to people: failures answer readable HTML. */
export function page(handler: HttpHandler): HttpHandler {
  return guard(handler, pageAnswers);
}

/** For OAuth/OIDC endpoints called by programs: failures answer RFC 6749 JSON. */
export function api(handler: HttpHandler): HttpHandler {
  return guard(handler, apiAnswers);
}

function guard(handler: HttpHandler, answers: FailureAnswers): HttpHandler {
  return (event, context) =>
    observeInvocation(
      event.routeKey ?? 'request',
      () => sourceKey(sourceIp(event)),
      async () => {
        const startedAt = performance.now();
        logger.addContext(context);
        const { response, failure } = await answer(handler, answers, event, context);
        logRequest(event, context, response.statusCode ?? 200, performance.now() - startedAt, failure);
        return response;
      },
    );
}

interface Answered {
  response: HttpResponse;
  /** Why the handler did not answer by itself, for the request line. */
  failure?: unknown;
}

async function answer(handler: HttpHandler, answers: FailureAnswers, event: APIGatewayProxyEventV2, context: Context): Promise<Answered> {
  try {
    return { response: await handler(event, context) };
  } catch (error) {
    if (error instanceof HttpError) return { response: answers.refused(error), failure: error };
    const outage = dependencyFailureOf(error);
    if (outage !== undefined) {
      countMetric('DependencyFailure', { dependency: outage.dependency });
      return { response: answers.unavailable(outage.retryAfterSeconds), failure: error };
    }
    return { response: answers.internal(), failure: error };
  }
}

/** Messages can be long or multi-line; a bounded single line keeps logs greppable. */
const MAX_LOGGED_MESSAGE = 500;

/**
 * One line per request: route, status, outcome and latency (the function and request id come
 * from `addContext`), and for a failure the error's name, code and message. Never the body,
 * query, headers or cookies, which carry passwords, codes and tokens.
 */
function logRequest(event: APIGatewayProxyEventV2, context: Context, status: number, latencyMs: number, failure: unknown): void {
  if (status === 429) countMetric('Throttled', { function: context.functionName ?? 'unknown' });
  const http = event.requestContext.http;
  const line = {
    route: event.routeKey === '$default' || event.routeKey === undefined ? `${http.method} ${http.path}` : event.routeKey,
    status,
    outcome: outcomeOf(status),
    latencyMs: Math.round(latencyMs * 10) / 10,
    apiRequestId: event.requestContext.requestId,
    ...(failure !== undefined ? { error: describeError(failure) } : {}),
  };
  if (status >= 500) logger.error('request', line);
  else if (failure !== undefined) logger.warn('request', line);
  else logger.info('request', line);
}

function outcomeOf(status: number): 'ok' | 'refused' | 'throttled' | 'unavailable' | 'error' {
  if (status < 400) return 'ok';
  if (status === 429) return 'throttled';
  if (status === 503) return 'unavailable';
  return status < 500 ? 'refused' : 'error';
}

function describeError(error: unknown): { name: string; code?: string; message?: string } {
  if (!(error instanceof Error)) return { name: typeof error };
  const code = codeOf(error);
  return { name: error.name, ...(code !== undefined ? { code } : {}), message: error.message.slice(0, MAX_LOGGED_MESSAGE).replace(/\s+/g, ' ') };
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}
