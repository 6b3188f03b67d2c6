/**
 * `/account` is assembled from sections, so each feature (profile, password, sessions, apps,
 * passkeys, two-factor, delete) adds its own without touching the others. A section renders a
 * fragment of the page; its forms post to its own path (`/account/<id>/...`), served by its own
 * endpoint class, and come back to `/account` (303) when done.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { User } from '../auth/user-store.js';
import type { SafeHtml } from '../http/html.js';
import type { Session } from '../session/sessions.js';

export interface AccountSectionContext {
  event: APIGatewayProxyEventV2;
  user: User;
  session: Session;
  /** The page's antiforgery token, bound to the session: every form carries it. */
  antiforgeryToken: string;
  nowS: number;
}

export interface AccountSection {
  /** Also the fragment id (`/account#<id>`) and the first segment of the section's form paths. */
  readonly id: string;
  readonly title: string;
  render(context: AccountSectionContext): Promise<SafeHtml>;
}
