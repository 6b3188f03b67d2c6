/**
 * The last line of defence around every HTTP handler: whatever escapes becomes a deliberate
 * answer. A refusal (`HttpError`: OAuth errors, malformed requests) is answered with its own
 * status, headers and description, dependency outages with 503 and Retry-After (the request may
 * succeed later, and clients and load balancers should not treat it as our bug), everything
 * else with a generic 500. No answer ever carries a stack trace or the message of an error that
 * was not written for the client.
 */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { isDependencyFailure } from './dependency-failure.js';
import { renderErrorPage } from './error-page.js';
import { DEFAULT_RETRY_AFTER_S, DependencyUnavailableError } from '../errors.js';
import { HttpError } from './errors.js';
import { html, json, serviceUnavailable, type HttpResponse } from './response.js';

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
  return async (event, context) => {
    try {
      return await handler(event, context);
    } catch (error) {
      if (error instanceof HttpError) {
        logFailure('warn', error.status, error, event, context);
        return answers.refused(error);
      }
      if (isDependencyFailure(error)) {
        logFailure('error', 503, error, event, context);
        return answers.unavailable(
          error instanceof DependencyUnavailableError ? error.retryAfterSeconds : DEFAULT_RETRY_AFTER_S,
        );
      }
      logFailure('error', 500, error, event, context);
      return answers.internal();
    }
  };
}

/** Messages can be long or multi-line; one bounded JSON line keeps logs greppable. */
const MAX_LOGGED_MESSAGE = 500;

/**
 * One JSON line per failure. Only the error's name, code and message and where it happened:
 * never the body, query or cookies, which carry passwords, codes and session tokens.
 */
function logFailure(
  level: 'warn' | 'error',
  status: number,
  error: unknown,
  event: APIGatewayProxyEventV2,
  context: Context,
): void {
  const entry = {
    level,
    msg: 'request failed',
    status,
    error: error instanceof Error ? error.name : typeof error,
    code: codeOf(error),
    message: error instanceof Error ? error.message.slice(0, MAX_LOGGED_MESSAGE) : undefined,
    method: event.requestContext.http.method,
    path: event.requestContext.http.path,
    requestId: context.awsRequestId,
    apiRequestId: event.requestContext.requestId,
  };
  (level === 'warn' ? console.warn : console.error)(JSON.stringify(entry));
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}
