/**
 * GET (and POST) /authorize: validate the request, make sure a fresh enough, unrevoked session
 * is there (or send the user to sign in and back), then redirect to the client with a code.
 *
 * Nothing is kept between the visit to /authorize and the return from /login but the request
 * itself, which rides in `return_to`: whichever instance serves the return re-validates it from
 * scratch, exactly as on the first visit.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { renderErrorPage } from '../http/error-page.js';
import { requestParams } from '../http/request.js';
import { html, redirect, type HttpResponse } from '../http/response.js';
import type { Sessions } from '../session/sessions.js';
import { codeResponseUrl, errorResponseUrl } from './authorization-response.js';
import { AUTHENTICATED_AFTER_PARAM, decideAuthentication, validateAuthorizeRequest, type AuthorizeRequest } from './authorize-request.js';
import { isValidClientId, type OAuthClient } from './client-metadata.js';
import { InvalidRequest, LoginRequired, type OAuthError } from './errors.js';
import type { GrantStore } from './grant-store.js';

export const AUTHORIZE_PATH = '/authorize';
export const LOGIN_PATH = '/login';
/** What the sign-in page accepts as `return_to` (lib/session/return-to.ts). */
const MAX_RETURN_TO_LENGTH = 2048;

export interface AuthorizeEndpointDeps {
  config: Pick<Config, 'issuer' | 'tokens'>;
  clients: { find(clientId: string): Promise<OAuthClient | undefined> };
  grants: GrantStore;
  sessions: Pick<Sessions, 'verify'>;
  clock: Clock;
}

export class AuthorizeEndpoint {
  constructor(private readonly deps: AuthorizeEndpointDeps) {}

  async handle(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    const params = requestParams(event);
    const clientIds = params.getAll('client_id');
    const clientId = clientIds.length === 1 ? clientIds[0] : undefined;
    const client = clientId !== undefined && isValidClientId(clientId) ? await this.deps.clients.find(clientId) : undefined;

    const validation = validateAuthorizeRequest(params, client);
    if (validation.kind === 'error-page') {
      return html(400, renderErrorPage({ title: 'This sign-in request cannot be completed', message: validation.message }));
    }
    if (validation.kind === 'error-redirect') {
      return redirect(errorResponseUrl({ ...validation, issuer: this.deps.config.issuer }));
    }
    const request = validation.request;
    const current = await this.deps.sessions.verify(event);
    const cookies = current?.renewedCookie !== undefined ? [current.renewedCookie] : [];
    const nowS = Math.floor(this.deps.clock() / 1000);
    const decision = decideAuthentication(request, current && { authTimeS: current.session.authTime }, nowS);

    switch (decision.kind) {
      case 'login-required':
        return redirect(this.errorUrl(request, new LoginRequired('The user must sign in.')), { cookies });
      case 'sign-in': {
        const returnTo = returnToFor(params, decision.freshAfterS);
        if (returnTo.length > MAX_RETURN_TO_LENGTH) {
          return redirect(this.errorUrl(request, new InvalidRequest('The authorization request is too long.')), { cookies });
        }
        const login = new URLSearchParams({ return_to: returnTo });
        if (request.loginHint !== undefined) login.set('login_hint', request.loginHint);
        return redirect(`${LOGIN_PATH}?${login}`, { cookies });
      }
      case 'proceed': {
        const { session } = current!;
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
          },
          this.deps.config.tokens.authorizationCodeTtlS,
        );
        return redirect(codeResponseUrl({ redirectUri: request.redirectUri, code, state: request.state, issuer: this.deps.config.issuer }), { cookies });
      }
    }
  }

  private errorUrl(request: AuthorizeRequest, error: OAuthError): string {
    return errorResponseUrl({ redirectUri: request.redirectUri, error, state: request.state, issuer: this.deps.config.issuer });
  }
}

/**
 * The same request as a GET path, to come back to after sign-in. When the sign-in is demanded
 * because the session was not fresh enough, the time is recorded so the return is not sent
 * straight back to sign in.
 */
export function returnToFor(params: URLSearchParams, freshAfterS: number | undefined): string {
  const again = new URLSearchParams(params);
  if (freshAfterS !== undefined) again.set(AUTHENTICATED_AFTER_PARAM, String(freshAfterS));
  return `${AUTHORIZE_PATH}?${again}`;
}
