/** GET/POST /login: sign-in with email and password. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { MAX_EMAIL_LENGTH } from '../lib/auth/email-address.js';
import { page } from '../lib/http/handler.js';
import { formActionOriginsForReturnTo } from '../lib/oidc/return-to-form-action.js';
import { formBody, method, query, sourceIp } from '../lib/http/request.js';
import { html, redirect } from '../lib/http/response.js';
import { LOGIN_FAILED_MESSAGE, lockedMessage, loginPage } from '../lib/pages/login.js';
import { getAntiforgery, getPasswordLogin, getSessions } from '../lib/runtime/services.js';
import { antiforgeryRejection } from '../lib/pages/antiforgery-rejection.js';
import { afterSignIn, loginUrl, safeReturnTo } from '../lib/session/return-to.js';

const antiforgery = getAntiforgery();
const sessions = getSessions();
const passwordLogin = getPasswordLogin();

export const handler = page(async (event) => (method(event) === 'POST' ? submit(event) : show(event)));

async function show(event: APIGatewayProxyEventV2) {
  const params = query(event);
  const returnTo = safeReturnTo(params.return_to);
  const af = await antiforgery.issue(event);
  const email = params.login_hint?.slice(0, MAX_EMAIL_LENGTH);
  return html(200, loginPage({ antiforgeryToken: af.token, returnTo, email }), { cookies: af.cookies, ...formActions(returnTo) });
}

async function submit(event: APIGatewayProxyEventV2) {
  const form = formBody(event);
  const returnTo = safeReturnTo(form.get('return_to'));
  const check = await antiforgery.validate(event, form);
  if (!check.ok) return antiforgeryRejection(event, check.reason, loginUrl(returnTo));

  const email = form.get('email') ?? '';
  const result = await passwordLogin.login(email, form.get('password') ?? '', sourceIp(event));
  if (result.ok) {
    const { cookie } = await sessions.start({ subject: result.user.id, methods: ['pwd'] });
    return redirect(afterSignIn(returnTo), { status: 303, cookies: [cookie] });
  }

  const af = await antiforgery.issue(event);
  if (result.reason === 'locked') {
    const retryAfterS = Math.max(1, Math.ceil(result.retryAfterS ?? 60));
    return html(429, loginPage({ antiforgeryToken: af.token, returnTo, email, error: lockedMessage(retryAfterS) }), {
      cookies: af.cookies,
      headers: { 'Retry-After': String(retryAfterS) },
      ...formActions(returnTo),
    });
  }
  return html(401, loginPage({ antiforgeryToken: af.token, returnTo, email, error: LOGIN_FAILED_MESSAGE }), { cookies: af.cookies, ...formActions(returnTo) });
}

/**
 * Chromium applies CSP `form-action` to the redirects that follow a POST, so a sign-in that
 * returns to /authorize, which redirects to the client, must allow the client's origin.
 */
function formActions(returnTo: string | undefined) {
  return { formActionOrigins: formActionOriginsForReturnTo(returnTo) };
}
