/**
 * Errors that the HTTP wrappers (`lib/http/handler.ts`) turn into answers. Anything else that
 * escapes a handler is a bug and answers a generic 500.
 */

/** Stable codes for logs and tests; the client sees `message` only. */
export type BadRequestCode = 'invalid_request' | 'unsupported_media_type' | 'payload_too_large' | 'malformed_body';

/**
 * The client sent something we cannot process. The message is shown to the client (on the
 * error page or as `error_description`), so it must be written for them and never include
 * request data.
 */
export class BadRequestError extends Error {
  readonly code: BadRequestCode;

  constructor(message: string, code: BadRequestCode = 'invalid_request') {
    super(message);
    this.name = 'BadRequestError';
    this.code = code;
  }
}
