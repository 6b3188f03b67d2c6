/**
 * Signing in with a passkey on /login:
 *
 *   POST /passkeys/sign-in/options   JSON: a fresh challenge (usernameless), for the autofill and the button
 *   POST /passkeys/sign-in           form: the assertion (field `credential`), then the sign-in completion
 *
 * Both need the login page's antiforgery token. The assertion arrives as a form post rather than
 * a fetch so that whatever the completion answers (a redirect to return_to or to a client, the
 * second step, the passkey offer) is followed by the browser like any sign-in.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { PasskeyAuthentication } from '../auth/passkey-authentication.js';
import type { Passkey } from '../auth/passkey-store.js';
import type { UserStore } from '../auth/user-store.js';
import { formBody, path } from '../http/request.js';
import { html, json, type HttpResponse } from '../http/response.js';
import type { Antiforgery } from '../session/antiforgery.js';
import { loginUrl, safeReturnTo } from '../session/return-to.js';
import type { AuthMethod } from '../session/sessions.js';
import { antiforgeryRejection } from './antiforgery-rejection.js';
import type { FormActionOriginsFor } from './form-action-origins.js';
import { loginPage } from './login.js';
import { auditCounterRegression, countPasskeySignIn } from './passkey-events.js';
import { CREDENTIAL_FIELD, PASSKEY_SIGN_IN_OPTIONS_PATH } from './passkey-pages.js';
import type { SignInCompletion } from './sign-in-completion.js';

export const PASSKEY_SIGN_IN_FAILED_MESSAGE = 'That passkey could not sign you in. Try again, or sign in with your email address.';

export interface PasskeySignInEndpointDeps {
  antiforgery: Pick<Antiforgery, 'issue' | 'validate'>;
  authentication: Pick<PasskeyAuthentication, 'options' | 'verify'>;
  users: Pick<UserStore, 'findById'>;
  signIn: SignInCompletion;
  formActionOrigins: FormActionOriginsFor;
}

/**
 * RFC 8176 for a passkey: `swk` when it is synced (backup eligible: the key leaves the device),
 * `hwk` when bound to one authenticator; with user verification also `user` and `mfa`
 * (possession plus a biometric or PIN), which the second-factor gate accepts as both factors.
 */
export function passkeyMethods(passkey: Pick<Passkey, 'backupEligible'>, userVerified: boolean): AuthMethod[] {
  return [passkey.backupEligible ? 'swk' : 'hwk', ...(userVerified ? (['user', 'mfa'] as const) : [])];
}

export class PasskeySignInEndpoint {
  constructor(private readonly deps: PasskeySignInEndpointDeps) {}

  async handle(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    const form = formBody(event);
    const returnTo = safeReturnTo(form.get('return_to'));
    const check = await this.deps.antiforgery.validate(event, form);
    if (path(event) === PASSKEY_SIGN_IN_OPTIONS_PATH) {
      if (!check.ok) return json(403, { error: 'invalid_request', error_description: 'This page has expired. Reload it and try again.' });
      return json(200, { options: await this.deps.authentication.options() });
    }
    if (!check.ok) return antiforgeryRejection(event, check.reason, loginUrl(returnTo));

    const result = await this.deps.authentication.verify(form.get(CREDENTIAL_FIELD) ?? '');
    if (!result.ok && result.reason === 'counter-regressed') auditCounterRegression(result.passkey, result.reportedCounter);
    // A passkey whose user is gone (deleted account) signs nobody in.
    const user = result.ok ? await this.deps.users.findById(result.passkey.userId) : undefined;
    countPasskeySignIn(user !== undefined);
    if (result.ok && user !== undefined) {
      return this.deps.signIn.complete({ event, subject: user.id, user, methods: passkeyMethods(result.passkey, result.userVerified), returnTo });
    }
    const af = await this.deps.antiforgery.issue(event);
    return html(401, loginPage({ antiforgeryToken: af.token, returnTo, error: PASSKEY_SIGN_IN_FAILED_MESSAGE }), {
      cookies: af.cookies,
      formActionOrigins: this.deps.formActionOrigins(returnTo),
    });
  }
}
