/** GET/POST /login: sign-in with email and password. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { KnownDevice } from '../auth/attempt-scopes.js';
import { MAX_EMAIL_LENGTH } from '../auth/email-address.js';
import type { PasswordLogin } from '../auth/password-login.js';
import { formBody, method, query, sourceIp } from '../http/request.js';
import { html, type HttpResponse } from '../http/response.js';
import type { Antiforgery } from '../session/antiforgery.js';
import { deviceAfterSignIn } from '../session/device-cookie.js';
import type { FlowCookie } from '../session/flow-cookie.js';
import { loginUrl, safeReturnTo } from '../session/return-to.js';
import { antiforgeryRejection } from './antiforgery-rejection.js';
import type { FormActionOriginsFor } from './form-action-origins.js';
import { LOGIN_FAILED_MESSAGE, lockedMessage, loginPage } from './login.js';
import { countSignIn } from './page-events.js';
import type { SignInCompletion } from './sign-in-completion.js';

export interface LoginEndpointDeps {
  antiforgery: Pick<Antiforgery, 'issue' | 'validate'>;
  signIn: SignInCompletion;
  passwordLogin: Pick<PasswordLogin, 'login'>;
  /** `__Host-device`: read to count guesses against the device's budget, renewed on sign-in. */
  deviceCookie: Pick<FlowCookie<KnownDevice>, 'read' | 'write'>;
  formActionOrigins: FormActionOriginsFor;
}

export class LoginEndpoint {
  constructor(private readonly deps: LoginEndpointDeps) {}

  handle(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    return method(event) === 'POST' ? this.submit(event) : this.show(event);
  }

  private async show(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    const params = query(event);
    const returnTo = safeReturnTo(params.return_to);
    const af = await this.deps.antiforgery.issue(event);
    const email = params.login_hint?.slice(0, MAX_EMAIL_LENGTH);
    return html(200, loginPage({ antiforgeryToken: af.token, returnTo, email }), { cookies: af.cookies, formActionOrigins: this.deps.formActionOrigins(returnTo) });
  }

  private async submit(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    const form = formBody(event);
    const returnTo = safeReturnTo(form.get('return_to'));
    const check = await this.deps.antiforgery.validate(event, form);
    if (!check.ok) return antiforgeryRejection(event, check.reason, loginUrl(returnTo));

    const email = form.get('email') ?? '';
    const device = await this.deps.deviceCookie.read(event);
    const result = await this.deps.passwordLogin.login(email, form.get('password') ?? '', { ip: sourceIp(event), device });
    countSignIn('password', result);
    if (result.ok) {
      const deviceCookie = await this.deps.deviceCookie.write(deviceAfterSignIn(result.user.email, device));
      const { user, secondFactors } = result;
      return this.deps.signIn.complete({ event, subject: user.id, user, secondFactors, methods: ['pwd'], returnTo, cookies: [deviceCookie] });
    }

    const af = await this.deps.antiforgery.issue(event);
    const formActionOrigins = this.deps.formActionOrigins(returnTo);
    if (result.reason === 'throttled') {
      const retryAfterS = Math.max(1, Math.ceil(result.retryAfterS));
      return html(429, loginPage({ antiforgeryToken: af.token, returnTo, email, error: lockedMessage(retryAfterS) }), {
        cookies: af.cookies,
        headers: { 'Retry-After': String(retryAfterS) },
        formActionOrigins,
      });
    }
    return html(401, loginPage({ antiforgeryToken: af.token, returnTo, email, error: LOGIN_FAILED_MESSAGE }), { cookies: af.cookies, formActionOrigins });
  }
}
