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
import { BadRequestError } from '../http/errors.js';
import { formBody, method, query, sourceIp } from '../http/request.js';
import { html, type HttpResponse } from '../http/response.js';
import type { Antiforgery } from '../session/antiforgery.js';
import type { FlowCookie } from '../session/flow-cookie.js';
import { safeReturnTo } from '../session/return-to.js';
import { auditPasswordChanged, countAccountChange } from './account-events.js';
import { antiforgeryRejection } from './antiforgery-rejection.js';
import type { FormActionOriginsFor } from './form-action-origins.js';
import { throttledNotice } from './login-code-endpoint.js';
import { tooManyCodesMessage } from './login.js';
import { mailLimitRefusal } from './mail-limit.js';
import { countCodeSent } from './page-events.js';
import { newPasswordResetFlow, passwordResetBinding, type PasswordResetCookie } from '../session/password-reset-cookie.js';
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
  constructor(private readonly deps: PasswordResetEndpointDeps) {}

  handle(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    return method(event) === 'POST' ? this.submit(event) : this.show(event);
  }

  private async show(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    const params = query(event);
    const returnTo = safeReturnTo(params.return_to);
    const flow = params.restart === '1' ? undefined : await this.deps.flowCookie.read(event);
    if (flow?.flowId !== undefined) return this.passwordStep(event, 200, flow, returnTo);
    if (flow) return this.codeStep(event, 200, flow, returnTo, {});
    const clear = params.restart === '1' ? [this.deps.flowCookie.clear()] : [];
    return this.emailStep(event, 200, returnTo, {}, clear);
  }

  private async submit(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    const { antiforgery, reset, flowCookie } = this.deps;
    const form = formBody(event);
    const returnTo = safeReturnTo(form.get('return_to'));
    const step = form.get('step');

    if (step === 'email') {
      const check = await antiforgery.validate(event, form);
      if (!check.ok) return antiforgeryRejection(event, check.reason, restartHref(returnTo));
      const email = form.get('email') ?? '';
      const started = await reset.start(email, sourceIp(event));
      countCodeSent('password-reset', started);
      if (!started.ok && started.reason === 'invalid_email') return this.emailStep(event, 400, returnTo, { email, error: 'Enter a valid email address, like name@example.com.' });
      if (!started.ok && started.reason === 'source_limit') {
        const refusal = mailLimitRefusal(started.retryAfterS);
        return this.emailStep(event, refusal.status, returnTo, { email, error: refusal.message }, [], refusal.headers);
      }
      const flow = newPasswordResetFlow(started.email);
      return this.codeStep(event, 200, flow, returnTo, { notice: throttledNotice(started) }, [await flowCookie.write(flow)]);
    }

    if (step !== 'code' && step !== 'resend' && step !== 'password') throw new BadRequestError('The form could not be understood. Please start again.');
    const flow = await flowCookie.read(event);
    const check = await antiforgery.validate(event, form, { flow: passwordResetBinding(flow) });
    if (!check.ok) return antiforgeryRejection(event, check.reason, restartHref(returnTo));
    // The form token was bound to this flow, so a valid check implies the cookie is there.
    if (!flow) return antiforgeryRejection(event, 'flow_mismatch', restartHref(returnTo));

    if (step === 'resend') {
      const started = await reset.start(flow.email, sourceIp(event));
      countCodeSent('password-reset', started);
      if (!started.ok && started.reason === 'source_limit') {
        const refusal = mailLimitRefusal(started.retryAfterS);
        return this.codeStep(event, refusal.status, flow, returnTo, { error: refusal.message }, [], refusal.headers);
      }
      return this.codeStep(event, 200, flow, returnTo, { notice: throttledNotice(started) ?? 'We have sent a new code. The last few codes we sent also work.' });
    }
    if (step === 'code') return this.verifyCode(event, flow, returnTo, form.get('code') ?? '');
    return this.complete(event, flow, returnTo, form.get('password') ?? '');
  }

  private async verifyCode(event: APIGatewayProxyEventV2, flow: PasswordResetCookie, returnTo: string | undefined, code: string): Promise<HttpResponse> {
    const device = await this.deps.deviceCookie.read(event);
    const result = await this.deps.reset.verifyCode(flow.email, code, { ip: sourceIp(event), device });
    if (result.ok) {
      const verified = { ...flow, flowId: result.flowId };
      return this.passwordStep(event, 200, verified, returnTo, undefined, [await this.deps.flowCookie.write(verified)]);
    }
    if (result.reason === 'invalid') return this.codeStep(event, 400, flow, returnTo, { error: 'That code is not right. Check the email and try again.' });
    if (result.reason === 'throttled') {
      const retryAfterS = Math.max(1, Math.ceil(result.retryAfterS));
      return this.codeStep(event, 429, flow, returnTo, { error: tooManyCodesMessage(retryAfterS) }, [], { 'Retry-After': String(retryAfterS) });
    }
    return this.restart(returnTo, CODE_GONE);
  }

  private async complete(event: APIGatewayProxyEventV2, flow: PasswordResetCookie, returnTo: string | undefined, password: string): Promise<HttpResponse> {
    if (flow.flowId === undefined) return this.codeStep(event, 400, flow, returnTo, { error: 'Enter the code we emailed you first.' });
    const result = await this.deps.reset.complete(flow.flowId, password);
    if (result.ok) {
      auditPasswordChanged(result.user, 'reset');
      countAccountChange('password-reset');
      return this.deps.signIn.complete({ event, subject: result.user.id, methods: ['otp'], returnTo, cookies: [this.deps.flowCookie.clear()] });
    }
    if (result.reason === 'weak_password') return this.passwordStep(event, 400, flow, returnTo, passwordProblemText(result.problem));
    return this.restart(returnTo, FLOW_GONE);
  }

  private restart(returnTo: string | undefined, message: string): HttpResponse {
    return html(400, passwordResetRestartPage({ returnTo, message }), { cookies: [this.deps.flowCookie.clear()] });
  }

  private async emailStep(
    event: APIGatewayProxyEventV2,
    status: number,
    returnTo: string | undefined,
    content: { email?: string; error?: string },
    extraCookies: string[] = [],
    headers: Record<string, string> = {},
  ): Promise<HttpResponse> {
    const af = await this.deps.antiforgery.issue(event);
    return html(status, passwordResetEmailPage({ antiforgeryToken: af.token, returnTo, ...content }), { cookies: [...af.cookies, ...extraCookies], headers });
  }

  private async codeStep(
    event: APIGatewayProxyEventV2,
    status: number,
    flow: PasswordResetCookie,
    returnTo: string | undefined,
    messages: { error?: string; notice?: string },
    extraCookies: string[] = [],
    headers: Record<string, string> = {},
  ): Promise<HttpResponse> {
    const af = await this.deps.antiforgery.issue(event, { flow: passwordResetBinding(flow) });
    const body = passwordResetCodePage({ antiforgeryToken: af.token, returnTo, email: flow.email, ...messages });
    return html(status, body, { cookies: [...af.cookies, ...extraCookies], headers });
  }

  private async passwordStep(
    event: APIGatewayProxyEventV2,
    status: number,
    flow: PasswordResetCookie,
    returnTo: string | undefined,
    error?: string,
    extraCookies: string[] = [],
  ): Promise<HttpResponse> {
    const af = await this.deps.antiforgery.issue(event, { flow: passwordResetBinding(flow) });
    const body = passwordResetNewPasswordPage({ antiforgeryToken: af.token, returnTo, email: flow.email, error });
    // The last step's POST may end at a client's redirect URI.
    return html(status, body, { cookies: [...af.cookies, ...extraCookies], formActionOrigins: this.deps.formActionOrigins(returnTo) });
  }
}
