/**
 * Who is on an account page: a verified session (revocation and sign-out-everywhere checked) and
 * its user, or the way to sign in and come back. Every /account request starts here.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { AccountReads } from '../auth/account-lookup.js';
import type { User } from '../auth/user-store.js';
import { redirect, type HttpResponse } from '../http/response.js';
import { loginUrl } from '../session/return-to.js';
import type { Session, Sessions } from '../session/sessions.js';

export type AccountVisit =
  | { ok: true; user: User; session: Session; /** The renewed session cookie, when the idle window slid. */ cookies: string[] }
  | { ok: false; response: HttpResponse };

export class AccountVisitor {
  constructor(private readonly deps: { sessions: Pick<Sessions, 'verify' | 'clearCookie'>; users: Pick<AccountReads, 'findById'> }) {}

  /** `returnTo`: where to come back after signing in (the page asked for, for a GET). */
  async visit(event: APIGatewayProxyEventV2, returnTo = '/account'): Promise<AccountVisit> {
    const current = await this.deps.sessions.verify(event);
    const user = current && (await this.deps.users.findById(current.session.subject));
    if (!current || !user) return { ok: false, response: redirect(loginUrl(returnTo), { status: 303, cookies: current ? [this.deps.sessions.clearCookie()] : [] }) };
    return { ok: true, user, session: current.session, cookies: current.renewedCookie ? [current.renewedCookie] : [] };
  }
}
