/**
 * Errors that the HTTP wrappers (`lib/http/handler.ts`) turn into answers. Anything else that
 * escapes a handler is a bug and answers a generic 500.
 */
import { IdentityServerError } from '../errors.js';

/** A header value with a control character would split or corrupt the response. */
const CONTROL_CHARACTERS = /[\x00-\x1f\x7f]/;

/**
 * A refusal that carries its own answer: status, `error` code, a description written for the
 * caller, and headers such as a `WWW-Authenticate` challenge. `api()` renders every one of them
 * as RFC 6749 section 5.2 JSON, `page()` as a readable page. The OAuth errors themselves live in
 * `lib/oidc/errors.ts`: this contract is what lets http render them without importing oidc.
 *
 * The message is shown to the caller, so it must be written for them and never carry secrets.
 */
export abstract class HttpError extends IdentityServerError {
  abstract readonly status: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(message: string, options: { headers?: Record<string, string>; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    const headers = options.headers ?? {};
    for (const [name, value] of Object.entries(headers)) {
      if (CONTROL_CHARACTERS.test(value)) throw new TypeError(`${name} value contains control characters`);
    }
    this.headers = headers;
  }

  /** The `error` member of the answer; the stable `code` unless a subclass answers with a broader one. */
  get error(): string {
    return this.code;
  }

  /**
   * The message as RFC 6749 allows `error_description` (printable ASCII without `"` and `\`):
   * strict clients reject anything else, so replace rather than fail while answering an error.
   */
  get description(): string {
    return this.message.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '?');
  }
}

/** Stable codes for logs and tests; the client sees `message` only. */
export type BadRequestCode = 'invalid_request' | 'unsupported_media_type' | 'payload_too_large' | 'malformed_body';

/** The client sent something we cannot process; to an OAuth client that is `invalid_request`. */
export class BadRequestError extends HttpError {
  readonly status = 400;
  readonly code: BadRequestCode;

  constructor(message: string, code: BadRequestCode = 'invalid_request') {
    super(message);
    this.code = code;
  }

  override get error(): string {
    return 'invalid_request';
  }
}
