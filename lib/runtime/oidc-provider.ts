/**
 * The OpenID Provider's endpoints wired to their stores. Built once per instance (cold start)
 * by services.ts and table-services.ts, or by tests with their own config, clock and clients.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { DataProtector } from '../dataprotection/data-protector.js';
import { createDataProtection } from '../dataprotection/protector.js';
import type { KeyWrapper } from '../kms/key-wrapper.js';
import { SigningKeyPublisher } from '../signing/signing-jwks.js';
import { SigningKeyRing } from '../signing/signing-key-ring.js';
import { Antiforgery } from '../session/antiforgery.js';
import { Sessions } from '../session/sessions.js';
import { ClientRegistry } from '../store/client-registry.js';
import { ConsentDirectory } from '../store/consent-directory.js';
import type { KeyRingRepository } from '../keyring/key-ring-repository.js';
import { DynamoDbKeyRingRepository } from '../store/key-ring-repository.js';
import { TtlCache } from '../store/ttl-cache.js';
import { UserDirectory } from '../store/user-directory.js';
import { AccessTokens } from '../oidc/access-tokens.js';
import { AuthorizeEndpoint } from '../oidc/authorize-endpoint.js';
import type { ClientLookup } from '../oidc/client-authentication.js';
import { CachedClientLookup } from '../oidc/client-cache.js';
import { clientAssertionVerifier } from './client-assertions.js';
import { ConsentEndpoint } from '../oidc/consent-endpoint.js';
import { ConsentMarkers } from '../oidc/consent-marker.js';
import { ConsentStep } from '../oidc/consent-step.js';
import { StepUpStep } from '../oidc/step-up.js';
import { SECOND_FACTOR_COOKIE_SHAPE, SecondFactorFlows } from '../pages/second-factor-flow.js';
import { FlowCookie } from '../session/flow-cookie.js';
import { secondFactorLookupOver } from './second-factor-stores.js';
import { EndSessionEndpoint } from '../oidc/end-session-endpoint.js';
import { GrantStore } from '../oidc/grant-store.js';
import { IntrospectionEndpoint } from '../oidc/introspection-endpoint.js';
import { LogoutFormEndpoint } from '../oidc/logout-form-endpoint.js';
import { formActionOriginsForReturnTo } from '../oidc/return-to-form-action.js';
import { RevocationEndpoint } from '../oidc/revocation-endpoint.js';
import { TokenEndpoint } from '../oidc/token-endpoint.js';
import { TokenSigner, TokenVerifier } from '../signing/token-signer.js';
import { UserinfoEndpoint } from '../oidc/userinfo-endpoint.js';
import { SignedUserinfoResponder } from '../oidc/signed-userinfo.js';

export interface TokenInspectionDeps {
  config: Config;
  clock: Clock;
  documentClient: DynamoDBDocumentClient;
  /** Defaults to one over the same document client; tests may share one between "instances". */
  keyRingRepository?: KeyRingRepository;
}

export interface OidcProviderDeps extends TokenInspectionDeps {
  keyWrapper: KeyWrapper;
  /** The application's root protector for sessions and antiforgery; defaults to one over this instance's data-protection ring. */
  protector?: DataProtector;
}

/**
 * The endpoints that only check tokens this issuer made (userinfo, revocation, introspection):
 * they verify signatures against the published keys and read grants, so they need no key
 * wrapping and their functions do not bundle the KMS client.
 */
export interface TokenInspection {
  config: Config;
  clients: ClientRegistry;
  /** The clients as the endpoints authenticate them: cached per instance for CLIENT_CACHE_TTL_S. */
  clientLookup: ClientLookup;
  users: UserDirectory;
  grants: GrantStore;
  verifier: TokenVerifier;
  accessTokens: AccessTokens;
  userinfo: UserinfoEndpoint;
  revocation: RevocationEndpoint;
  introspection: IntrospectionEndpoint;
}

export interface OidcProvider extends TokenInspection {
  sessions: Sessions;
  /** For the sign-out confirmation of GET /logout, whose form POST /logout checks. */
  antiforgery: Antiforgery;
  /** POST /logout with an antiforgery field: the sign-out forms. */
  logoutForm: LogoutFormEndpoint;
  signingKeys: SigningKeyRing;
  authorize: AuthorizeEndpoint;
  /** GET/POST /consent: the page the consent step of /authorize sends the user to. */
  consent: ConsentEndpoint;
  token: TokenEndpoint;
  endSession: EndSessionEndpoint;
}

export function createTokenInspection(deps: TokenInspectionDeps): TokenInspection {
  return inspectionOver(deps.config, deps.clock, tablesOf(deps));
}

export function createOidcProvider(deps: OidcProviderDeps): OidcProvider {
  const { config, clock, keyWrapper } = deps;
  const tables = tablesOf(deps);
  const { repository, cache, consents } = tables;
  const inspection = inspectionOver(config, clock, tables);
  const { clients, clientLookup, users, grants, verifier, accessTokens } = inspection;
  const protector = deps.protector ?? createDataProtection({ config, keyWrapper, repository, clock });
  const sessions = new Sessions({ protector, store: cache, settings: config.session, clock });
  const antiforgery = new Antiforgery({ protector, sessionIdOf: (event) => sessions.sessionIdOf(event), clock });
  const signingKeys = new SigningKeyRing({ config, repository, keyWrapper, clock });
  const signer = new TokenSigner(signingKeys);
  const consentMarkers = new ConsentMarkers({ protector, cache, clock });
  // In this order between a fresh enough session and the code: the second factor (step-up), then consent.
  const secondFactors = secondFactorLookupOver({ client: deps.documentClient, tableName: config.tables.directory, clock });
  const secondFactorFlows = new SecondFactorFlows({ cookie: new FlowCookie({ ...SECOND_FACTOR_COOKIE_SHAPE, protector, clock }), store: cache });
  const steps = [new StepUpStep({ config, secondFactors, flows: secondFactorFlows }), new ConsentStep({ config, consents, markers: consentMarkers })];
  return {
    ...inspection,
    sessions,
    antiforgery,
    signingKeys,
    authorize: new AuthorizeEndpoint({ config, clients, grants, sessions, protector, clock, steps }),
    consent: new ConsentEndpoint({ config, clients, sessions, antiforgery, consents, markers: consentMarkers, formActionOrigins: formActionOriginsForReturnTo }),
    token: new TokenEndpoint({ config, clients: clientLookup, grants, users, signer, clock }),
    // With the signing keys at hand, userinfo answers a JWT to clients that registered userinfo_signed_response_alg.
    userinfo: new UserinfoEndpoint({ issuer: config.issuer, accessTokens, users, responder: new SignedUserinfoResponder({ issuer: config.issuer, clients: clientLookup, signer, clock }) }),
    endSession: new EndSessionEndpoint({ config, clients, sessions, antiforgery, verifier, clock }),
    logoutForm: new LogoutFormEndpoint({ antiforgery, sessions, clients }),
  };
}

/** The table adapters over one document client, built once and shared by every endpoint. */
interface ProviderTables {
  repository: KeyRingRepository;
  cache: TtlCache;
  users: UserDirectory;
  clients: ClientRegistry;
  consents: ConsentDirectory;
}

function tablesOf(deps: TokenInspectionDeps): ProviderTables {
  const { config, clock, documentClient: client } = deps;
  return {
    repository: deps.keyRingRepository ?? new DynamoDbKeyRingRepository({ client, tableName: config.tables.keys }),
    cache: new TtlCache({ client, tableName: config.tables.cache, clock }),
    users: new UserDirectory({ client, tableName: config.tables.directory, clock }),
    clients: new ClientRegistry({ client, tableName: config.tables.directory, clock }),
    consents: new ConsentDirectory({ client, tableName: config.tables.directory, clock }),
  };
}

function inspectionOver(config: Config, clock: Clock, tables: ProviderTables): TokenInspection {
  const { repository, cache, users, clients } = tables;
  const verifier = new TokenVerifier({ issuer: config.issuer, keys: new SigningKeyPublisher({ config, repository, clock }), clock });
  const grants = new GrantStore({ cache, clock, refreshReuseGraceS: config.tokens.refreshReuseGraceS });
  const clientLookup = new CachedClientLookup(clients, { ttlS: config.tokens.clientCacheTtlS, clock, assertions: clientAssertionVerifier(config, cache, clock) });
  const accessTokens = new AccessTokens(verifier, grants, clientLookup);
  return {
    config,
    clients,
    clientLookup,
    users,
    grants,
    verifier,
    accessTokens,
    userinfo: new UserinfoEndpoint({ issuer: config.issuer, accessTokens, users }),
    revocation: new RevocationEndpoint({ clients: clientLookup, grants, accessTokens }),
    introspection: new IntrospectionEndpoint({ issuer: config.issuer, clients: clientLookup, grants, accessTokens, users }),
  };
}
