/**
 * The proof, carried through /login inside return_to, that /authorize itself demanded a new
 * sign-in (prompt=login, max_age) at a given time for one request. On the way back a session
 * that signed in since then is fresh enough for that request; without such a marker the same
 * demand would send the user to sign in again forever.
 *
 * The marker is protected under its own purpose, expires, and is bound to a digest of the
 * request's other parameters: the browser can drop it (and is asked to sign in again) but not
 * forge it, lower its time, move it to another request or keep it for later. A plain time in
 * the URL let anyone skip the demanded sign-in by adding `authenticated_after=0`.
 */
import type { Clock } from '../clock.js';
import type { DataProtector } from '../dataprotection/data-protector.js';
import { UnprotectError } from '../dataprotection/unprotect-error.js';
import { REAUTHENTICATION_PARAM, requestDigest } from './request-markers.js';

export { REAUTHENTICATION_PARAM } from './request-markers.js';
export const REAUTHENTICATION_PURPOSE = 'authorize-reauthentication';
/**
 * How long the user has to sign in and come back. Long enough to fetch a mailed code (valid 5
 * minutes, resendable); short enough that a remembered return URL does not stand in for a
 * fresh sign-in (max_age) much later.
 */
export const REAUTHENTICATION_LIFETIME_S = 15 * 60;

/** The protected JSON: when the sign-in was demanded (epoch seconds), and for which request. */
interface Demand {
  at: number;
  request: string;
}

export class ReauthenticationDemands {
  private readonly protector: DataProtector;
  private readonly clock: Clock;

  /** `protector` is the application's root protector; the purpose is added here. */
  constructor(options: { protector: DataProtector; clock: Clock }) {
    this.protector = options.protector.forPurpose(REAUTHENTICATION_PURPOSE);
    this.clock = options.clock;
  }

  /** The request's parameters with a demand made at `atS`, replacing any it carried. */
  async attach(params: URLSearchParams, atS: number): Promise<URLSearchParams> {
    const demand: Demand = { at: atS, request: requestDigest(params) };
    const marked = new URLSearchParams(params);
    const expiresAt = new Date(this.clock() + REAUTHENTICATION_LIFETIME_S * 1000);
    marked.set(REAUTHENTICATION_PARAM, await this.protector.protectJson(demand, { expiresAt }));
    return marked;
  }

  /** When the demand this request carries was made; undefined unless it has one that is intact, unexpired and its own. */
  async demandedAt(params: URLSearchParams): Promise<number | undefined> {
    const values = params.getAll(REAUTHENTICATION_PARAM);
    if (values.length !== 1) return undefined;
    let demand: unknown;
    try {
      demand = await this.protector.unprotectJson<unknown>(values[0]!);
    } catch (error) {
      // Only "not a valid marker" means "no demand"; an outage must stay a 503.
      if (error instanceof UnprotectError) return undefined;
      throw error;
    }
    return isDemand(demand) && demand.request === requestDigest(params) ? demand.at : undefined;
  }
}

function isDemand(value: unknown): value is Demand {
  if (typeof value !== 'object' || value === null) return false;
  const demand = value as Record<string, unknown>;
  return Number.isSafeInteger(demand.at) && typeof demand.request === 'string';
}
