/**
 * Read-only helpers over an HTTP API (payload 2.0) event. Everything the client controls is
 * treated as untrusted input: sizes are bounded, encodings are checked, and repeated
 * parameters stay visible because OAuth forbids them (RFC 6749 section 3.1).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { BadRequestError } from './errors.js';

/** Our forms carry a handful of short fields; anything larger is a mistake or an attack. */
export const MAX_FORM_BODY_BYTES = 64 * 1024;

const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

export function method(event: APIGatewayProxyEventV2): string {
  return event.requestContext.http.method.toUpperCase();
}

export function path(event: APIGatewayProxyEventV2): string {
  return event.requestContext.http.path || event.rawPath;
}

/**
 * All query parameters, repeats included. Built from `rawQueryString` because API Gateway joins
 * repeated values in `queryStringParameters` with commas, which would hide a repeated
 * `redirect_uri` or make `scope=a&scope=b` look like one odd value.
 */
export function queryParams(event: APIGatewayProxyEventV2): URLSearchParams {
  if (event.rawQueryString) return new URLSearchParams(event.rawQueryString);
  // Some local emulators leave rawQueryString empty; the parsed map is the best left.
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (value !== undefined) params.append(name, value);
  }
  return params;
}

/** The parameters of a request that may come as a GET query or a POST form (OAuth endpoints that accept both). */
export function requestParams(event: APIGatewayProxyEventV2): URLSearchParams {
  return method(event) === 'POST' ? formBody(event) : queryParams(event);
}

/**
 * Query parameters, first value of each. Endpoints where a repeat must be rejected check
 * `repeatedNames(queryParams(event))` first.
 */
export function query(event: APIGatewayProxyEventV2): Record<string, string> {
  return firstValues(queryParams(event));
}

/** Names that occur more than once, e.g. to reject a request under RFC 6749 section 3.1. */
export function repeatedNames(params: URLSearchParams): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const name of params.keys()) {
    if (seen.has(name)) repeated.add(name);
    seen.add(name);
  }
  return [...repeated];
}

/** First value of each parameter, in an object without a prototype so `constructor` or `__proto__` are plain keys. */
export function firstValues(params: URLSearchParams): Record<string, string> {
  const values: Record<string, string> = Object.create(null);
  for (const [name, value] of params) {
    if (!(name in values)) values[name] = value;
  }
  return values;
}

/** API Gateway lowercases header names, local emulators may not: look up either way. */
export function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const direct = event.headers[wanted];
  if (direct !== undefined) return direct;
  for (const [key, value] of Object.entries(event.headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/**
 * The body of an HTML form POST. Only `application/x-www-form-urlencoded` in UTF-8 is accepted:
 * our forms send nothing else, and a fixed type keeps cross-site `text/plain` tricks out.
 */
export function formBody(event: APIGatewayProxyEventV2): URLSearchParams {
  const contentType = header(event, 'content-type') ?? '';
  const [mediaType = '', ...parameters] = contentType.split(';').map((part) => part.trim().toLowerCase());
  if (mediaType !== FORM_MEDIA_TYPE) {
    throw new BadRequestError('The request must be a form submission.', 'unsupported_media_type');
  }
  const charset = parameters.find((p) => p.startsWith('charset='))?.slice('charset='.length);
  if (charset !== undefined && charset !== 'utf-8' && charset !== '"utf-8"') {
    throw new BadRequestError('The form must be sent as UTF-8.', 'unsupported_media_type');
  }

  const raw = event.body ?? '';
  // Refuse before decoding, so an oversized body costs no allocation.
  const encodedLimit = event.isBase64Encoded ? Math.ceil(MAX_FORM_BODY_BYTES / 3) * 4 : MAX_FORM_BODY_BYTES;
  if (raw.length > encodedLimit) throw tooLarge();

  const bytes = Buffer.from(raw, event.isBase64Encoded ? 'base64' : 'utf8');
  if (bytes.length > MAX_FORM_BODY_BYTES) throw tooLarge();

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new BadRequestError('The form could not be read.', 'malformed_body');
  }
  return new URLSearchParams(text);
}

function tooLarge(): BadRequestError {
  return new BadRequestError('The form is too large.', 'payload_too_large');
}

/**
 * Request cookies by name. Payload 2.0 moves the Cookie header into `event.cookies`; the header
 * is the fallback for emulators that do not. On a repeated name the first wins: browsers send
 * the most specific path first, and our `__Host-` cookies cannot be shadowed by a sibling domain.
 */
export function cookies(event: APIGatewayProxyEventV2): Map<string, string> {
  const pairs = event.cookies?.length ? event.cookies : (header(event, 'cookie') ?? '').split(';');
  const jar = new Map<string, string>();
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) continue;
    const name = pair.slice(0, equals).trim();
    if (name && !jar.has(name)) jar.set(name, pair.slice(equals + 1).trim());
  }
  return jar;
}

/**
 * The address API Gateway saw the connection from. Deliberately not X-Forwarded-For: a client
 * can write any value there, which would let it dodge per-IP rate limits.
 */
export function sourceIp(event: APIGatewayProxyEventV2): string {
  return event.requestContext.http.sourceIp;
}
