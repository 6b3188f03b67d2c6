/**
 * The contract every feature uses to protect cookies, form tokens and flow ids. A protector
 * is bound to a purpose chain; a payload made under one chain never unprotects under another.
 * Implementations may load or unwrap keys on first use, hence async.
 */
export interface ProtectOptions {
  /** Absolute expiry, checked on unprotect (time-limited payloads). */
  expiresAt?: Date;
}

export interface DataProtector {
  /** A child protector whose purpose chain is this one's plus `purpose`. */
  forPurpose(purpose: string): DataProtector;
  /** Returns a base64url payload. */
  protect(plaintext: Uint8Array, options?: ProtectOptions): Promise<string>;
  /** Throws UnprotectError on any failure. */
  unprotect(payload: string): Promise<Uint8Array>;
  protectJson(value: unknown, options?: ProtectOptions): Promise<string>;
  unprotectJson<T>(payload: string): Promise<T>;
}
