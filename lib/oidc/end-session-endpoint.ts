/**
 * GET /logout, and POST /logout without an antiforgery field (functions/logout.ts tells them
 * apart): OpenID Connect RP-Initiated Logout 1.0, which requires both methods. Returns to the client only at a
 * post-logout redirect URI registered for it; otherwise a "signed out" page.
 *
 * The client is named by `client_id` or by the audience of `id_token_hint`, whose signature is
 * checked against the published keys (an expired hint is fine: logging out after the ID token
 * expired is the normal case).
 *
 * A GET (or a form POST) can come from any site (a link, an image, an auto-submitted form), so the browser's session is ended at once
 * only when a valid `id_token_hint` vouches for it: issued for this session (`sid`, else the
 * same `sub`), or there is no live session to protect. Otherwise a live session gets a
 * confirmation page (section 2: the OP asks the user whether to log out), whose form posts to
 * POST /logout (lib/oidc/logout-form-endpoint.ts) with an antiforgery token bound to the
 * session and the checked redirect in hidden fields, which that endpoint checks again.
 *
 * Ending a session revokes it in the TTL table (a copied cookie dies on every instance) and
 * clears the cookie. A valid hint's own session is ended too, wherever it is: only the client
 * it was issued to holds it.
 *
 * A request from another site (lib/http/cross-site.ts) may arrive without the SameSite=Lax
 * session cookie, so "no session" there proves nothing, and a cookie-clearing answer to it
 * would sign out whoever the browser has signed in (an auto-submitted form is a top-level
 * navigation: its Set-Cookie applies). Such a request never clears the cookie. A POST of that
 * kind is sent on (303) as the same request by GET, a navigation on which the cookie travels, so
 * the user is asked about the session it finds; a GET without the cookie has nothing to ask about.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { renderErrorPage } from '../http/error-page.js';
import { auditSessionEnded } from './oidc-events.js';
import { isCrossSiteRequest } from '../http/cross-site.js';
import { method, repeatedNames, requestParams } from '../http/request.js';
import { html as htmlResponse, redirect, type HttpResponse } from '../http/response.js';
import { logoutConfirmPage, signedOutPage } from '../pages/logout.js';
import type { Antiforgery } from '../session/antiforgery.js';
import type { CurrentSession, Session, Sessions } from '../session/sessions.js';
import {
  findPostLogoutRedirect,
  POST_LOGOUT_PARAMS,
  postLogoutFields,
  postLogoutRedirectUrl,
  type ClientLookup,
  type PostLogoutRedirect,
} from './post-logout-redirect.js';
import { TokenRejectedError, type TokenVerifier, type VerifiedToken } from '../signing/token-signer.js';

export interface EndSessionEndpointDeps {
  config: Pick<Config, 'issuer' | 'session'>;
  clients: ClientLookup;
  sessions: Pick<Sessions, 'verify' | 'revoke' | 'clearCookie'>;
  antiforgery: Pick<Antiforgery, 'issue'>;
  verifier: TokenVerifier;
  clock: Clock;
}

/** Both methods of RP-initiated logout are served here, and the confirmation form posts here too. */
const LOGOUT_PATH = '/logout';

export class EndSessionEndpoint {
  private readonly ownOrigin: string;

  constructor(private readonly deps: EndSessionEndpointDeps) {
    this.ownOrigin = new URL(deps.config.issuer).origin;
  }

  async handle(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    const params = requestParams(event);
    const repeated = repeatedNames(params);
    if (repeated.length > 0) return badRequest('The sign-out request repeats a parameter.');

    const hintParam = params.get('id_token_hint');
    const hint = hintParam ? await this.verifyHint(hintParam) : undefined;
    // An ID token that does not verify never leads to a redirect, and vouches for nothing.
    const hintRejected = Boolean(hintParam) && hint === undefined;

    const clientIdParam = params.get(POST_LOGOUT_PARAMS.clientId) ?? undefined;
    const hintAudience = hint === undefined ? undefined : audienceOf(hint.claims.aud);
    if (clientIdParam !== undefined && hintAudience !== undefined && clientIdParam !== hintAudience) {
      return badRequest('The sign-out request names an application the ID token was not issued to.');
    }
    const target = hintRejected
      ? undefined
      : await findPostLogoutRedirect(this.deps.clients, {
          clientId: clientIdParam ?? hintAudience,
          redirectUri: params.get(POST_LOGOUT_PARAMS.redirectUri) ?? undefined,
          state: params.get(POST_LOGOUT_PARAMS.state) ?? undefined,
        });

    const current = await this.deps.sessions.verify(event);
    if (hint !== undefined) await this.endHintSession(hint, current);
    if (current !== undefined && (hint === undefined || !vouchesFor(hint, current.session))) {
      return this.confirmation(event, current, target);
    }
    if (current === undefined && isCrossSiteRequest(event, this.ownOrigin)) return unseenSession(event, target);

    if (current !== undefined) {
      await this.deps.sessions.revoke(current.session);
      auditSessionEnded(current.session, 'user');
    }
    // Also drops a cookie that no longer signs anyone in (revoked, expired): the request is our
    // own site's, so the browser showed us every cookie it has.
    const cookies = [this.deps.sessions.clearCookie()];
    if (target !== undefined) return redirect(postLogoutRedirectUrl(target), { cookies });
    return htmlResponse(200, signedOutPage(), { cookies });
  }

  /** "Sign out of <issuer>?" for the session the request carries; nothing is ended yet. */
  private async confirmation(event: APIGatewayProxyEventV2, current: CurrentSession, target: PostLogoutRedirect | undefined): Promise<HttpResponse> {
    const af = await this.deps.antiforgery.issue(event, { sessionId: current.session.sessionId });
    const cookies = [...af.cookies, ...(current.renewedCookie ? [current.renewedCookie] : [])];
    const page = logoutConfirmPage({ issuer: this.deps.config.issuer, antiforgeryToken: af.token, redirectFields: postLogoutFields(target) });
    // The POST answers 303 to the client's URI, and CSP form-action applies to that redirect too.
    return htmlResponse(200, page, { cookies, ...(target !== undefined ? { formActionOrigins: [target.redirectUri] } : {}) });
  }

  /**
   * Ends the session the ID token was issued in when it is not the browser's current one (that
   * one is ended, or asked about, by the caller): e.g. the client's user signed out here and
   * someone else signed in since.
   */
  private async endHintSession(hint: VerifiedToken, current: CurrentSession | undefined): Promise<void> {
    const hintSid = typeof hint.claims.sid === 'string' ? hint.claims.sid : undefined;
    if (hintSid === undefined || hintSid === current?.session.sessionId) return;
    const authTime = typeof hint.claims.auth_time === 'number' ? hint.claims.auth_time : Math.floor(this.deps.clock() / 1000);
    await this.deps.sessions.revoke({ sessionId: hintSid, expiresAt: authTime + this.deps.config.session.absoluteLifetimeS });
    auditSessionEnded({ subject: String(hint.claims.sub), sessionId: hintSid }, 'relying-party', audienceOf(hint.claims.aud));
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

/**
 * Another site's request that came without a session cookie: a POST goes on as a GET, which
 * carries the cookie, with only the checked redirect (a valid hint's session is already ended);
 * a GET had the chance to carry it, so there is no session to end or ask about. Neither answer
 * touches the cookie.
 */
function unseenSession(event: APIGatewayProxyEventV2, target: PostLogoutRedirect | undefined): HttpResponse {
  if (method(event) === 'POST') {
    const query = new URLSearchParams(postLogoutFields(target)).toString();
    return redirect(query === '' ? LOGOUT_PATH : `${LOGOUT_PATH}?${query}`, { status: 303 });
  }
  if (target !== undefined) return redirect(postLogoutRedirectUrl(target));
  return htmlResponse(200, signedOutPage());
}

/** Whether the ID token was issued in this session: its `sid` when it has one, else the same user. */
function vouchesFor(hint: VerifiedToken, session: Session): boolean {
  if (hint.claims.sub !== session.subject) return false;
  const sid = hint.claims.sid;
  return typeof sid !== 'string' || sid === session.sessionId;
}

function audienceOf(aud: unknown): string | undefined {
  if (typeof aud === 'string') return aud;
  if (Array.isArray(aud) && aud.length === 1 && typeof aud[0] === 'string') return aud[0];
  return undefined;
}

function badRequest(message: string): HttpResponse {
  return htmlResponse(400, renderErrorPage({ title: 'Sign-out request not accepted', message }));
}
