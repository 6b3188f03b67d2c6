/**
 * POST /logout: revokes the session id in the TTL table until the cookie would have expired
 * (a copied cookie stops working everywhere), clears the cookie, and goes home.
 */
import { page } from '../lib/http/handler.js';
import { formBody } from '../lib/http/request.js';
import { redirect } from '../lib/http/response.js';
import { getAntiforgery, getSessions } from '../lib/services.js';
import { antiforgeryRejection } from '../lib/session/antiforgery-rejection.js';

const antiforgery = getAntiforgery();
const sessions = getSessions();

export const handler = page(async (event) => {
  const form = formBody(event);
  const check = await antiforgery.validate(event, form);
  if (!check.ok) return antiforgeryRejection(event, check.reason, '/');

  const current = await sessions.read(event);
  if (current) await sessions.revoke(current.session);
  return redirect('/', { status: 303, cookies: [sessions.clearCookie()] });
});
