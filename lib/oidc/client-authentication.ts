/**
 * Client authentication at the token, revocation and introspection endpoints (RFC 6749
 * section 2.3.1): `client_secret_basic`, `client_secret_post`, `private_key_jwt` (RFC 7523,
 * client-assertion.ts), or `none` for public clients, which only name themselves. Exactly one method per request. A failure is thrown as
 * `InvalidClient` (401 with a Basic challenge) or `InvalidRequest` (400), RFC 6749 section 5.2.
 */
import { decodeJwt } from 'jose';
import { CLIENT_ASSERTION_TYPE } from './client-assertion.js';
import { isValidClientId, type ClientAuthMethod, type OAuthClient } from './client-metadata.js';
import { InvalidClient, InvalidRequest } from './errors.js';

export { TOKEN_ENDPOINT_AUTH_METHODS, type ClientAuthMethod } from './client-metadata.js';

export interface ClientCredentials {
  method: ClientAuthMethod;
  clientId: string;
  secret?: string;
  /** private_key_jwt: the signed JWT. */
  assertion?: string;
}

/** Secrets and ids longer than this are not ours; refuse them before any hashing. */
const MAX_CREDENTIAL_LENGTH = 1024;
/** A JWT with an RSA-4096 signature and generous claims stays far below this. */
const MAX_ASSERTION_LENGTH = 8192;

/**
 * Reads the client's credentials from the Authorization header and the form. Basic credentials
 * are form-urlencoded before base64 (RFC 6749 section 2.3.1), so `%3A` in an id and `+` in a
 * secret decode to `:` and space. A malformed header is invalid_client, as is a
 * request using two methods at once (invalid_request).
 */
export function parseClientCredentials(authorization: string | undefined, form: URLSearchParams): ClientCredentials {
  const bodyIds = form.getAll('client_id');
  const bodySecrets = form.getAll('client_secret');
  if (bodyIds.length > 1 || bodySecrets.length > 1) throw new InvalidRequest('client_id or client_secret repeated.');
  const bodyId = bodyIds[0];
  const bodySecret = bodySecrets[0];
  if (form.has('client_assertion') || form.has('client_assertion_type')) {
    if (authorization !== undefined && /^basic(\s|$)/i.test(authorization.trim())) throw new InvalidRequest('Use one client authentication method, not two.');
    if (bodySecret !== undefined) throw new InvalidRequest('Use one client authentication method, not two.');
    return assertionCredentials(form, bodyId);
  }

  if (authorization !== undefined && /^basic(\s|$)/i.test(authorization.trim())) {
    if (bodySecret !== undefined) throw new InvalidRequest('Use one client authentication method, not two.');
    const basic = decodeBasic(authorization);
    if (basic === undefined) throw new InvalidClient('Malformed Basic credentials.');
    // A client_id in the body is allowed alongside Basic, but it must name the same client.
    if (bodyId !== undefined && bodyId !== basic.clientId) throw new InvalidRequest('client_id does not match the authenticated client.');
    return { method: 'client_secret_basic', clientId: basic.clientId, secret: basic.secret };
  }
  if (bodyId === undefined || bodyId === '') throw new InvalidClient('Client authentication is required.');
  if (bodyId.length > MAX_CREDENTIAL_LENGTH) throw new InvalidClient('Client authentication failed.');
  if (bodySecret !== undefined) {
    if (bodySecret.length > MAX_CREDENTIAL_LENGTH) throw new InvalidClient('Client authentication failed.');
    return { method: 'client_secret_post', clientId: bodyId, secret: bodySecret };
  }
  return { method: 'none', clientId: bodyId };
}

/** private_key_jwt: the client is the assertion's `sub` (checked against its signature later); a client_id beside it must agree. */
function assertionCredentials(form: URLSearchParams, bodyId: string | undefined): ClientCredentials {
  const types = form.getAll('client_assertion_type');
  const assertions = form.getAll('client_assertion');
  if (types.length !== 1 || assertions.length !== 1) throw new InvalidRequest('client_assertion and client_assertion_type go together, once each.');
  if (types[0] !== CLIENT_ASSERTION_TYPE) throw new InvalidClient(`client_assertion_type must be ${CLIENT_ASSERTION_TYPE}.`);
  const assertion = assertions[0]!;
  if (assertion.length > MAX_ASSERTION_LENGTH) throw new InvalidClient('Client authentication failed.');
  let subject: unknown;
  try {
    subject = decodeJwt(assertion).sub;
  } catch {
    throw new InvalidClient('Client authentication failed.');
  }
  if (typeof subject !== 'string' || subject === '' || subject.length > MAX_CREDENTIAL_LENGTH) throw new InvalidClient('Client authentication failed.');
  if (bodyId !== undefined && bodyId !== subject) throw new InvalidRequest('client_id does not match the client assertion.');
  return { method: 'private_key_jwt', clientId: subject, assertion };
}

/** `Basic base64(urlencode(id) ":" urlencode(secret))`; undefined when any part is malformed. */
export function decodeBasic(authorization: string): { clientId: string; secret: string } | undefined {
  const match = /^basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(authorization.trim());
  if (!match?.[1]) return undefined;
  const encoded = match[1];
  if (encoded.length % 4 !== 0 || encoded.length > 4 * MAX_CREDENTIAL_LENGTH) return undefined;
  let decoded: string;
  try {
    decoded = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(encoded, 'base64'));
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  const clientId = formDecode(decoded.slice(0, colon));
  const secret = formDecode(decoded.slice(colon + 1));
  if (clientId === undefined || secret === undefined || clientId === '') return undefined;
  if (clientId.length > MAX_CREDENTIAL_LENGTH || secret.length > MAX_CREDENTIAL_LENGTH) return undefined;
  return { clientId, secret };
}

function formDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

export interface ClientLookup {
  find(clientId: string): Promise<OAuthClient | undefined>;
  verifySecret(client: OAuthClient, secret: string): Promise<boolean>;
  /** private_key_jwt (client-assertion.ts); a lookup without it refuses that method. */
  verifyAssertion?(client: OAuthClient, assertion: string): Promise<boolean>;
}

export interface AuthenticatedClient {
  client: OAuthClient;
  method: ClientAuthMethod;
}

/**
 * The authenticated client. Every failed authentication throws the same InvalidClient, so the
 * answer does not tell which part was wrong (only a request that repeats or mixes credentials is
 * InvalidRequest). Public clients authenticate with `none`; a confidential client must prove its
 * secret; neither may use the other's method.
 */
export async function authenticateClient(clients: ClientLookup, authorization: string | undefined, form: URLSearchParams): Promise<AuthenticatedClient> {
  const credentials = parseClientCredentials(authorization, form);
  // An id we could never have registered is not looked up (nor can it overflow a DynamoDB key).
  const client = isValidClientId(credentials.clientId) ? await clients.find(credentials.clientId) : undefined;
  if (client === undefined) throw new InvalidClient('Unknown client or wrong credentials.');
  if (client.type === 'public') {
    if (credentials.method !== 'none') throw new InvalidClient('This client has no secret; authenticate with client_id only.');
    return { client, method: 'none' };
  }
  if (credentials.method === 'private_key_jwt') {
    const verified = client.privateKeyJwt !== undefined && credentials.assertion !== undefined && (await clients.verifyAssertion?.(client, credentials.assertion)) === true;
    if (!verified) throw new InvalidClient('Unknown client or wrong credentials.');
    return { client, method: 'private_key_jwt' };
  }
  if (credentials.secret === undefined) throw new InvalidClient('Client authentication is required.');
  if (!(await clients.verifySecret(client, credentials.secret))) throw new InvalidClient('Unknown client or wrong credentials.');
  return { client, method: credentials.method };
}
