/**
 * The forms of the "sessions" and "apps" sections of /account (one function: both end access):
 *
 *   POST /account/sessions/sign-out          one other session of the user (field `session`)
 *   POST /account/sessions/sign-out-others   every session but this one (one write); apps keep their offline access
 *   POST /account/apps/remove                revokes the client's grants and forgets its consent (field `client`)
 *
 * Each needs a verified session and a valid antiforgery token, acts only on what belongs to the
 * signed-in user, is an audit event, and answers 303 back to its section of /account.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { BadRequestError } from '../http/errors.js';
import { formBody, path } from '../http/request.js';
import { redirect, withCookies, type HttpResponse } from '../http/response.js';
import { audit } from '../observability/audit.js';
import type { Antiforgery } from '../session/antiforgery.js';
import { loginUrl } from '../session/return-to.js';
import type { Session, Sessions } from '../session/sessions.js';
import { antiforgeryRejection } from './antiforgery-rejection.js';
import { APPS_SECTION_ID, CLIENT_FIELD, REMOVE_APP_PATH } from './account-apps.js';
import { SESSION_FIELD, SESSIONS_SECTION_ID, SIGN_OUT_OTHER_SESSIONS_PATH, SIGN_OUT_SESSION_PATH } from './account-sessions.js';

export interface AccountSessionsEndpointDeps {
  antiforgery: Pick<Antiforgery, 'validate'>;
  sessions: Pick<Sessions, 'verify' | 'revoke' | 'listFor' | 'endAllFor'>;
  /** lib/oidc's GrantStore and ConsentStore (this folder cannot import them). */
  grants: { revokeClientFor(subject: string, clientId: string): Promise<number> };
  consents: { revoke(userId: string, clientId: string): Promise<boolean> };
}

export class AccountSessionsEndpoint {
  constructor(private readonly deps: AccountSessionsEndpointDeps) {}

  async handle(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    const current = await this.deps.sessions.verify(event);
    if (current === undefined) return redirect(loginUrl('/account'), { status: 303 });
    const form = formBody(event);
    const check = await this.deps.antiforgery.validate(event, form);
    if (!check.ok) return antiforgeryRejection(event, check.reason, '/account');
    const section = await this.act(path(event), form, current.session);
    return withCookies(redirect(`/account#${section}`, { status: 303 }), current.renewedCookie !== undefined ? [current.renewedCookie] : []);
  }

  /** Does what the path says; returns the section to go back to. */
  private async act(route: string, form: URLSearchParams, session: Session): Promise<string> {
    const userId = session.subject;
    switch (route) {
      case SIGN_OUT_SESSION_PATH: {
        const target = (await this.deps.sessions.listFor(userId)).find((s) => s.sessionId === form.get(SESSION_FIELD));
        // Not one of the user's (or ended already): nothing to do, and nothing said about other users' sessions.
        if (target !== undefined && target.sessionId !== session.sessionId) {
          await this.deps.sessions.revoke({ sessionId: target.sessionId, expiresAt: target.expiresAtS });
          auditUser('session.ended', userId, { session: 'other' });
        }
        return SESSIONS_SECTION_ID;
      }
      case SIGN_OUT_OTHER_SESSIONS_PATH:
        await this.deps.sessions.endAllFor(userId, { exceptSessionId: session.sessionId });
        auditUser('sessions.ended', userId, { exceptCurrent: true });
        return SESSIONS_SECTION_ID;
      case REMOVE_APP_PATH: {
        const clientId = form.get(CLIENT_FIELD);
        if (clientId) {
          // Grants first: a consent left behind would only ask the user again; a grant left behind would refresh.
          const revokedGrants = await this.deps.grants.revokeClientFor(userId, clientId);
          const forgotConsent = await this.deps.consents.revoke(userId, clientId);
          if (revokedGrants > 0 || forgotConsent) auditUser('app-access.removed', userId, { client: clientId, revokedGrants, forgotConsent });
        }
        return APPS_SECTION_ID;
      }
      default:
        // Only the three paths above are routed to this function.
        throw new BadRequestError('no such account form');
    }
  }
}

function auditUser(event: 'session.ended' | 'sessions.ended' | 'app-access.removed', userId: string, detail: Record<string, string | number | boolean>): void {
  audit({ event, actor: { type: 'user', id: userId }, subject: { type: 'user', id: userId }, detail });
}
