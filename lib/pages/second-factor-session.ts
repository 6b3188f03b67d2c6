/**
 * A signed-in user proved a second factor (a step-up at /authorize, or confirming a new TOTP
 * app): the session is replaced by one that says so. A new session id, as after any change of
 * privilege (session fixation), and the old one revoked; the authentication time stays that of
 * the first factor, so `auth_time` and `max_age` never claim a fresher password than there was.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { header } from '../http/request.js';
import type { Session, Sessions } from '../session/sessions.js';

/** The `Set-Cookie` of the upgraded session. */
export async function sessionWithSecondFactor(sessions: Pick<Sessions, 'start' | 'revoke'>, event: APIGatewayProxyEventV2, session: Session): Promise<string> {
  const userAgent = header(event, 'user-agent');
  const { cookie } = await sessions.start({
    subject: session.subject,
    methods: [...session.methods, 'otp', 'mfa'],
    authTime: session.authTime,
    ...(userAgent !== undefined ? { userAgent } : {}),
  });
  await sessions.revoke(session);
  return cookie;
}
