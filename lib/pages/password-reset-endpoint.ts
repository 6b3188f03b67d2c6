/**
 * GET/POST /password/forgot: address -> code -> new password -> signed in (lib/auth/password-reset.ts).
 * The hidden `step` field says which form was sent (`email`, `code`, `resend`, `password`).
 * Every form after the first is bound to the flow in `__Host-reset`; each step may land on
 * another instance. The last step hands over to the sign-in completion with `otp` only, so an
 * account with a second factor is asked for it before any session exists.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { KnownDevice } from '../auth/attempt-scopes.js';
import type { PasswordReset } from '../auth/password-reset.js';
import { passwordProblemText } from '../auth/password-policy.js';
import { method, sourceIp } from '../http/request.js';
import { html, type HttpResponse } from '../http/response.js';
import type { Antiforgery } from '../session/antiforgery.js';
import type { FlowCookie } from '../session/flow-cookie.js';
import { newPasswordResetFlow, passwordResetBinding, type PasswordResetCookie } from '../session/password-reset-cookie.js';
import { auditPasswordChanged, countAccountChange } from './account-events.js';
import { AddressCodeFlow } from './address-code-flow.js';
import type { FormActionOriginsFor } from './form-action-origins.js';
import { renderFormStep } from './form-step.js';
import { passwordResetCodePage, passwordResetEmailPage, passwordResetNewPasswordPage, passwordResetRestartPage, restartHref } from './password-reset.js';
import type { SignInCompletion } from './sign-in-completion.js';

export interface PasswordResetEndpointDeps {
  antiforgery: Pick<Antiforgery, 'issue' | 'validate'>;
  signIn: SignInCompletion;
  reset: Pick<PasswordReset, 'start' | 'verifyCode' | 'emailOf' | 'complete'>;
  flowCookie: Pick<FlowCookie<PasswordResetCookie>, 'read' | 'write' | 'clear'>;
  /** `__Host-device`: read so that code guesses count against the device's budget. */
  deviceCookie: Pick<FlowCookie<KnownDevice>, 'read'>;
  formActionOrigins: FormActionOriginsFor;
}

const CODE_GONE = 'This code has expired or has already been used. Start again to get a new one.';
const FLOW_GONE = 'Your password reset took too long or was already used. Start again to get a new code.';

export class PasswordResetEndpoint {
  private readonly flow: AddressCodeFlow<PasswordResetCookie>;

  constructor(private readonly deps: PasswordResetEndpointDeps) {
    this.flow = new AddressCodeFlow({
      antiforgery: deps.antiforgery,
      pages: { email: passwordResetEmailPage, code: passwordResetCodePage },
      binding: passwordResetBinding,
      kind: 'password-reset',
      startAgainHref: restartHref,
      flowCookie: deps.flowCookie,
      newFlow: newPasswordResetFlow,
      start: (email, source) => deps.reset.start(email, source),
    });
  }

  handle(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    if (method(event) !== 'POST') {
      return this.flow.show(event, (flow, returnTo) =>
        flow.flowId !== undefined ? this.passwordStep(event, 200, flow, returnTo) : this.flow.codeStep(event, flow, returnTo, { status: 200 }),
      );
    }
    return this.flow.submit(event, {
      code: (flow, form, returnTo) => this.verifyCode(event, flow, returnTo, form.get('code') ?? ''),
      password: (flow, form, returnTo) => this.complete(event, flow, returnTo, form.get('password') ?? ''),
    });
  }

  private async verifyCode(event: APIGatewayProxyEventV2, flow: PasswordResetCookie, returnTo: string | undefined, code: string): Promise<HttpResponse> {
    const device = await this.deps.deviceCookie.read(event);
    const result = await this.deps.reset.verifyCode(flow.email, code, { ip: sourceIp(event), device });
    if (result.ok) {
      const verified = { ...flow, flowId: result.flowId };
      return this.passwordStep(event, 200, verified, returnTo, undefined, [await this.deps.flowCookie.write(verified)]);
    }
    return this.flow.refusedCode(event, flow, returnTo, result) ?? this.restart(returnTo, CODE_GONE);
  }

  private async complete(event: APIGatewayProxyEventV2, flow: PasswordResetCookie, returnTo: string | undefined, password: string): Promise<HttpResponse> {
    if (flow.flowId === undefined) return this.flow.codeStep(event, flow, returnTo, { status: 400, error: 'Enter the code we emailed you first.' });
    const result = await this.deps.reset.complete(flow.flowId, password);
    if (result.ok) {
      auditPasswordChanged(result.user, 'reset');
      countAccountChange('password-reset');
      return this.deps.signIn.complete({ event, subject: result.user.id, user: result.user, methods: ['otp'], returnTo, cookies: [this.deps.flowCookie.clear()] });
    }
    if (result.reason === 'weak_password') return this.passwordStep(event, 400, flow, returnTo, passwordProblemText(result.problem));
    return this.restart(returnTo, FLOW_GONE);
  }

  private restart(returnTo: string | undefined, message: string): HttpResponse {
    return html(400, passwordResetRestartPage({ returnTo, message }), { cookies: [this.deps.flowCookie.clear()] });
  }

  private passwordStep(
    event: APIGatewayProxyEventV2,
    status: number,
    flow: PasswordResetCookie,
    returnTo: string | undefined,
    error?: string,
    cookies: string[] = [],
  ): Promise<HttpResponse> {
    const page = (antiforgeryToken: string) => passwordResetNewPasswordPage({ antiforgeryToken, returnTo, email: flow.email, error });
    // The last step's POST may end at a client's redirect URI.
    return renderFormStep(this.deps.antiforgery, event, passwordResetBinding(flow), page, { status, cookies, formActionOrigins: this.deps.formActionOrigins(returnTo) });
  }
}
