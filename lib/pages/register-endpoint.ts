/**
 * GET/POST /register: address -> code -> name and password -> account, signed in. The hidden
 * `step` field says which form was sent (`email`, `code`, `resend`, `details`); the flow id rides
 * in the protected `__Host-reg` cookie and the flow's state in the TTL table, so every step may
 * land on another instance. Every form after the first is bound to the flow, so a page left
 * open in one tab cannot act on a flow restarted in another.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Registration, StartResult } from '../auth/registration.js';
import { passwordProblemText } from '../auth/password-policy.js';
import { BadRequestError } from '../http/errors.js';
import { cookies as requestCookies, formBody, method, query, sourceIp } from '../http/request.js';
import type { HttpResponse } from '../http/response.js';
import type { Antiforgery } from '../session/antiforgery.js';
import type { FlowCookie } from '../session/flow-cookie.js';
import { REGISTRATION_COOKIE, registrationBinding, type RegistrationCookie } from '../session/flow-cookies.js';
import { safeReturnTo } from '../session/return-to.js';
import { antiforgeryRejection } from './antiforgery-rejection.js';
import { CodeFormSteps, NEW_CODE_SENT } from './code-form-steps.js';
import type { SignInCompletion } from './sign-in-completion.js';
import type { FormActionOriginsFor } from './form-action-origins.js';
import { hrefWithReturnTo } from './form-parts.js';
import { renderFormStep } from './form-step.js';
import { waitText } from './login.js';
import { auditAccountCreated } from './page-events.js';
import { REGISTER_PATH, registerCodePage, registerDetailsPage, registerEmailPage, registerRestartPage } from './register.js';

export interface RegisterEndpointDeps {
  antiforgery: Pick<Antiforgery, 'issue' | 'validate'>;
  signIn: SignInCompletion;
  registration: Pick<Registration, 'start' | 'get' | 'resend' | 'verifyCode' | 'complete'>;
  flowCookie: Pick<FlowCookie<RegistrationCookie>, 'read' | 'write' | 'clear'>;
  formActionOrigins: FormActionOriginsFor;
}

const RESTARTED_ELSEWHERE =
  'This registration was started again in another tab or window, or has expired. Continue with the latest one, or start again.';

interface Flow {
  flowId: string;
  email: string;
  step: 'code' | 'details';
}

export class RegisterEndpoint {
  private readonly steps: CodeFormSteps<Flow>;

  constructor(private readonly deps: RegisterEndpointDeps) {
    this.steps = new CodeFormSteps<Flow>({
      antiforgery: deps.antiforgery,
      pages: { email: registerEmailPage, code: registerCodePage },
      binding: (flow) => registrationBinding(flow.flowId),
      kind: 'registration',
      startAgainHref: (returnTo) => hrefWithReturnTo(REGISTER_PATH, returnTo, { restart: '1' }),
    });
  }

  handle(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    return method(event) === 'POST' ? this.submit(event) : this.show(event);
  }

  private async show(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    const params = query(event);
    const returnTo = safeReturnTo(params.return_to);
    const restart = params.restart === '1';
    const flow = restart ? undefined : await this.currentFlow(event);
    if (flow?.step === 'code') return this.steps.codeStep(event, flow, returnTo, { status: 200 });
    if (flow?.step === 'details') return this.detailsStep(event, 200, flow, returnTo, {});
    // A cookie whose flow is over (or a restart) is dropped, so the next steps start clean.
    const clear = requestCookies(event).has(REGISTRATION_COOKIE) ? [this.deps.flowCookie.clear()] : [];
    return this.steps.emailStep(event, returnTo, { status: 200, cookies: clear });
  }

  private async submit(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    const { antiforgery, registration, flowCookie } = this.deps;
    const form = formBody(event);
    const returnTo = safeReturnTo(form.get('return_to'));
    const step = form.get('step');

    if (step === 'email') {
      return this.steps.submitAddress(event, form, returnTo, (email, source) => registration.start(email, source), (started, email) => this.started(event, started, email, returnTo));
    }

    if (step !== 'code' && step !== 'resend' && step !== 'details') {
      throw new BadRequestError('The form could not be understood. Please start again.');
    }
    const flowId = (await flowCookie.read(event))?.flowId;
    const check = await antiforgery.validate(event, form, { flow: registrationBinding(flowId) });
    if (!check.ok) {
      const message = check.reason === 'flow_mismatch' ? RESTARTED_ELSEWHERE : undefined;
      return antiforgeryRejection(event, check.reason, hrefWithReturnTo(REGISTER_PATH, returnTo), message);
    }
    const flow = flowId === undefined ? undefined : await this.flowOf(flowId);
    if (!flow) return this.restartStep(event, returnTo, 'Your registration has expired', 'The registration took too long and has expired. Please start again.');

    if (step === 'resend') return this.resend(event, flow, returnTo);
    if (step === 'code') return this.verifyCode(event, flow, returnTo, form.get('code') ?? '');
    return this.complete(event, flow, returnTo, form);
  }

  private async started(event: APIGatewayProxyEventV2, started: StartResult, email: string, returnTo: string | undefined): Promise<HttpResponse> {
    if (started.ok) {
      const flow = await this.deps.registration.get(started.flowId);
      if (!flow) return this.restartStep(event, returnTo, 'Your registration has expired', 'Please start again.');
      const cookie = await this.deps.flowCookie.write({ flowId: started.flowId });
      const notice =
        started.resendAfterS === undefined
          ? undefined
          : `A code was sent to this address a moment ago, so we did not send another: enter that one. You can request a new one in ${waitText(started.resendAfterS)}.`;
      return this.steps.codeStep(event, { flowId: started.flowId, ...flow }, returnTo, { status: 200, notice, cookies: [cookie] });
    }
    const retryAfterS = Math.max(1, Math.ceil(started.retryAfterS ?? 60));
    const error = `Too many codes were requested for this address. Try again in ${waitText(retryAfterS)}.`;
    return this.steps.emailStep(event, returnTo, { status: 429, email, error, headers: { 'Retry-After': String(retryAfterS) } });
  }

  private resend(event: APIGatewayProxyEventV2, flow: Flow, returnTo: string | undefined): Promise<HttpResponse> {
    return this.steps.resend(event, flow, returnTo, (source) => this.deps.registration.resend(flow.flowId, source), async (resent) => {
      if (resent.ok) {
        if (flow.step === 'details') return this.detailsStep(event, 200, flow, returnTo, {});
        return this.steps.codeStep(event, flow, returnTo, { status: 200, notice: NEW_CODE_SENT });
      }
      if (resent.reason === 'unknown_flow') return this.restartStep(event, returnTo, 'Your registration has expired', 'Please start again.');
      const retryAfterS = Math.max(1, Math.ceil(resent.retryAfterS ?? 60));
      const wait =
        resent.reason === 'resend_too_soon'
          ? `A code was sent a moment ago. You can request a new one in ${waitText(retryAfterS)}.`
          : `Too many codes were requested for this address. You can request a new one in ${waitText(retryAfterS)}.`;
      return this.steps.codeStep(event, flow, returnTo, { status: 429, error: wait, headers: { 'Retry-After': String(retryAfterS) } });
    });
  }

  private async verifyCode(event: APIGatewayProxyEventV2, flow: Flow, returnTo: string | undefined, code: string): Promise<HttpResponse> {
    const result = await this.deps.registration.verifyCode(flow.flowId, code, { ip: sourceIp(event) });
    if (result.ok) return this.detailsStep(event, 200, { ...flow, step: 'details' }, returnTo, {});
    if (result.reason === 'unknown_flow') return this.restartStep(event, returnTo, 'Your registration has expired', 'Please start again.');
    const message = 'This code has expired or has already been used. Request a new one.';
    return this.steps.refusedCode(event, flow, returnTo, result) ?? this.restartStep(event, returnTo, 'Request a new code', message, { canResend: true, flowId: flow.flowId });
  }

  private async complete(event: APIGatewayProxyEventV2, flow: Flow, returnTo: string | undefined, form: URLSearchParams): Promise<HttpResponse> {
    const name = form.get('name') ?? '';
    const completed = await this.deps.registration.complete(flow.flowId, { name, password: form.get('password') ?? '' });
    if (completed.ok) {
      auditAccountCreated(completed.user);
      return this.deps.signIn.complete({ event, subject: completed.user.id, user: completed.user, methods: ['otp', 'pwd'], returnTo, cookies: [this.deps.flowCookie.clear()] });
    }
    switch (completed.reason) {
      case 'weak_password':
        return this.detailsStep(event, 400, flow, returnTo, {
          name,
          invalidField: 'password',
          error: passwordProblemText(completed.problem),
        });
      case 'invalid_name':
        return this.detailsStep(event, 400, flow, returnTo, { name, invalidField: 'name', error: 'Enter your name (at most 100 characters).' });
      case 'not_verified':
        return this.steps.codeStep(event, flow, returnTo, { status: 400, error: 'Enter the code we emailed you first.' });
      case 'email_taken':
        return this.restartStep(event, returnTo, 'You already have an account', 'An account with this email address already exists. Sign in instead.', {
          status: 409,
          clearFlow: true,
        });
      case 'unknown_flow':
        return this.restartStep(event, returnTo, 'Your registration has expired', 'Please start again.');
    }
  }

  private async currentFlow(event: APIGatewayProxyEventV2): Promise<Flow | undefined> {
    const flowId = (await this.deps.flowCookie.read(event))?.flowId;
    return flowId === undefined ? undefined : this.flowOf(flowId);
  }

  private async flowOf(flowId: string): Promise<Flow | undefined> {
    const flow = await this.deps.registration.get(flowId);
    return flow ? { flowId, ...flow } : undefined;
  }

  private detailsStep(
    event: APIGatewayProxyEventV2,
    status: number,
    flow: Flow,
    returnTo: string | undefined,
    content: { name?: string; error?: string; invalidField?: 'name' | 'password' },
  ): Promise<HttpResponse> {
    const page = (antiforgeryToken: string) => registerDetailsPage({ antiforgeryToken, returnTo, email: flow.email, ...content });
    // The last step's POST may end at a client's redirect URI.
    return renderFormStep(this.deps.antiforgery, event, registrationBinding(flow.flowId), page, { status, formActionOrigins: this.deps.formActionOrigins(returnTo) });
  }

  private restartStep(
    event: APIGatewayProxyEventV2,
    returnTo: string | undefined,
    title: string,
    message: string,
    options: { canResend?: boolean; flowId?: string; status?: number; clearFlow?: boolean } = {},
  ): Promise<HttpResponse> {
    const page = (antiforgeryToken: string) => registerRestartPage({ antiforgeryToken, returnTo, title, message, canResend: options.canResend });
    // Without a flow to continue, the cookie is dropped so that GET /register starts clean.
    const clear = options.canResend && !options.clearFlow ? [] : [this.deps.flowCookie.clear()];
    return renderFormStep(this.deps.antiforgery, event, options.canResend ? registrationBinding(options.flowId) : undefined, page, { status: options.status ?? 400, cookies: clear });
  }
}
