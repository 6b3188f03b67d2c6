/**
 * GET/POST /login/second-factor: the second step of sign-in (after SecondFactorGate) and of a
 * step-up (after lib/oidc/step-up.ts). Everything it trusts comes from the flow
 * (lib/pages/second-factor-flow.ts): the user, what the first factor proved and where to go.
 *
 * A code is checked (and consumed) before the flow is finished; the flow is finished (a
 * conditional delete) before anything is signed in, so two submissions of one flow sign in once.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { SecondFactorCodes, TypedSecondFactors } from '../auth/second-factors.js';
import type { UserStore } from '../auth/user-store.js';
import { renderErrorPage } from '../http/error-page.js';
import { formBody, method, sourceIp } from '../http/request.js';
import { html, redirect, type HttpResponse } from '../http/response.js';
import type { Antiforgery } from '../session/antiforgery.js';
import { afterSignIn } from '../session/return-to.js';
import type { Sessions } from '../session/sessions.js';
import { antiforgeryRejection } from './antiforgery-rejection.js';
import type { FormActionOriginsFor } from './form-action-origins.js';
import { tooManyCodesMessage } from './login.js';
import { SECOND_FACTOR_EXPIRED_MESSAGE, secondFactorPage } from './second-factor.js';
import { auditSecondFactorChange, countSecondFactor } from './second-factor-events.js';
import { secondFactorBinding, type PendingSecondFactor, type SecondFactorFlows } from './second-factor-flow.js';
import { sessionWithSecondFactor } from './second-factor-session.js';
import type { SignInCompletion } from './sign-in-completion.js';

export interface SecondFactorEndpointDeps {
  antiforgery: Pick<Antiforgery, 'issue' | 'validate'>;
  flows: Pick<SecondFactorFlows, 'current' | 'finish' | 'clearCookie'>;
  users: Pick<UserStore, 'findById'>;
  codes: SecondFactorCodes;
  factors: { typed(userId: string): Promise<TypedSecondFactors> };
  /** What a sign-in continues with once both factors are proved: the session (and what wraps it). */
  next: SignInCompletion;
  /** For a step-up: the session it upgrades. */
  sessions: Pick<Sessions, 'verify' | 'start' | 'revoke'>;
  formActionOrigins: FormActionOriginsFor;
}

export class SecondFactorEndpoint {
  constructor(private readonly deps: SecondFactorEndpointDeps) {}

  handle(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    return method(event) === 'POST' ? this.submit(event) : this.show(event);
  }

  private async show(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    const flow = await this.deps.flows.current(event);
    return flow === undefined ? expired() : this.form(event, 200, flow);
  }

  private async submit(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    const { flows } = this.deps;
    const form = formBody(event);
    const flow = await flows.current(event);
    const check = await this.deps.antiforgery.validate(event, form, { flow: secondFactorBinding(flow) });
    if (!check.ok) return antiforgeryRejection(event, check.reason, '/login');
    // The form token was bound to this flow, so a valid check implies the flow is there.
    if (flow === undefined) return expired();
    const current = flow.sessionId === undefined ? undefined : await this.deps.sessions.verify(event);
    if (flow.sessionId !== undefined && current?.session.sessionId !== flow.sessionId) return expired();
    const user = await this.deps.users.findById(flow.userId);
    if (user === undefined) return expired();

    // Only the address's budget, never the device's: the device cookie was just renewed by the
    // first factor, so it would hand whoever knows the password a fresh budget per sign-in.
    const result = await this.deps.codes.verify({ userId: user.id, email: user.email, code: form.get('code') ?? '', origin: { ip: sourceIp(event) } });
    countSecondFactor(result);
    if (!result.ok && result.reason === 'throttled') {
      const retryAfterS = Math.max(1, Math.ceil(result.retryAfterS));
      return this.form(event, 429, flow, tooManyCodesMessage(retryAfterS), { 'Retry-After': String(retryAfterS) });
    }
    if (!result.ok) return this.form(event, 400, flow, 'That code is not right, or it was already used. Try the next code from your app.');
    if (result.kind === 'recovery-code') auditSecondFactorChange('mfa.recovery-code-used', user.id);
    if (!(await flows.finish(flow))) return expired();

    if (current !== undefined) {
      const cookie = await sessionWithSecondFactor(this.deps.sessions, event, current.session);
      return redirect(afterSignIn(flow.returnTo), { status: 303, cookies: [cookie, flows.clearCookie()] });
    }
    return this.deps.next.complete({ event, subject: user.id, methods: [...flow.methods, 'otp', 'mfa'], returnTo: flow.returnTo, cookies: [flows.clearCookie()] });
  }

  private async form(event: APIGatewayProxyEventV2, status: number, flow: PendingSecondFactor, error?: string, headers: Record<string, string> = {}): Promise<HttpResponse> {
    const [af, factors] = await Promise.all([this.deps.antiforgery.issue(event, { flow: secondFactorBinding(flow) }), this.deps.factors.typed(flow.userId)]);
    const body = secondFactorPage({ antiforgeryToken: af.token, returnTo: flow.returnTo, factors, ...(error !== undefined ? { error } : {}) });
    // The POST may end at a client's redirect URI (the flow returns to /authorize).
    return html(status, body, { cookies: af.cookies, headers, formActionOrigins: this.deps.formActionOrigins(flow.returnTo) });
  }
}

function expired(): HttpResponse {
  return html(400, renderErrorPage({ title: 'Please sign in again', message: SECOND_FACTOR_EXPIRED_MESSAGE, startAgainHref: '/login' }));
}
