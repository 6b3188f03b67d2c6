/**
 * GET /account: the signed-in user's account, assembled from the sections it is given, in order.
 * Costs one BatchGetItem (session revocation and the user's sign-out cutoff) and one GetItem (the
 * user) before the sections' own reads.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Clock } from '../clock.js';
import { query } from '../http/request.js';
import { html, type HttpResponse } from '../http/response.js';
import type { Antiforgery } from '../session/antiforgery.js';
import { accountPage, ACCOUNT_DONE_MESSAGES, type AccountChangeDone } from './account.js';
import type { AccountSection } from './account-section.js';
import type { AccountVisitor } from './account-visitor.js';

export class AccountEndpoint {
  constructor(
    private readonly deps: {
      visitor: Pick<AccountVisitor, 'visit'>;
      antiforgery: Pick<Antiforgery, 'issue'>;
      sections: readonly AccountSection[];
      clock: Clock;
    },
  ) {}

  async handle(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    const visit = await this.deps.visitor.visit(event);
    if (!visit.ok) return visit.response;
    const { user, session } = visit;
    const af = await this.deps.antiforgery.issue(event, { sessionId: session.sessionId });
    const context = { event, user, session, antiforgeryToken: af.token, nowS: Math.floor(this.deps.clock() / 1000) };
    const sections = await Promise.all(this.deps.sections.map(async (s) => ({ id: s.id, title: s.title, body: await s.render(context) })));
    const doneKey = query(event).done;
    const done = doneKey !== undefined && Object.hasOwn(ACCOUNT_DONE_MESSAGES, doneKey) ? ACCOUNT_DONE_MESSAGES[doneKey as AccountChangeDone] : undefined;
    return html(200, accountPage({ sections, done }), { cookies: [...af.cookies, ...visit.cookies] });
  }
}
