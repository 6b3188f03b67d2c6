/**
 * /account/<section>[...]: the forms and pages of the account's own sections (name, email,
 * password, deletion). What every one of them needs is done here once: a verified session and
 * its user (or sign in and come back), the antiforgery check of every POST (bound to the
 * session), and a fresh form token for the page it answers with.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { User } from '../auth/user-store.js';
import { formBody, method } from '../http/request.js';
import { redirect, withCookies, type HttpResponse } from '../http/response.js';
import type { Antiforgery } from '../session/antiforgery.js';
import type { Session } from '../session/sessions.js';
import { ACCOUNT_PATH } from './account.js';
import type { AccountVisitor } from './account-visitor.js';
import { antiforgeryRejection } from './antiforgery-rejection.js';

export interface AccountRequest {
  event: APIGatewayProxyEventV2;
  user: User;
  session: Session;
  /** The POST's form (its antiforgery token already checked); undefined for a GET. */
  form?: URLSearchParams;
  /** For the forms of the page the action answers with. */
  antiforgeryToken: string;
}

export interface AccountAction {
  handle(request: AccountRequest): Promise<HttpResponse>;
}

export class AccountActionsEndpoint {
  constructor(
    private readonly deps: {
      visitor: Pick<AccountVisitor, 'visit'>;
      antiforgery: Pick<Antiforgery, 'issue' | 'validate'>;
      /** By the path segment after /account/. */
      actions: Readonly<Record<string, AccountAction>>;
    },
  ) {}

  async handle(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    const path = event.rawPath;
    const id = path.startsWith(`${ACCOUNT_PATH}/`) ? path.slice(ACCOUNT_PATH.length + 1) : '';
    const action = Object.hasOwn(this.deps.actions, id) ? this.deps.actions[id] : undefined;
    if (!action) return redirect(ACCOUNT_PATH, { status: 303 });
    const isPost = method(event) === 'POST';
    // After signing in, a GET comes back to its page; a POST's form is gone, so to the account.
    const visit = await this.deps.visitor.visit(event, isPost ? ACCOUNT_PATH : path);
    if (!visit.ok) return visit.response;
    let form: URLSearchParams | undefined;
    if (isPost) {
      form = formBody(event);
      const check = await this.deps.antiforgery.validate(event, form, { sessionId: visit.session.sessionId });
      if (!check.ok) return antiforgeryRejection(event, check.reason, ACCOUNT_PATH);
    }
    const af = await this.deps.antiforgery.issue(event, { sessionId: visit.session.sessionId });
    const response = await action.handle({ event, user: visit.user, session: visit.session, form, antiforgeryToken: af.token });
    return withCookies(response, [...af.cookies, ...visit.cookies]);
  }
}
