/**
 * GET /logout: OpenID Connect RP-Initiated Logout 1.0. Ends the browser's session (revoked in
 * the TTL table, so a copied cookie dies on every instance, and cleared), then returns to the
 * client only at a post-logout redirect URI registered for it; otherwise a "signed out" page.
 *
 * The client is named by `client_id` or by the audience of `id_token_hint`, whose signature is
 * checked against the published keys (an expired hint is fine: logging out after the ID token
 * expired is the normal case). POST /logout is the sign-out form of the pages, not this.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { renderErrorPage } from '../http/error-page.js';
import { html } from '../http/html.js';
import { renderPage } from '../http/page.js';
import { queryParams, repeatedNames } from '../http/request.js';
import { html as htmlResponse, redirect, type HttpResponse } from '../http/response.js';
import type { Sessions } from '../session/sessions.js';
import { authorizationResponseUrl } from './authorization-response.js';
import { isValidClientId, type OAuthClient } from './client-metadata.js';
import { TokenRejectedError, type TokenVerifier, type VerifiedToken } from './token-signer.js';

export interface EndSessionEndpointDeps {
  config: Pick<Config, 'issuer' | 'session'>;
  clients: { find(clientId: string): Promise<OAuthClient | undefined> };
  sessions: Pick<Sessions, 'read' | 'revoke' | 'clearCookie'>;
  verifier: TokenVerifier;
  clock: Clock;
}

const MAX_STATE_LENGTH = 512;

export class EndSessionEndpoint {
  constructor(private readonly deps: EndSessionEndpointDeps) {}

  async handle(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    const params = queryParams(event);
    const repeated = repeatedNames(params);
    if (repeated.length > 0) return badRequest('The sign-out request repeats a parameter.');

    const hintParam = params.get('id_token_hint');
    const hint = hintParam ? await this.verifyHint(hintParam) : undefined;
    // An ID token that does not verify still signs the user out, but never redirects anywhere.
    const hintRejected = Boolean(hintParam) && hint === undefined;

    const clientIdParam = params.get('client_id') ?? undefined;
    const hintAudience = hint === undefined ? undefined : audienceOf(hint.claims.aud);
    if (clientIdParam !== undefined && hintAudience !== undefined && clientIdParam !== hintAudience) {
      return badRequest('The sign-out request names an application the ID token was not issued to.');
    }
    const clientId = clientIdParam ?? hintAudience;
    const client = clientId !== undefined && isValidClientId(clientId) ? await this.deps.clients.find(clientId) : undefined;

    await this.endSession(event, hint);
    const cookies = [this.deps.sessions.clearCookie()];

    const target = params.get('post_logout_redirect_uri');
    const state = params.get('state');
    if (target !== null && !hintRejected && client !== undefined && client.postLogoutRedirectUris.includes(target)) {
      const location = authorizationResponseUrl(target, { state: state !== null && state.length <= MAX_STATE_LENGTH ? state : undefined });
      return redirect(location, { cookies });
    }
    return htmlResponse(200, signedOutPage(), { cookies });
  }

  /**
   * Revokes the browser's session. With an ID token of another user than the browser's, the
   * browser's session is left alone (someone else is signed in here now) and the hint's own
   * session is ended instead.
   */
  private async endSession(event: APIGatewayProxyEventV2, hint: VerifiedToken | undefined): Promise<void> {
    const current = await this.deps.sessions.read(event);
    const hintSid = typeof hint?.claims.sid === 'string' ? hint.claims.sid : undefined;
    if (current !== undefined && (hint === undefined || hint.claims.sub === current.session.subject)) {
      await this.deps.sessions.revoke(current.session);
    }
    if (hintSid !== undefined && hintSid !== current?.session.sessionId) {
      const authTime = typeof hint?.claims.auth_time === 'number' ? hint.claims.auth_time : Math.floor(this.deps.clock() / 1000);
      await this.deps.sessions.revoke({ sessionId: hintSid, expiresAt: authTime + this.deps.config.session.absoluteLifetimeS });
    }
  }

  private async verifyHint(token: string): Promise<VerifiedToken | undefined> {
    try {
      return await this.deps.verifier.verifyIdTokenHint(token);
    } catch (error) {
      if (error instanceof TokenRejectedError) return undefined;
      throw error;
    }
  }
}

function audienceOf(aud: unknown): string | undefined {
  if (typeof aud === 'string') return aud;
  if (Array.isArray(aud) && aud.length === 1 && typeof aud[0] === 'string') return aud[0];
  return undefined;
}

function badRequest(message: string): HttpResponse {
  return htmlResponse(400, renderErrorPage({ title: 'Sign-out request not accepted', message }));
}

export function signedOutPage() {
  return renderPage({
    title: 'Signed out',
    body: html`<h1>You are signed out</h1>
<p>You have been signed out of this site. You can close this window.</p>
<p class="actions"><a class="button" href="/">Go to the home page</a></p>`,
  });
}
