/**
 * The protected markers /authorize adds to a request it sends away and gets back: the
 * re-authentication demand (reauthentication.ts) and the consent just given (consent-marker.ts).
 * Each marker is bound to a digest of the request without any marker, so adding one marker
 * never invalidates another (a prompt=login consent request carries both on its way back).
 */
import { createHash } from 'node:crypto';

export const REAUTHENTICATION_PARAM = 'reauth';
export const CONSENT_MARKER_PARAM = 'consented';

const MARKER_PARAMS: ReadonlySet<string> = new Set([REAUTHENTICATION_PARAM, CONSENT_MARKER_PARAM]);

/** The request without its markers, independent of parameter order (nothing needs the pages to keep it). */
export function requestDigest(params: URLSearchParams): string {
  const entries = [...params].filter(([name]) => !MARKER_PARAMS.has(name)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(entries)).digest('base64url');
}
