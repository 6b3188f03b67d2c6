/**
 * POST /logout: the sign-out form, from the home page or from the confirmation page of
 * RP-initiated logout (lib/oidc/end-session-endpoint.ts). Antiforgery-checked; revokes the
 * session id in the TTL table until the cookie would have expired (a copied cookie stops working
 * everywhere) and clears the cookie.
 *
 * Then 303 to the client's post-logout redirect URI with its `state`, when the form carries one
 * that is registered for the client it names (checked here again: hidden fields are the
 * browser's to edit), otherwise to the home page.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { formBody } from '../http/request.js';
import { redirect, type HttpResponse } from '../http/response.js';
import type { Antiforgery } from '../session/antiforgery.js';
import { antiforgeryRejection } from '../pages/antiforgery-rejection.js';
import type { Sessions } from '../session/sessions.js';
import { auditSessionEnded } from './oidc-events.js';
import { findPostLogoutRedirect, POST_LOGOUT_PARAMS, postLogoutRedirectUrl, type ClientLookup } from './post-logout-redirect.js';

export interface LogoutFormEndpointDeps {
  antiforgery: Pick<Antiforgery, 'validate'>;
  sessions: Pick<Sessions, 'read' | 'revoke' | 'clearCookie'>;
  clients: ClientLookup;
}

export class LogoutFormEndpoint {
  constructor(private readonly deps: LogoutFormEndpointDeps) {}

  async handle(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    const form = formBody(event);
    const check = await this.deps.antiforgery.validate(event, form);
    if (!check.ok) return antiforgeryRejection(event, check.reason, '/');

    const target = await findPostLogoutRedirect(this.deps.clients, {
      clientId: single(form, POST_LOGOUT_PARAMS.clientId),
      redirectUri: single(form, POST_LOGOUT_PARAMS.redirectUri),
      state: single(form, POST_LOGOUT_PARAMS.state),
    });
    const current = await this.deps.sessions.read(event);
    if (current) {
      await this.deps.sessions.revoke(current.session);
      auditSessionEnded(current.session, 'user');
    }
    return redirect(target !== undefined ? postLogoutRedirectUrl(target) : '/', { status: 303, cookies: [this.deps.sessions.clearCookie()] });
  }
}

/** The field's value when it occurs exactly once; our forms never repeat one. */
function single(form: URLSearchParams, name: string): string | undefined {
  const values = form.getAll(name);
  return values.length === 1 ? values[0] : undefined;
}
