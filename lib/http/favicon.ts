/**
 * A small SVG icon. Pages link it explicitly so browsers do not probe `/favicon.ico`, which
 * would be a 404 on every first visit.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { securityHeaders } from './security-headers.js';

export const FAVICON_PATH = '/assets/favicon.svg';

const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1f4e8c"/>' +
  '<path d="M16 6a6 6 0 0 0-6 6v3H9v11h14V15h-1v-3a6 6 0 0 0-6-6zm-3 6a3 3 0 0 1 6 0v3h-6z" fill="#fff"/></svg>';

export function faviconResponse(): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: 200,
    headers: { ...securityHeaders(), 'Content-Type': 'image/svg+xml', 'Cache-Control': 'public, max-age=86400' },
    body: FAVICON_SVG,
  };
}
