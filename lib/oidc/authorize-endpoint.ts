/**
 * GET (and POST) /authorize: validate the request, make sure a fresh enough, unrevoked session
 * is there (or send the user to sign in and back), then redirect to the client with a code.
 *
 * Nothing is kept between the visit to /authorize and the return from /login but the request
 * itself, which rides in `return_to`: whichever instance serves the return re-validates it from
 * scratch, exactly as on the first visit. When the sign-in was demanded because the session was
 * not fresh enough, the request also carries a protected marker of that demand
 * (lib/oidc/reauthentication.ts), so the return is not sent straight back to sign in.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { DataProtector } from '../dataprotection/data-protector.js';
import { renderErrorPage } from '../http/error-page.js';
import { requestParams } from '../http/request.js';
import { html, redirect, withCookies, type HttpResponse } from '../http/response.js';
import type { Session, Sessions } from '../session/sessions.js';
import { codeResponseUrl, errorResponseUrl } from './authorization-response.js';
import { releasableClaims } from './claims-request.js';
import { runAuthorizeSteps, type AuthorizeStep } from './authorize-steps.js';
import { decideAuthentication, validateAuthorizeRequest, type AuthorizeRequest } from './authorize-request.js';
import { isValidClientId, type OAuthClient } from './client-metadata.js';
import { InvalidRequest, LoginRequired, type OAuthError } from './errors.js';
import type { GrantStore } from './grant-store.js';
import { ReauthenticationDemands } from './reauthentication.js';

export const AUTHORIZE_PATH = '/authorize';
export const LOGIN_PATH = '/login';
/** What the sign-in page accepts as `return_to` (lib/session/return-to.ts). */
const MAX_RETURN_TO_LENGTH = 2048;

export interface AuthorizeEndpointDeps {
  config: Pick<Config, 'issuer' | 'tokens'>;
  clients: { find(clientId: string): Promise<OAuthClient | undefined> };
  grants: GrantStore;
  sessions: Pick<Sessions, 'verify'>;
  /** The application's root protector, for the re-authentication marker. */
  protector: DataProtector;
  clock: Clock;
  /** Run in order before a code is issued (authorize-steps.ts); none by default. */
  steps?: readonly AuthorizeStep[];
}

export class AuthorizeEndpoint {
  private readonly reauthentication: ReauthenticationDemands;

  constructor(private readonly deps: AuthorizeEndpointDeps) {
    this.reauthentication = new ReauthenticationDemands({ protector: deps.protector, clock: deps.clock });
  }

  async handle(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    const params = requestParams(event);
    const validation = await resolveAuthorizeRequest(params, this.deps.clients, this.deps.config.issuer);
    if ('respond' in validation) return validation.respond;
    const request = validation.request;
    const current = await this.deps.sessions.verify(event);
    const cookies = current?.renewedCookie !== undefined ? [current.renewedCookie] : [];
    const nowS = Math.floor(this.deps.clock() / 1000);
    const demandedAtS = current === undefined ? undefined : await this.reauthentication.demandedAt(params);
    const decision = decideAuthentication(request, current && { authTimeS: current.session.authTime }, nowS, demandedAtS);

    switch (decision.kind) {
      case 'login-required':
        return redirect(this.errorUrl(request, new LoginRequired('The user must sign in.')), { cookies });
      case 'sign-in': {
        const again = decision.freshAfterS === undefined ? params : await this.reauthentication.attach(params, decision.freshAfterS);
        const returnTo = returnToFor(again);
        if (returnTo.length > MAX_RETURN_TO_LENGTH) {
          return redirect(this.errorUrl(request, new InvalidRequest('The authorization request is too long.')), { cookies });
        }
        const login = new URLSearchParams({ return_to: returnTo });
        if (request.loginHint !== undefined) login.set('login_hint', request.loginHint);
        return redirect(`${LOGIN_PATH}?${login}`, { cookies });
      }
      case 'proceed': {
        const { session } = current!;
        const stepped = await runAuthorizeSteps(this.deps.steps ?? [], { event, params, request, session });
        if ('respond' in stepped) return withCookies(stepped.respond, cookies);
        return redirect(await this.codeUrl(stepped.request, session), { cookies });
      }
    }
  }

  private async codeUrl(request: AuthorizeRequest, session: Session): Promise<string> {
    const requestedClaims = releasableClaims(request.claims, request.client.allowedScopes);
    const code = await this.deps.grants.issueCode(
          {
            clientId: request.client.clientId,
            subject: session.subject,
            scopes: request.scopes,
            authTimeS: session.authTime,
            amr: session.methods,
            sessionId: session.sessionId,
            redirectUri: request.redirectUri,
            ...(request.nonce !== undefined ? { nonce: request.nonce } : {}),
            ...(request.codeChallenge !== undefined ? { codeChallenge: request.codeChallenge, codeChallengeMethod: request.codeChallengeMethod } : {}),
            ...(requestedClaims !== undefined ? { requestedClaims } : {}),
          },
          this.deps.config.tokens.authorizationCodeTtlS,
        );
    return codeResponseUrl({ redirectUri: request.redirectUri, code, state: request.state, issuer: this.deps.config.issuer });
  }

  private errorUrl(request: AuthorizeRequest, error: OAuthError): string {
    return errorResponseUrl({ redirectUri: request.redirectUri, error, state: request.state, issuer: this.deps.config.issuer });
  }
}

/**
 * Looks the client up and validates the request from scratch (authorize-request.ts): the
 * request, or the answer for a request that cannot go on (an error page while the client or its
 * redirect URI is not established, an error redirect to the client after that). /authorize and
 * the pages it sends the user to (consent) share it, so each re-validates on any instance.
 */
export async function resolveAuthorizeRequest(
  params: URLSearchParams,
  clients: AuthorizeEndpointDeps['clients'],
  issuer: string,
): Promise<{ request: AuthorizeRequest } | { respond: HttpResponse }> {
  const clientIds = params.getAll('client_id');
  const clientId = clientIds.length === 1 ? clientIds[0] : undefined;
  const client = clientId !== undefined && isValidClientId(clientId) ? await clients.find(clientId) : undefined;
  const validation = validateAuthorizeRequest(params, client);
  switch (validation.kind) {
    case 'error-page':
      return { respond: html(400, renderErrorPage({ title: 'This sign-in request cannot be completed', message: validation.message })) };
    case 'error-redirect':
      return { respond: redirect(errorResponseUrl({ ...validation, issuer })) };
    case 'valid':
      return { request: validation.request };
  }
}

/** The same request as a GET path, to come back to after sign-in. */
export function returnToFor(params: URLSearchParams): string {
  return `${AUTHORIZE_PATH}?${params}`;
}
