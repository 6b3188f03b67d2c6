/**
 * GET/POST /login/code: sign-in with a code sent by email. The hidden `step` field says which
 * form was sent (`email`, `code`, `resend`); the address rides in the protected `__Host-otp`
 * cookie, and the code forms are bound to that cookie's flow.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { KnownDevice } from '../auth/attempt-scopes.js';
import type { CodeSignIn } from '../auth/code-sign-in.js';
import { MAX_EMAIL_LENGTH } from '../auth/email-address.js';
import { method, sourceIp } from '../http/request.js';
import type { HttpResponse } from '../http/response.js';
import type { Antiforgery } from '../session/antiforgery.js';
import { deviceAfterSignIn } from '../session/device-cookie.js';
import type { FlowCookie } from '../session/flow-cookie.js';
import { loginCodeBinding, newLoginCodeFlow, type LoginCodeCookie } from '../session/flow-cookies.js';
import { AddressCodeFlow } from './address-code-flow.js';
import type { SignInCompletion } from './sign-in-completion.js';
import type { FormActionOriginsFor } from './form-action-origins.js';
import { hrefWithReturnTo } from './form-parts.js';
import { renderFormStep } from './form-step.js';
import { LOGIN_CODE_PATH, loginCodeEmailPage, loginCodeEntryPage, loginCodeRestartPage } from './login-code.js';
import { countSignIn } from './page-events.js';

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
  private readonly flow: AddressCodeFlow<LoginCodeCookie>;

  constructor(private readonly deps: LoginCodeEndpointDeps) {
    this.flow = new AddressCodeFlow({
      antiforgery: deps.antiforgery,
      pages: { email: loginCodeEmailPage, code: loginCodeEntryPage },
      binding: loginCodeBinding,
      kind: 'sign-in',
      startAgainHref: (returnTo) => hrefWithReturnTo(LOGIN_CODE_PATH, returnTo, { restart: '1' }),
      // A right code signs in at once, so the code form's POST may end at a client's redirect URI.
      codeFormActionOrigins: deps.formActionOrigins,
      flowCookie: deps.flowCookie,
      newFlow: newLoginCodeFlow,
      start: (email, source) => deps.codeSignIn.start(email, source),
      renewCookieOnResend: true,
    });
  }

  handle(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    if (method(event) !== 'POST') {
      return this.flow.show(event, (flow, returnTo) => this.flow.codeStep(event, flow, returnTo, { status: 200 }), (params) => params.login_hint?.slice(0, MAX_EMAIL_LENGTH));
    }
    return this.flow.submit(event, { code: (flow, form, returnTo) => this.verify(event, flow, returnTo, form.get('code') ?? '') });
  }

  private async verify(event: APIGatewayProxyEventV2, flow: LoginCodeCookie, returnTo: string | undefined, code: string): Promise<HttpResponse> {
    const device = await this.deps.deviceCookie.read(event);
    const result = await this.deps.codeSignIn.verify(flow.email, code, { ip: sourceIp(event), device });
    countSignIn('code', result);
    if (result.ok) {
      const deviceCookie = await this.deps.deviceCookie.write(deviceAfterSignIn(result.user.email, device));
      return this.deps.signIn.complete({ event, subject: result.user.id, user: result.user, methods: ['otp'], returnTo, cookies: [deviceCookie, this.deps.flowCookie.clear()] });
    }
    return this.flow.refusedCode(event, flow, returnTo, result) ?? this.codeGone(event, flow, returnTo);
  }

  private codeGone(event: APIGatewayProxyEventV2, flow: LoginCodeCookie, returnTo: string | undefined): Promise<HttpResponse> {
    const page = (antiforgeryToken: string) => loginCodeRestartPage({ antiforgeryToken, returnTo, message: 'This code has expired or has already been used. Request a new one.' });
    return renderFormStep(this.deps.antiforgery, event, loginCodeBinding(flow), page, { status: 400 });
  }
}
