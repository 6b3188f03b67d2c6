/**
 * Managing passkeys, all for the signed-in user only, each with the session's antiforgery token:
 *
 *   POST /account/passkeys/options   JSON: registration options (challenge bound to user and session)
 *   POST /account/passkeys/add       form: the new credential (field `credential`) -> 303 /account or return_to
 *   POST /account/passkeys/rename    form: `passkey`, `name`
 *   POST /account/passkeys/remove    form: `passkey` (+ `confirm` for the last one)
 *   GET  /passkeys/offer             "Sign in faster next time" (PasskeyOfferCompletion sends users here)
 *
 * Adding and removing need a recent sign-in (RECENT_AUTH_S). Removing the last passkey of a user
 * without TOTP removes their only second factor: that needs the second factor itself, i.e. a
 * session that proved one (`mfa` in its methods, on a recent sign-in), never a sign-in a
 * mailbox alone could produce.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Mailer } from '../auth/mailer.js';
import { passkeyChangeMail, type PasskeyChange } from '../auth/passkey-notices.js';
import type { PasskeyRegistration } from '../auth/passkey-registration.js';
import { cleanPasskeyName } from '../auth/passkey-names.js';
import type { Passkey, PasskeyStore } from '../auth/passkey-store.js';
import type { TotpEnrolmentLookup } from '../auth/second-factors.js';
import type { User, UserStore } from '../auth/user-store.js';
import type { Clock } from '../clock.js';
import { BadRequestError } from '../http/errors.js';
import { formBody, method, path, query } from '../http/request.js';
import { html, json, redirect, withCookies, type HttpResponse } from '../http/response.js';
import type { Antiforgery } from '../session/antiforgery.js';
import { afterSignIn, loginUrl, safeReturnTo } from '../session/return-to.js';
import type { Session, Sessions } from '../session/sessions.js';
import { logger } from '../observability/logger.js';
import { antiforgeryRejection } from './antiforgery-rejection.js';
import type { FormActionOriginsFor } from './form-action-origins.js';
import { auditPasskeyChange } from './passkey-events.js';
import {
  ADD_PASSKEY_OPTIONS_PATH,
  ADD_PASSKEY_PATH,
  CONFIRM_FIELD,
  CREDENTIAL_FIELD,
  NAME_FIELD,
  PASSKEY_FIELD,
  PASSKEY_OFFER_PATH,
  PASSKEYS_SECTION_ID,
  passkeyOfferPage,
  passkeyProblemPage,
  REMOVE_PASSKEY_PATH,
  RENAME_PASSKEY_PATH,
} from './passkey-pages.js';

export interface PasskeyAccountEndpointDeps {
  antiforgery: Pick<Antiforgery, 'issue' | 'validate'>;
  sessions: Pick<Sessions, 'verify'>;
  users: Pick<UserStore, 'findById'>;
  passkeys: Pick<PasskeyStore, 'listFor' | 'rename' | 'remove'>;
  registration: Pick<PasskeyRegistration, 'options' | 'verify'>;
  /** The TOTP side of lib/auth/second-factors.ts: whether the passkeys are the user's only second factor. */
  totp: TotpEnrolmentLookup;
  /** Every added or removed passkey is mailed to the user. */
  mailer: Mailer;
  recentAuthS: number;
  clock: Clock;
  /** The offer's form ends in a redirect to return_to, which may go on to a client (see LoginEndpoint). */
  formActionOrigins: FormActionOriginsFor;
}

const SECTION = `/account#${PASSKEYS_SECTION_ID}`;

const REGISTRATION_PROBLEMS = {
  malformed: 'The browser sent no passkey.',
  challenge: 'This attempt has expired or was already used. Try again.',
  invalid: 'The passkey could not be checked. Try again.',
  'user-not-verified': 'The passkey was created without your fingerprint, face or screen lock, which we require. Try again with them.',
  taken: 'This passkey is already registered.',
} as const;

export class PasskeyAccountEndpoint {
  constructor(private readonly deps: PasskeyAccountEndpointDeps) {}

  async handle(event: APIGatewayProxyEventV2): Promise<HttpResponse> {
    const route = path(event);
    const current = await this.deps.sessions.verify(event);
    const renewed = current?.renewedCookie !== undefined ? [current.renewedCookie] : [];
    if (route === PASSKEY_OFFER_PATH && method(event) === 'GET') {
      if (!current) return redirect(loginUrl(), { status: 303 });
      return withCookies(await this.offer(event, current.session), renewed);
    }
    const form = formBody(event);
    const isOptions = route === ADD_PASSKEY_OPTIONS_PATH;
    if (!current) return isOptions ? json(401, { error: 'login_required', location: loginUrl(SECTION) }) : redirect(loginUrl(SECTION), { status: 303 });
    const check = await this.deps.antiforgery.validate(event, form);
    if (!check.ok) {
      return isOptions ? json(403, { error: 'invalid_request', error_description: 'This page has expired. Reload it and try again.' }) : antiforgeryRejection(event, check.reason, SECTION);
    }
    const { session } = current;
    if (route !== RENAME_PASSKEY_PATH && !this.isRecent(session)) {
      // Adding or removing a way to sign in asks for a fresh sign-in first (the way back is this section).
      const location = loginUrl(SECTION);
      return isOptions ? json(401, { error: 'login_required', error_description: 'Sign in again to change your passkeys.', location }) : redirect(location, { status: 303 });
    }
    return withCookies(await this.act(route, form, session), renewed);
  }

  private async act(route: string, form: URLSearchParams, session: Session): Promise<HttpResponse> {
    const user = await this.deps.users.findById(session.subject);
    if (!user) return redirect(loginUrl(SECTION), { status: 303 });
    const registrant = { user, sessionId: session.sessionId };
    switch (route) {
      case ADD_PASSKEY_OPTIONS_PATH:
        return json(200, { options: await this.deps.registration.options(registrant) });
      case ADD_PASSKEY_PATH: {
        const result = await this.deps.registration.verify(registrant, form.get(CREDENTIAL_FIELD) ?? '');
        if (!result.ok) return html(400, passkeyProblemPage('The passkey was not added', REGISTRATION_PROBLEMS[result.reason], SECTION));
        await this.changed(user, 'added', result.passkey);
        const returnTo = safeReturnTo(form.get('return_to'));
        return redirect(returnTo === undefined ? SECTION : afterSignIn(returnTo), { status: 303 });
      }
      case RENAME_PASSKEY_PATH: {
        const name = cleanPasskeyName(form.get(NAME_FIELD) ?? '');
        const id = form.get(PASSKEY_FIELD) ?? '';
        const passkey = (await this.deps.passkeys.listFor(user.id)).find((p) => p.id === id);
        if (name !== undefined && passkey && (await this.deps.passkeys.rename(user.id, id, name))) auditPasskeyChange('passkey.renamed', passkey);
        return redirect(SECTION, { status: 303 });
      }
      case REMOVE_PASSKEY_PATH:
        return this.remove(user, form, session);
      default:
        // Only the paths above are routed to this function.
        throw new BadRequestError('no such passkey form');
    }
  }

  private async remove(user: User, form: URLSearchParams, session: Session): Promise<HttpResponse> {
    const userId = user.id;
    const passkeys = await this.deps.passkeys.listFor(userId);
    const passkey = passkeys.find((p) => p.id === form.get(PASSKEY_FIELD));
    if (!passkey) return redirect(SECTION, { status: 303 });
    if (passkeys.length === 1) {
      if (form.get(CONFIRM_FIELD) !== 'yes') {
        return html(400, passkeyProblemPage('Confirm removing your last passkey', 'Tick the box that says you understand, then remove it again.', SECTION));
      }
      if (!session.methods.includes('mfa') && !(await this.deps.totp.isActive(userId))) {
        return html(
          403,
          passkeyProblemPage(
            'Sign in with your passkey first',
            'This passkey is your only second factor. To remove it, sign in with it again (or with your second step), then remove it.',
            loginUrl(SECTION),
          ),
        );
      }
    }
    if (await this.deps.passkeys.remove(userId, passkey.id)) await this.changed(user, 'removed', passkey);
    return redirect(SECTION, { status: 303 });
  }

  private async offer(event: APIGatewayProxyEventV2, session: Session): Promise<HttpResponse> {
    const returnTo = safeReturnTo(query(event).return_to);
    // Made one already (another tab, the back button): nothing to offer.
    if ((await this.deps.passkeys.listFor(session.subject)).length > 0) return redirect(afterSignIn(returnTo), { status: 303 });
    const af = await this.deps.antiforgery.issue(event);
    return html(200, passkeyOfferPage({ antiforgeryToken: af.token, returnTo }), { cookies: af.cookies, formActionOrigins: this.deps.formActionOrigins(returnTo) });
  }

  /** Audit, and a mail to the user; a mail that fails does not undo or hide the change already made. */
  private async changed(user: User, change: PasskeyChange, passkey: Passkey): Promise<void> {
    auditPasskeyChange(`passkey.${change}`, passkey);
    await this.deps.mailer.send(passkeyChangeMail(user.email, change, passkey.name)).catch((error: unknown) => {
      logger.warn('passkey change mail failed', { change, error: error instanceof Error ? error.name : typeof error });
    });
  }

  private isRecent(session: Session): boolean {
    return Math.floor(this.deps.clock() / 1000) - session.authTime <= this.deps.recentAuthS;
  }
}
