/**
 * The answer to a POST whose antiforgery check failed: 400 and a page with a "start again"
 * link, never a 500. The reason goes to the log (no token values; the request line beside it
 * carries the ids), the page says nothing about it.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { html, type HttpResponse } from '../http/response.js';
import { logger } from '../observability/logger.js';
import { formExpiredPage } from './form-expired.js';
import type { AntiforgeryFailure } from '../session/antiforgery.js';

export function antiforgeryRejection(
  event: APIGatewayProxyEventV2,
  reason: AntiforgeryFailure,
  startAgainHref: string,
  message?: string,
): HttpResponse {
  logger.warn('antiforgery check failed', { reason, path: event.requestContext.http.path });
  return html(400, formExpiredPage(startAgainHref, message));
}
