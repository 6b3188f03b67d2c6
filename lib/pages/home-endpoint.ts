/** GET /: who is signed in (a verified, unrevoked session) and a sign-out button, or the ways in. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { AccountReads } from '../auth/account-lookup.js';
import { cookies } from '../http/request.js';
import { html, type HttpResponse } from '../http/response.js';
import type { Antiforgery } from '../session/antiforgery.js';
import { SESSION_COOKIE, type Sessions } from '../session/sessions.js';
import { homePage } from './home.js';

export interface HomeEndpointDeps {
  antiforgery: Pick<Antiforgery, 'issue'>;
  sessions: Pick<Sessions, 'verify' | 'clearCookie'>;
  users: Pick<AccountReads, 'findById'>;
}

export class HomeEndpoint {
  constructor(private readonly deps: HomeEndpointDeps) {}

  async handle(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    const current = await this.deps.sessions.verify(event);
    const user = current && (await this.deps.users.findById(current.session.subject));
    if (current && user) {
      const af = await this.deps.antiforgery.issue(event, { sessionId: current.session.sessionId });
      const setCookies = [...af.cookies, ...(current.renewedCookie ? [current.renewedCookie] : [])];
      return html(200, homePage({ signedIn: { email: user.email, name: user.name, antiforgeryToken: af.token } }), { cookies: setCookies });
    }
    // A cookie that no longer signs anyone in (expired, revoked, deleted user) is dropped.
    const stale = cookies(event).has(SESSION_COOKIE) ? [this.deps.sessions.clearCookie()] : [];
    return html(200, homePage({}), { cookies: stale });
  }
}
