/**
 * The two-factor section's forms (`/account/two-factor/...`):
 *
 *   GET/POST enrol            a new authenticator app: QR code and key, confirmed by its first
 *                             code; recent authentication required to start. On success the
 *                             session is upgraded (the user just proved both factors) and the
 *                             recovery codes are shown once; `return_to` leads on (the step-up
 *                             of /authorize sends users without a second factor here).
 *   POST     recovery-codes   new recovery codes replacing the old; recent authentication.
 *   GET/POST disable          turns TOTP off: needs a current code or a recovery code, not only
 *                             a recent sign-in (which a mailbox alone can produce).
 *
 * Every change is an audit event and a mail to the user.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Mailer } from '../auth/mailer.js';
import type { TotpFactor } from '../auth/totp-factor.js';
import { secondFactorChangeMail, type SecondFactorChange } from '../auth/totp-notices.js';
import { totpUri } from '../auth/totp.js';
import type { User } from '../auth/user-store.js';
import { BadRequestError } from '../http/errors.js';
import { formBody, method, path, query, sourceIp } from '../http/request.js';
import { html, redirect, withCookies, type HttpResponse } from '../http/response.js';
import { logger } from '../observability/logger.js';
import type { Antiforgery } from '../session/antiforgery.js';
import { safeReturnTo } from '../session/return-to.js';
import type { Sessions } from '../session/sessions.js';
import type { AccountVisit, AccountVisitor } from './account-visitor.js';
import { antiforgeryRejection } from './antiforgery-rejection.js';
import type { FormActionOriginsFor } from './form-action-origins.js';
import { hrefWithReturnTo } from './form-parts.js';
import { tooManyCodesMessage } from './login.js';
import { reauthenticationUrl, type RecentAuthentication } from './recent-authentication.js';
import { auditSecondFactorChange, countSecondFactor } from './second-factor-events.js';
import { sessionWithSecondFactor } from './second-factor-session.js';
import { recoveryCodesPage, totpDisablePage, totpEnrolPage } from './two-factor.js';
import { ACCOUNT_TWO_FACTOR_HREF, TWO_FACTOR_DISABLE_PATH, TWO_FACTOR_ENROL_PATH, TWO_FACTOR_RECOVERY_CODES_PATH } from './two-factor-paths.js';
import { totpEnrolmentBinding, type PendingTotpEnrolment, type TotpEnrolments } from './two-factor-enrolments.js';

export interface TwoFactorEndpointDeps {
  antiforgery: Pick<Antiforgery, 'issue' | 'validate'>;
  /** Who is on the page (a verified session and its user), or the way to sign in first. */
  visitor: Pick<AccountVisitor, 'visit'>;
  /** RECENT_AUTH_S, and a code-only sign-in not counting for an account with a second factor. */
  recent: Pick<RecentAuthentication, 'isRecent'>;
  /** To upgrade the session once the new app's first code proved the second factor. */
  sessions: Pick<Sessions, 'start' | 'revoke'>;
  totp: Pick<TotpFactor, 'activate' | 'verify' | 'regenerateRecoveryCodes' | 'disable' | 'typed'>;
  enrolments: Pick<TotpEnrolments, 'start' | 'pending' | 'finish' | 'clearCookie'>;
  mailer: Mailer;
  /** What authenticator apps show as the account's issuer (the issuer's host). */
  issuerName: string;
  formActionOrigins: FormActionOriginsFor;
}

type SignedIn = Extract<AccountVisit, { ok: true }>;

export class TwoFactorEndpoint {
  constructor(private readonly deps: TwoFactorEndpointDeps) {}

  async handle(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    const route = `${method(event)} ${path(event)}`;
    const here = path(event) === TWO_FACTOR_ENROL_PATH ? hrefWithReturnTo(TWO_FACTOR_ENROL_PATH, safeReturnTo(query(event).return_to)) : ACCOUNT_TWO_FACTOR_HREF;
    const visit = await this.deps.visitor.visit(event, here);
    if (!visit.ok) return visit.response;
    const answer = await this.route(route, event, visit, here);
    return withCookies(answer, visit.cookies);
  }

  private route(route: string, event: APIGatewayProxyEventV2, signedIn: SignedIn, here: string): Promise<HttpResponse> {
    switch (route) {
      case `GET ${TWO_FACTOR_ENROL_PATH}`:
        return this.showEnrol(event, signedIn, here);
      case `POST ${TWO_FACTOR_ENROL_PATH}`:
        return this.confirmEnrol(event, signedIn);
      case `POST ${TWO_FACTOR_RECOVERY_CODES_PATH}`:
        return this.replaceRecoveryCodes(event, signedIn);
      case `GET ${TWO_FACTOR_DISABLE_PATH}`:
        return this.disableForm(event, 200);
      case `POST ${TWO_FACTOR_DISABLE_PATH}`:
        return this.disable(event, signedIn);
      default:
        throw new BadRequestError('This page does not exist.');
    }
  }

  private async showEnrol(event: APIGatewayProxyEventV2, { session, user }: SignedIn, here: string): Promise<HttpResponse> {
    const returnTo = safeReturnTo(query(event).return_to);
    if ((await this.deps.totp.typed(user.id)).totp) return redirect(returnTo ?? ACCOUNT_TWO_FACTOR_HREF);
    const pending = await this.deps.enrolments.pending(event, user.id);
    if (pending !== undefined) return this.enrolForm(event, 200, user, pending, returnTo);
    // A new secret only right after a sign-in: a session left open somewhere must not add an app.
    if (!(await this.deps.recent.isRecent(session))) return redirect(reauthenticationUrl(here, user.email));
    const started = await this.deps.enrolments.start(user.id);
    return this.enrolForm(event, 200, user, started, returnTo, [started.cookie]);
  }

  private async confirmEnrol(event: APIGatewayProxyEventV2, { session, user }: SignedIn): Promise<HttpResponse> {
    const form = formBody(event);
    const returnTo = safeReturnTo(form.get('return_to'));
    const pending = await this.deps.enrolments.pending(event, user.id);
    const check = await this.deps.antiforgery.validate(event, form, { flow: totpEnrolmentBinding(pending) });
    if (!check.ok) return antiforgeryRejection(event, check.reason, hrefWithReturnTo(TWO_FACTOR_ENROL_PATH, returnTo));
    if (pending === undefined) return antiforgeryRejection(event, 'flow_mismatch', hrefWithReturnTo(TWO_FACTOR_ENROL_PATH, returnTo));

    const activation = await this.deps.totp.activate(user.id, pending.secret, form.get('code') ?? '');
    if (!activation.ok && activation.reason === 'invalid') {
      return this.enrolForm(event, 400, user, pending, returnTo, [], 'That code is not right. Check that the app shows this account, and enter its current code.');
    }
    await this.deps.enrolments.finish(pending.enrolmentId, user.id);
    if (!activation.ok) return redirect(returnTo ?? ACCOUNT_TWO_FACTOR_HREF, { status: 303, cookies: [this.deps.enrolments.clearCookie()] });
    await this.changed(user, 'totp-enabled');
    // Both factors were just proved (a recent sign-in, then the new app's code).
    const sessionCookie = await sessionWithSecondFactor(this.deps.sessions, event, session);
    const page = recoveryCodesPage({ codes: activation.recoveryCodes, continueHref: returnTo ?? ACCOUNT_TWO_FACTOR_HREF, enabled: true });
    return html(200, page, { cookies: [sessionCookie, this.deps.enrolments.clearCookie()], headers: { 'Cache-Control': 'no-store' } });
  }

  private async replaceRecoveryCodes(event: APIGatewayProxyEventV2, { session, user }: SignedIn): Promise<HttpResponse> {
    const check = await this.deps.antiforgery.validate(event, formBody(event));
    if (!check.ok) return antiforgeryRejection(event, check.reason, ACCOUNT_TWO_FACTOR_HREF);
    if (!(await this.deps.recent.isRecent(session))) return redirect(reauthenticationUrl(ACCOUNT_TWO_FACTOR_HREF, user.email), { status: 303 });
    const codes = await this.deps.totp.regenerateRecoveryCodes(user.id);
    if (codes === undefined) return redirect(ACCOUNT_TWO_FACTOR_HREF, { status: 303 });
    await this.changed(user, 'recovery-codes-replaced');
    return html(200, recoveryCodesPage({ codes, continueHref: ACCOUNT_TWO_FACTOR_HREF, enabled: false }), { headers: { 'Cache-Control': 'no-store' } });
  }

  private async disable(event: APIGatewayProxyEventV2, { user }: SignedIn): Promise<HttpResponse> {
    const form = formBody(event);
    const check = await this.deps.antiforgery.validate(event, form);
    if (!check.ok) return antiforgeryRejection(event, check.reason, TWO_FACTOR_DISABLE_PATH);
    const result = await this.deps.totp.verify({ userId: user.id, email: user.email, code: form.get('code') ?? '', origin: { ip: sourceIp(event) } });
    countSecondFactor(result);
    if (!result.ok && result.reason === 'throttled') {
      const retryAfterS = Math.max(1, Math.ceil(result.retryAfterS));
      return this.disableForm(event, 429, tooManyCodesMessage(retryAfterS), { 'Retry-After': String(retryAfterS) });
    }
    if (!result.ok) return this.disableForm(event, 400, 'That code is not right, or it was already used.');
    if (result.kind === 'recovery-code') auditSecondFactorChange('mfa.recovery-code-used', user.id);
    if (await this.deps.totp.disable(user.id)) await this.changed(user, 'totp-disabled');
    return redirect(ACCOUNT_TWO_FACTOR_HREF, { status: 303 });
  }

  private async disableForm(event: APIGatewayProxyEventV2, status: number, error?: string, headers: Record<string, string> = {}): Promise<HttpResponse> {
    const af = await this.deps.antiforgery.issue(event);
    return html(status, totpDisablePage({ antiforgeryToken: af.token, ...(error !== undefined ? { error } : {}) }), { cookies: af.cookies, headers });
  }

  private async enrolForm(
    event: APIGatewayProxyEventV2,
    status: number,
    user: User,
    pending: PendingTotpEnrolment,
    returnTo: string | undefined,
    cookies: string[] = [],
    error?: string,
  ): Promise<HttpResponse> {
    const af = await this.deps.antiforgery.issue(event, { flow: totpEnrolmentBinding(pending) });
    const uri = totpUri(pending.secret, this.deps.issuerName, user.email);
    const body = totpEnrolPage({ antiforgeryToken: af.token, returnTo, uri, secret: pending.secret, ...(error !== undefined ? { error } : {}) });
    // The secret is on the page: never cached. The recovery-code page's link may lead to /authorize and on to a client.
    return html(status, body, { cookies: [...af.cookies, ...cookies], headers: { 'Cache-Control': 'no-store' }, formActionOrigins: this.deps.formActionOrigins(returnTo) });
  }

  /** Audit, and a mail to the user; a mail that fails does not undo or hide the change already made. */
  private async changed(user: User, change: Exclude<SecondFactorChange, 'reset-by-operator'>): Promise<void> {
    auditSecondFactorChange(`mfa.${change}` as const, user.id);
    await this.deps.mailer.send(secondFactorChangeMail(user.email, change)).catch((error: unknown) => {
      logger.warn('second-factor change mail failed', { change, error: error instanceof Error ? error.name : typeof error });
    });
  }
}
