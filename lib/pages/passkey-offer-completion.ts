/**
 * "Sign in faster next time": after a sign-in that used a password (including registration),
 * a user without a passkey goes through the offer page (/passkeys/offer) on the way to where they
 * were heading. Last in the chain (after the second factor and the session), so the offer is
 * made to a signed-in user and changes nothing about how they signed in.
 *
 * Only where the browser said it can make a passkey (the script sets `passkey_capable` in the
 * password form): a browser without a platform authenticator, or without script, goes straight
 * on as before, and one passkey listing (a Query) is spent only when the offer could be made and
 * the sign-in did not read the passkeys with the user already.
 */
import type { PasskeyStore } from '../auth/passkey-store.js';
import { formBody } from '../http/request.js';
import type { HttpResponse } from '../http/response.js';
import { afterSignIn } from '../session/return-to.js';
import { PASSKEY_CAPABLE_FIELD, PASSKEY_OFFER_PATH } from './passkey-pages.js';
import { hrefWithReturnTo } from './form-parts.js';
import type { FirstFactor, SignInCompletion } from './sign-in-completion.js';

export class PasskeyOfferCompletion implements SignInCompletion {
  constructor(private readonly deps: { next: SignInCompletion; passkeys: Pick<PasskeyStore, 'listFor'> }) {}

  async complete(factor: FirstFactor): Promise<HttpResponse> {
    if (!(await this.shouldOffer(factor))) return this.deps.next.complete(factor);
    return this.deps.next.complete({ ...factor, returnTo: hrefWithReturnTo(PASSKEY_OFFER_PATH, afterSignIn(factor.returnTo)) });
  }

  private async shouldOffer({ event, methods, subject, secondFactors }: FirstFactor): Promise<boolean> {
    if (!methods.includes('pwd') || event.requestContext.http.method !== 'POST') return false;
    if (formBody(event).get(PASSKEY_CAPABLE_FIELD) !== 'yes') return false;
    // Read with the user at sign-in when the endpoint could; otherwise one Query now.
    return (secondFactors?.passkeys ?? (await this.deps.passkeys.listFor(subject)).length) === 0;
  }
}
