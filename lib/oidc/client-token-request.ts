/**
 * The start shared by POST /revoke (RFC 7009) and POST /introspect (RFC 7662): a form with no
 * parameter repeated, from an authenticated client, naming a `token`.
 */
import { repeatedNames } from '../http/request.js';
import { oauthError, type HttpResponse } from '../http/response.js';
import { authenticateClient, clientAuthError, type ClientLookup } from './client-authentication.js';
import type { OAuthClient } from './client-metadata.js';

export type ClientTokenRequest = { ok: true; client: OAuthClient; token: string } | { ok: false; response: HttpResponse };

/** The client and the token it sent, or the error response to send instead. */
export async function readClientTokenRequest(clients: ClientLookup, authorization: string | undefined, form: URLSearchParams): Promise<ClientTokenRequest> {
  const repeated = repeatedNames(form);
  if (repeated.length > 0) return { ok: false, response: oauthError(400, 'invalid_request', `Parameter repeated: ${repeated.join(', ')}.`) };
  const auth = await authenticateClient(clients, authorization, form);
  if (!auth.ok) return { ok: false, response: clientAuthError(auth.failure) };
  const token = form.get('token');
  if (!token) return { ok: false, response: oauthError(400, 'invalid_request', 'token is missing.') };
  return { ok: true, client: auth.client, token };
}
