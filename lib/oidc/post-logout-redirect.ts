/**
 * Where RP-initiated logout may send the browser afterwards: only to a post-logout redirect URI
 * registered for the named client, compared exactly, with the client's `state` added. GET /logout
 * checks it, and the POST of its confirmation form checks it again: the hidden fields that carry
 * it are the browser's to edit, so they are never trusted.
 */
import { authorizationResponseUrl } from './authorization-response.js';
import { isValidClientId, type OAuthClient } from './client-metadata.js';

/** A longer `state` is dropped rather than carried into a URL. */
export const MAX_STATE_LENGTH = 512;

/** The names of the request parameters, also the names of the confirmation form's hidden fields. */
export const POST_LOGOUT_PARAMS = { clientId: 'client_id', redirectUri: 'post_logout_redirect_uri', state: 'state' } as const;

export interface ClientLookup {
  find(clientId: string): Promise<OAuthClient | undefined>;
}

export interface PostLogoutRedirectRequest {
  clientId?: string | undefined;
  redirectUri?: string | undefined;
  state?: string | undefined;
}

/** A checked post-logout redirect: `redirectUri` is registered for `clientId`. */
export interface PostLogoutRedirect {
  clientId: string;
  redirectUri: string;
  state?: string;
}

/** The redirect, when the client exists and registered the URI; otherwise undefined (no redirect). */
export async function findPostLogoutRedirect(clients: ClientLookup, request: PostLogoutRedirectRequest): Promise<PostLogoutRedirect | undefined> {
  const { clientId, redirectUri, state } = request;
  if (clientId === undefined || redirectUri === undefined || !isValidClientId(clientId)) return undefined;
  const client = await clients.find(clientId);
  if (client === undefined || !client.postLogoutRedirectUris.includes(redirectUri)) return undefined;
  return state !== undefined && state.length <= MAX_STATE_LENGTH ? { clientId, redirectUri, state } : { clientId, redirectUri };
}

export function postLogoutRedirectUrl(target: PostLogoutRedirect): string {
  return authorizationResponseUrl(target.redirectUri, { state: target.state });
}

/** The hidden fields that carry a checked redirect through the confirmation form. */
export function postLogoutFields(target: PostLogoutRedirect | undefined): Record<string, string> {
  if (target === undefined) return {};
  const fields: Record<string, string> = { [POST_LOGOUT_PARAMS.clientId]: target.clientId, [POST_LOGOUT_PARAMS.redirectUri]: target.redirectUri };
  if (target.state !== undefined) fields[POST_LOGOUT_PARAMS.state] = target.state;
  return fields;
}
