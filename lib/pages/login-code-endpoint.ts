/**
 * GET/POST /login/code: sign-in with a code sent by email. The hidden `step` field says which
 * form was sent (`email`, `code`, `resend`); the address rides in the protected `__Host-otp`
 * cookie, and the code forms are bound to that cookie's flow.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { KnownDevice } from '../auth/attempt-scopes.js';
import type { CodeSignIn, CodeSignInStart } from '../auth/code-sign-in.js';
import { MAX_EMAIL_LENGTH } from '../auth/email-address.js';
import { BadRequestError } from '../http/errors.js';
import { formBody, method, query, sourceIp } from '../http/request.js';
import { html, type HttpResponse } from '../http/response.js';
import type { Antiforgery } from '../session/antiforgery.js';
import { deviceAfterSignIn } from '../session/device-cookie.js';
import type { FlowCookie } from '../session/flow-cookie.js';
import { loginCodeBinding, newLoginCodeFlow, type LoginCodeCookie } from '../session/flow-cookies.js';
import { safeReturnTo } from '../session/return-to.js';
import { antiforgeryRejection } from './antiforgery-rejection.js';
import type { SignInCompletion } from './sign-in-completion.js';
import type { FormActionOriginsFor } from './form-action-origins.js';
import { hrefWithReturnTo } from './form-parts.js';
import { LOGIN_CODE_PATH, loginCodeEmailPage, loginCodeEntryPage, loginCodeRestartPage } from './login-code.js';
import { tooManyCodesMessage, waitText } from './login.js';
import { mailLimitRefusal } from './mail-limit.js';
import { countCodeSent, countSignIn } from './page-events.js';

export interface LoginCodeEndpointDeps {
  antiforgery: Pick<Antiforgery, 'issue' | 'validate'>;
  signIn: SignInCompletion;
  codeSignIn: Pick<CodeSignIn, 'start' | 'verify'>;
  flowCookie: Pick<FlowCookie<LoginCodeCookie>, 'read' | 'write' | 'clear'>;
  /** `__Host-device`: read to count guesses against the device's budget, renewed on sign-in. */
  deviceCookie: Pick<FlowCookie<KnownDevice>, 'read' | 'write'>;
  formActionOrigins: FormActionOriginsFor;
}

export class LoginCodeEndpoint {
  constructor(private readonly deps: LoginCodeEndpointDeps) {}

  handle(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    return method(event) === 'POST' ? this.submit(event) : this.show(event);
  }

  private async show(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    const params = query(event);
    const returnTo = safeReturnTo(params.return_to);
    const flow = params.restart === '1' ? undefined : await this.deps.flowCookie.read(event);
    if (flow) return this.codeEntry(event, 200, flow, returnTo, {});
    const af = await this.deps.antiforgery.issue(event);
    const clear = params.restart === '1' ? [this.deps.flowCookie.clear()] : [];
    const email = params.login_hint?.slice(0, MAX_EMAIL_LENGTH);
    return html(200, loginCodeEmailPage({ antiforgeryToken: af.token, returnTo, email }), { cookies: [...af.cookies, ...clear] });
  }

  private async submit(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    const { antiforgery, codeSignIn, flowCookie } = this.deps;
    const form = formBody(event);
    const returnTo = safeReturnTo(form.get('return_to'));
    const step = form.get('step');
    const startAgain = hrefWithReturnTo(LOGIN_CODE_PATH, returnTo, { restart: '1' });

    if (step === 'email') {
      const check = await antiforgery.validate(event, form);
      if (!check.ok) return antiforgeryRejection(event, check.reason, startAgain);
      const email = form.get('email') ?? '';
      const started = await codeSignIn.start(email, sourceIp(event));
      countCodeSent('sign-in', started);
      if (!started.ok && started.reason === 'invalid_email') {
        return this.emailStep(event, 400, returnTo, email, 'Enter a valid email address, like name@example.com.');
      }
      if (!started.ok && started.reason === 'source_limit') {
        // No mail, so no flow: the address step again, with the wait.
        const refusal = mailLimitRefusal(started.retryAfterS);
        return this.emailStep(event, refusal.status, returnTo, email, refusal.message, refusal.headers);
      }
      const flow = newLoginCodeFlow(started.email);
      return this.codeEntry(event, 200, flow, returnTo, { notice: throttledNotice(started) }, [await flowCookie.write(flow)]);
    }

    if (step !== 'code' && step !== 'resend') throw new BadRequestError('The form could not be understood. Please start again.');
    const flow = await flowCookie.read(event);
    const check = await antiforgery.validate(event, form, { flow: loginCodeBinding(flow) });
    if (!check.ok) return antiforgeryRejection(event, check.reason, startAgain);
    // The form token was bound to this flow, so a valid check implies the cookie is there.
    if (!flow) return antiforgeryRejection(event, 'flow_mismatch', startAgain);

    if (step === 'resend') {
      const started = await codeSignIn.start(flow.email, sourceIp(event));
      countCodeSent('sign-in', started);
      if (!started.ok && started.reason === 'source_limit') {
        const refusal = mailLimitRefusal(started.retryAfterS);
        return this.codeEntry(event, refusal.status, flow, returnTo, { error: refusal.message }, [], refusal.headers);
      }
      const notice = throttledNotice(started) ?? 'We have sent a new code. The last few codes we sent also work.';
      return this.codeEntry(event, 200, flow, returnTo, { notice }, [await flowCookie.write(flow)]);
    }

    const device = await this.deps.deviceCookie.read(event);
    const result = await codeSignIn.verify(flow.email, form.get('code') ?? '', { ip: sourceIp(event), device });
    countSignIn('code', result);
    if (result.ok) {
      const deviceCookie = await this.deps.deviceCookie.write(deviceAfterSignIn(result.user.email, device));
      return this.deps.signIn.complete({ event, subject: result.user.id, methods: ['otp'], returnTo, cookies: [deviceCookie, flowCookie.clear()] });
    }
    if (result.reason === 'invalid') {
      return this.codeEntry(event, 400, flow, returnTo, { error: 'That code is not right. Check the email and try again.' });
    }
    if (result.reason === 'throttled') {
      // The codes still work after the wait: keep the form, say how long.
      const retryAfterS = Math.max(1, Math.ceil(result.retryAfterS));
      return this.codeEntry(event, 429, flow, returnTo, { error: tooManyCodesMessage(retryAfterS) }, [], { 'Retry-After': String(retryAfterS) });
    }
    const message = 'This code has expired or has already been used. Request a new one.';
    const af = await antiforgery.issue(event, { flow: loginCodeBinding(flow) });
    return html(400, loginCodeRestartPage({ antiforgeryToken: af.token, returnTo, message }), { cookies: af.cookies });
  }

  private async emailStep(
    event: APIGatewayProxyEventV2,
    status: number,
    returnTo: string | undefined,
    email: string,
    error: string,
    headers: Record<string, string> = {},
  ): Promise<HttpResponse> {
    const af = await this.deps.antiforgery.issue(event);
    return html(status, loginCodeEmailPage({ antiforgeryToken: af.token, returnTo, email, error }), { cookies: af.cookies, headers });
  }

  private async codeEntry(
    event: APIGatewayProxyEventV2,
    status: number,
    flow: LoginCodeCookie,
    returnTo: string | undefined,
    messages: { error?: string; notice?: string },
    extraCookies: string[] = [],
    headers: Record<string, string> = {},
  ): Promise<HttpResponse> {
    const af = await this.deps.antiforgery.issue(event, { flow: loginCodeBinding(flow) });
    const body = loginCodeEntryPage({ antiforgeryToken: af.token, returnTo, email: flow.email, ...messages });
    // The code form's POST may end at a client's redirect URI.
    return html(status, body, { cookies: [...af.cookies, ...extraCookies], headers, formActionOrigins: this.deps.formActionOrigins(returnTo) });
  }
}

/** The same words whether or not the address has an account: throttles apply to every address alike. */
export function throttledNotice(started: CodeSignInStart): string | undefined {
  if (started.ok || started.reason === 'invalid_email') return undefined;
  if (started.reason === 'resend_too_soon') {
    return `A code was sent a moment ago, so we did not send another. You can request a new one in ${waitText(started.retryAfterS)}.`;
  }
  return `Too many codes were requested for this address. You can request a new one in ${waitText(started.retryAfterS)}.`;
}
