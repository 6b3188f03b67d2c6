/**
 * The proof, carried from the consent page back to /authorize in the request's URL, that this
 * user has just answered "allow" for exactly this request. `prompt=consent` asks every time;
 * without the marker the return would be asked again forever.
 *
 * Like the re-authentication marker (reauthentication.ts) it is protected under its own purpose,
 * expires, and is bound to a digest of the request without its markers; it is also bound to the
 * user, and single use: its random id is claimed in the TTL table when /authorize accepts it, so
 * a remembered or shared return URL does not stand in for a new answer (one conditional write,
 * only for `prompt=consent` requests).
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { DataProtector } from '../dataprotection/data-protector.js';
import { UnprotectError } from '../dataprotection/unprotect-error.js';
import type { TtlStore } from '../ttl-store.js';
import { CONSENT_MARKER_PARAM, requestDigest } from './request-markers.js';

export const CONSENT_MARKER_PURPOSE = 'authorize-consent';
/** From the click on "allow" to the redirect landing on /authorize: seconds in practice. */
export const CONSENT_MARKER_LIFETIME_S = 5 * 60;

/** The protected JSON: a single-use id, whose answer, and for which request. */
interface Answer {
  id: string;
  sub: string;
  request: string;
}

export class ConsentMarkers {
  private readonly protector: DataProtector;
  private readonly cache: Pick<TtlStore, 'put'>;
  private readonly clock: Clock;

  /** `protector` is the application's root protector; the purpose is added here. */
  constructor(options: { protector: DataProtector; cache: Pick<TtlStore, 'put'>; clock: Clock }) {
    this.protector = options.protector.forPurpose(CONSENT_MARKER_PURPOSE);
    this.cache = options.cache;
    this.clock = options.clock;
  }

  /** The request's parameters with `subject`'s answer to it, replacing any marker it carried. */
  async attach(params: URLSearchParams, subject: string): Promise<URLSearchParams> {
    const answer: Answer = { id: randomBytes(16).toString('base64url'), sub: subject, request: requestDigest(params) };
    const marked = new URLSearchParams(params);
    const expiresAt = new Date(this.clock() + CONSENT_MARKER_LIFETIME_S * 1000);
    marked.set(CONSENT_MARKER_PARAM, await this.protector.protectJson(answer, { expiresAt }));
    return marked;
  }

  /**
   * True once for a marker that is intact, unexpired, `subject`'s and this request's; false for
   * anything else, including the second use of a good marker (on any instance).
   */
  async consume(params: URLSearchParams, subject: string): Promise<boolean> {
    const values = params.getAll(CONSENT_MARKER_PARAM);
    if (values.length !== 1) return false;
    let answer: unknown;
    try {
      answer = await this.protector.unprotectJson<unknown>(values[0]!);
    } catch (error) {
      // Only "not a valid marker" means "no answer"; an outage must stay a 503.
      if (error instanceof UnprotectError) return false;
      throw error;
    }
    if (!isAnswer(answer) || answer.sub !== subject || answer.request !== requestDigest(params)) return false;
    return this.cache.put(`consent-marker#${answer.id}`, { sub: subject }, CONSENT_MARKER_LIFETIME_S, { ifAbsent: true });
  }
}

function isAnswer(value: unknown): value is Answer {
  if (typeof value !== 'object' || value === null) return false;
  const answer = value as Record<string, unknown>;
  return typeof answer.id === 'string' && typeof answer.sub === 'string' && typeof answer.request === 'string';
}
