/**
 * Whether the browser says another site started the request: `Sec-Fetch-Site` (Fetch Metadata)
 * anything but `same-origin` or `none` (typed, bookmarked), or an `Origin` that is not ours
 * (browsers without Fetch Metadata still send it with every POST). A request with neither
 * header is not from a browser page, or from one old enough to send nothing: not foreign.
 *
 * On such a request the `SameSite=Lax` cookies may have stayed behind (always on a POST), so the
 * server cannot tell "no session" from "a session it was not shown", and must not act on the
 * difference (e.g. clear cookies).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { header } from './request.js';

const OWN_SITE_FETCH = new Set(['same-origin', 'none']);

/** `ownOrigin` as `new URL(issuer).origin`, e.g. `https://id.example.com`. */
export function isCrossSiteRequest(event: APIGatewayProxyEventV2, ownOrigin: string): boolean {
  const site = header(event, 'sec-fetch-site');
  if (site !== undefined && !OWN_SITE_FETCH.has(site.toLowerCase())) return true;
  const origin = header(event, 'origin');
  return origin !== undefined && origin !== ownOrigin;
}
