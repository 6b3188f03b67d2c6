/**
 * "Apps with access" on /account (lib/pages/account-section.ts): every client that holds a
 * refresh-token family of the user (offline access) or a remembered consent, with "remove
 * access", which revokes the client's grants and forgets the consent, so the app can neither
 * refresh nor sign the user in again without asking. Cost: one Query of the user's grants, one
 * of the consents, and one read per client shown (its name).
 */
import { html, type SafeHtml } from '../http/html.js';
import type { AccountSection, AccountSectionContext } from './account-section.js';
import { hiddenFields } from './form-parts.js';
import { approximateTime } from './account-sessions.js';

export const APPS_SECTION_ID = 'apps';
export const REMOVE_APP_PATH = '/account/apps/remove';
export const CLIENT_FIELD = 'client';

/** What the section reads: lib/oidc's GrantStore, ConsentStore and client store (this folder cannot import them). */
export interface AppAccessReads {
  grants: { familiesOf(subject: string): Promise<{ clientId: string; scopes: string[]; familyExpiresAtS?: number }[]> };
  consents: { listFor(userId: string): Promise<{ clientId: string; scopes: string[] }[]> };
  clients: { find(clientId: string): Promise<{ name?: string } | undefined> };
}

export interface AppAccess {
  clientId: string;
  name: string;
  /** Epoch seconds: the end of its longest refresh-token family, when it has offline access. */
  offlineUntilS?: number;
  scopes: string[];
}

export class AppsSection implements AccountSection {
  readonly id = APPS_SECTION_ID;
  readonly title = 'Apps with access';

  constructor(private readonly reads: AppAccessReads) {}

  async render({ user, antiforgeryToken }: AccountSectionContext): Promise<SafeHtml> {
    const apps = await appsWithAccess(this.reads, user.id);
    if (apps.length === 0) return html`<p>No app has access to your account.</p>`;
    return html`<ul class="apps">
${apps.map(
  (app) => html`<li>${app.name}: ${app.scopes.length > 0 ? `may read ${app.scopes.join(', ')}` : 'signs you in'}${
    app.offlineUntilS !== undefined && html`, with offline access until ${approximateTime(app.offlineUntilS * 1000)}`
  }
<form method="post" action="${REMOVE_APP_PATH}" class="inline">
${hiddenFields({ antiforgeryToken }, { [CLIENT_FIELD]: app.clientId })}
<button type="submit" class="secondary" aria-label="${`Remove access of ${app.name}`}">Remove access</button>
</form></li>`,
)}
</ul>`;
  }
}

/** Every client with a live refresh-token family or a consent of the user, by name. */
export async function appsWithAccess(reads: AppAccessReads, userId: string): Promise<AppAccess[]> {
  const [families, consents] = await Promise.all([reads.grants.familiesOf(userId), reads.consents.listFor(userId)]);
  const clientIds = [...new Set([...families.map((f) => f.clientId), ...consents.map((c) => c.clientId)])].sort();
  return Promise.all(
    clientIds.map(async (clientId) => {
      const mine = families.filter((f) => f.clientId === clientId);
      const consent = consents.find((c) => c.clientId === clientId);
      const until = Math.max(...mine.map((f) => f.familyExpiresAtS ?? 0));
      const scopes = [...new Set([...(consent?.scopes ?? []), ...mine.flatMap((f) => f.scopes)])].filter((s) => s !== 'openid').sort();
      const name = (await reads.clients.find(clientId))?.name ?? clientId;
      return { clientId, name, scopes, ...(until > 0 ? { offlineUntilS: until } : {}) };
    }),
  );
}
