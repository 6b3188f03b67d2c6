/** GET /: who is signed in (a verified, unrevoked session) and a sign-out button, or the ways in. */
import { page } from '../lib/http/handler.js';
import { cookies } from '../lib/http/request.js';
import { html } from '../lib/http/response.js';
import { homePage } from '../lib/pages/home.js';
import { getAntiforgery, getSessions, getUserDirectory } from '../lib/runtime/services.js';
import { SESSION_COOKIE } from '../lib/session/sessions.js';

const antiforgery = getAntiforgery();
const sessions = getSessions();
const users = getUserDirectory();

export const handler = page(async (event) => {
  const current = await sessions.verify(event);
  const user = current && (await users.findById(current.session.subject));
  if (current && user) {
    const af = await antiforgery.issue(event, { sessionId: current.session.sessionId });
    const setCookies = [...af.cookies, ...(current.renewedCookie ? [current.renewedCookie] : [])];
    return html(200, homePage({ signedIn: { email: user.email, name: user.name, antiforgeryToken: af.token } }), { cookies: setCookies });
  }
  // A cookie that no longer signs anyone in (expired, revoked, deleted user) is dropped.
  const stale = cookies(event).has(SESSION_COOKIE) ? [sessions.clearCookie()] : [];
  return html(200, homePage({}), { cookies: stale });
});
