/**
 * Dynamic client registration: POST /connect/register (RFC 7591) and, for the registered
 * client, GET / PUT / DELETE /connect/register/<client_id> with its registration access token
 * (RFC 7592). REGISTRATION_MODE decides who may register: `off` (404, and discovery names no
 * registration_endpoint), `token` (a Bearer initial access token from `npm run clients --
 * token`) or `open`. Registrations are counted per source (an IPv4 address or an IPv6 /64) in
 * a fixed hour, failed token guesses included: REGISTRATION_MAX_PER_SOURCE_PER_HOUR (20).
 *
 * A registered client is third-party (never `firstParty`), gets a random id, a generated secret
 * for the secret methods (shown once, stored hashed), and RS256 ID tokens unless it asked for
 * ES256. Changes reach every instance within CLIENT_CACHE_TTL_S (lib/oidc/client-cache.ts): an
 * updated or deleted client may be served from an instance's cache that long.
 *
 * Deleting a client removes it: from then on (after that bound) it authenticates nowhere, so its
 * refresh tokens cannot be redeemed, its authorization codes not exchanged and its access tokens
 * are refused (access-tokens.ts looks the client up); its ids are random and never issued again.
 */
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { header, method, path, sourceIp } from '../http/request.js';
import { json, noContent, type HttpResponse } from '../http/response.js';
import { sourceKey } from '../http/source-address.js';
import { audit } from '../observability/audit.js';
import { countMetric, type MetricDimensions } from '../observability/metrics.js';
import type { TtlStore } from '../ttl-store.js';
import { InvalidClientMetadataError, type OAuthClient } from './client-metadata.js';
import { newBearerToken, newRegistrationAccessToken, type InitialAccessTokens } from './client-registration-tokens.js';
import { parseRegistrationRequest, registeredMetadata, RegistrationRefused, REGISTRATION_PATH, type RequestedMetadata } from './client-registration-metadata.js';
import { secretHashMatches } from './client-secret.js';
import type { ClientStore } from './client-store.js';
import { InvalidRequest, InvalidToken } from './errors.js';
import { bearerToken } from './userinfo-endpoint.js';

export interface ClientRegistrationEndpointDeps {
  config: Pick<Config, 'issuer' | 'clientRegistration'>;
  clients: Pick<ClientStore, 'register' | 'find' | 'update' | 'remove'>;
  initialAccessTokens: Pick<InitialAccessTokens, 'isValid'>;
  counters: TtlStore;
  clock: Clock;
}

const CHALLENGE = 'Bearer realm="registration"';
const RATE_WINDOW_S = 3600;
const MAX_BODY_BYTES = 32 * 1024;
type Outcome = MetricDimensions['ClientRegistration']['outcome'];
type DynamicClient = OAuthClient & { dynamic: NonNullable<OAuthClient['dynamic']> };

export class ClientRegistrationEndpoint {
  constructor(private readonly deps: ClientRegistrationEndpointDeps) {}

  async handle(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    if (this.deps.config.clientRegistration.mode === 'off') return json(404, { error: 'not_found', error_description: 'Dynamic client registration is off.' });
    try {
      return await this.route(event);
    } catch (error) {
      if (error instanceof RegistrationRefused) countMetric('ClientRegistration', { outcome: 'refused' });
      if (error instanceof InvalidToken) countMetric('ClientRegistration', { outcome: 'unauthorized' });
      throw error;
    }
  }

  private async route(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    const requestPath = path(event);
    const verb = method(event);
    if (requestPath === REGISTRATION_PATH) {
      if (verb !== 'POST') return json(405, { error: 'invalid_request', error_description: 'Register with POST.' }, { headers: { Allow: 'POST' } });
      return this.register(event);
    }
    const clientId = clientIdOf(requestPath);
    if (clientId === undefined) return json(404, { error: 'not_found' });
    switch (verb) {
      case 'GET':
        return this.read(event, clientId);
      case 'PUT':
        return this.update(event, clientId);
      case 'DELETE':
        return this.remove(event, clientId);
      default:
        return json(405, { error: 'invalid_request', error_description: 'Use GET, PUT or DELETE.' }, { headers: { Allow: 'GET, PUT, DELETE' } });
    }
  }

  /** RFC 7591 section 3.1: 201 with the client's credentials (shown this once) and its metadata. */
  private async register(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    if (!(await this.withinRate(event))) {
      countMetric('ClientRegistration', { outcome: 'throttled' });
      return json(429, { error: 'too_many_requests', error_description: 'Too many registrations from this address; try again later.' }, { headers: { 'Retry-After': String(RATE_WINDOW_S) } });
    }
    if (this.deps.config.clientRegistration.mode === 'token') {
      const token = bearerToken(header(event, 'authorization'));
      if (typeof token !== 'string' || !(await this.deps.initialAccessTokens.isValid(token))) throw invalidToken('A valid initial access token is required.');
    }
    const requested = this.parse(event);
    const clientId = randomBytes(16).toString('base64url');
    const secret = usesSecret(requested) ? newBearerToken() : undefined;
    const registrationToken = newRegistrationAccessToken();
    const issuedAtS = Math.floor(this.deps.clock() / 1000);
    const client = (await storeRefusingMetadata(() =>
      this.deps.clients.register({
        ...requested,
        clientId,
        ...(secret !== undefined ? { secret } : {}),
        dynamic: { registrationTokenHash: registrationToken.hash, tokenEndpointAuthMethod: requested.tokenEndpointAuthMethod, applicationType: requested.applicationType, issuedAtS },
      }),
    )) as DynamicClient;
    this.record('registered', 'client.registered', clientId);
    return json(201, {
      ...registeredMetadata(client, this.deps.config.issuer),
      ...(secret !== undefined ? { client_secret: secret } : {}),
      registration_access_token: registrationToken.token,
    });
  }

  /** RFC 7592 section 2.1. The secret is stored hashed only, so it is not in the answer. */
  private async read(event: APIGatewayProxyEventV2, clientId: string): Promise<HttpResponse> {
    const client = await this.authorized(event, clientId);
    countMetric('ClientRegistration', { outcome: 'read' });
    return json(200, registeredMetadata(client, this.deps.config.issuer));
  }

  /**
   * RFC 7592 section 2.2: the request replaces the metadata. The secret stays; a client moving
   * to a secret method from one without gets a new secret in the answer.
   */
  private async update(event: APIGatewayProxyEventV2, clientId: string): Promise<HttpResponse> {
    const current = await this.authorized(event, clientId);
    const body = jsonBody(event);
    const { client_id: bodyId, client_secret: bodySecret } = body as { client_id?: unknown; client_secret?: unknown };
    if (bodyId !== clientId) throw new RegistrationRefused('invalid_client_metadata', 'client_id must be the client being updated.');
    // RFC 7592 section 2.2: a client_secret in the request must be the client's current one.
    if (bodySecret !== undefined && (typeof bodySecret !== 'string' || current.secretHash === undefined || !secretHashMatches(current.secretHash, bodySecret))) {
      throw new RegistrationRefused('invalid_client_metadata', 'client_secret is not the client\'s secret.');
    }
    const requested = parseRegistrationRequest(body, { allowLoopbackJwksUri: this.deps.config.clientRegistration.jwksAllowLoopback });
    const newSecret = usesSecret(requested) && current.secretHash === undefined ? newBearerToken() : undefined;
    const keptHash = usesSecret(requested) && current.secretHash !== undefined ? current.secretHash : undefined;
    const updated = await storeRefusingMetadata(() =>
      this.deps.clients.update(
        {
          ...requested,
          clientId,
          ...(newSecret !== undefined ? { secret: newSecret } : {}),
          ...(keptHash !== undefined ? { secretHash: keptHash } : {}),
          dynamic: { ...current.dynamic, tokenEndpointAuthMethod: requested.tokenEndpointAuthMethod, applicationType: requested.applicationType },
        },
        current.createdAt,
      ),
    );
    // Deleted (or changed) while this ran: the token no longer names a client.
    if (updated === undefined) throw invalidToken('The registration access token is invalid.');
    this.record('updated', 'client.updated', clientId);
    return json(200, { ...registeredMetadata(updated as DynamicClient, this.deps.config.issuer), ...(newSecret !== undefined ? { client_secret: newSecret } : {}) });
  }

  /** RFC 7592 section 2.3: 204, and the client (with its token) is gone. */
  private async remove(event: APIGatewayProxyEventV2, clientId: string): Promise<HttpResponse> {
    await this.authorized(event, clientId);
    await this.deps.clients.remove(clientId);
    this.record('deleted', 'client.deleted', clientId);
    return noContent();
  }

  /** The dynamically registered client the Bearer registration access token belongs to; an unknown client and a wrong token are the same 401. */
  private async authorized(event: APIGatewayProxyEventV2, clientId: string): Promise<DynamicClient> {
    const token = bearerToken(header(event, 'authorization'));
    if (token === undefined) throw new InvalidRequest('A registration access token is required.', { status: 401, wwwAuthenticate: CHALLENGE });
    const client = token === null ? undefined : await this.deps.clients.find(clientId);
    if (client?.dynamic === undefined || typeof token !== 'string' || !secretHashMatches(client.dynamic.registrationTokenHash, token)) {
      throw invalidToken('The registration access token is invalid.');
    }
    return client as DynamicClient;
  }

  private parse(event: APIGatewayProxyEventV2): RequestedMetadata {
    return parseRegistrationRequest(jsonBody(event), { allowLoopbackJwksUri: this.deps.config.clientRegistration.jwksAllowLoopback });
  }

  private async withinRate(event: APIGatewayProxyEventV2): Promise<boolean> {
    const key = `client-registration-rate#${sourceKey(sourceIp(event))}`;
    const max = this.deps.config.clientRegistration.maxPerSourcePerHour;
    return (await this.deps.counters.increment(key, 'count', { atMost: max, createTtlS: RATE_WINDOW_S })) !== undefined;
  }

  private record(outcome: Outcome, event: 'client.registered' | 'client.updated' | 'client.deleted', clientId: string): void {
    countMetric('ClientRegistration', { outcome });
    audit({ event, actor: { type: 'client', id: clientId }, subject: { type: 'client', id: clientId } });
  }
}

function usesSecret(requested: RequestedMetadata): boolean {
  return requested.tokenEndpointAuthMethod === 'client_secret_basic' || requested.tokenEndpointAuthMethod === 'client_secret_post';
}

/** The store's own checks (client-metadata.ts) refuse a little more than RFC 7591's (e.g. a name with control characters). */
async function storeRefusingMetadata<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof InvalidClientMetadataError) throw new RegistrationRefused('invalid_client_metadata', error.message);
    throw error;
  }
}

function clientIdOf(requestPath: string): string | undefined {
  const prefix = `${REGISTRATION_PATH}/`;
  if (!requestPath.startsWith(prefix)) return undefined;
  const rest = requestPath.slice(prefix.length);
  if (rest === '' || rest.includes('/')) return undefined;
  try {
    return decodeURIComponent(rest);
  } catch {
    return undefined;
  }
}

/** RFC 7591 section 3.1: the metadata arrive as a JSON object. */
function jsonBody(event: APIGatewayProxyEventV2): unknown {
  const mediaType = (header(event, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType !== 'application/json') throw new RegistrationRefused('invalid_client_metadata', 'Send the metadata as application/json.');
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new RegistrationRefused('invalid_client_metadata', 'The metadata are too large.');
  try {
    return JSON.parse(text);
  } catch {
    throw new RegistrationRefused('invalid_client_metadata', 'The body is not valid JSON.');
  }
}

function invalidToken(description: string): InvalidToken {
  return new InvalidToken(description, { wwwAuthenticate: `${CHALLENGE}, error="invalid_token"` });
}
