/**
 * The root of this project's error types. Every error we throw on purpose extends
 * `IdentityServerError` and carries a stable `code` (as jose's `JOSEError` does), so callers,
 * wrappers and tests classify failures by type and code, never by class name or message.
 * Anything that escapes a handler without extending it is a bug and answers a generic 500.
 */
export abstract class IdentityServerError extends Error {
  /** Stable, machine-readable; safe to log and to assert on. */
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** How long clients are asked to wait when a dependency gives no better hint. */
export const DEFAULT_RETRY_AFTER_S = 5;

/**
 * A dependency (DynamoDB, KMS, mail) is down or throttling: the request was fine and may succeed
 * later, so the answer is 503 with `Retry-After`, never 500 or 400.
 */
export class DependencyUnavailableError extends IdentityServerError {
  readonly code = 'dependency_unavailable';
  readonly dependency: string;
  readonly retryAfterSeconds: number;

  constructor(dependency: string, options: { retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(`${dependency} unavailable`, { cause: options.cause });
    this.dependency = dependency;
    this.retryAfterSeconds = options.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_S;
  }
}
