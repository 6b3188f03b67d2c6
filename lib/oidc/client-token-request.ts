/**
 * The start shared by POST /revoke (RFC 7009) and POST /introspect (RFC 7662): a form with no
 * parameter repeated, from an authenticated client, naming a `token`.
 */
import { authenticateClient, type ClientLookup } from './client-authentication.js';
import type { OAuthClient } from './client-metadata.js';
import { InvalidRequest } from './errors.js';
import { rejectRepeatedParameters } from './repeated-parameters.js';

export interface ClientTokenRequest {
  client: OAuthClient;
  token: string;
}

/** The client and the token it sent; throws the OAuth error to answer instead. */
export async function readClientTokenRequest(clients: ClientLookup, authorization: string | undefined, form: URLSearchParams): Promise<ClientTokenRequest> {
  rejectRepeatedParameters(form);
  const { client } = await authenticateClient(clients, authorization, form);
  const token = form.get('token');
  if (!token) throw new InvalidRequest('token is missing.');
  return { client, token };
}
