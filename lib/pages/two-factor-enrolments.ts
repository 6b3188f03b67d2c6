/**
 * A TOTP enrolment between showing the QR code and the first code that confirms it: the new
 * secret must survive the round trip (on any instance) without the browser holding it.
 *
 *   cookie `__Host-totp-enrol`       protected (purpose `totp-enrolment`), time-limited:
 *                                    { enrolmentId, userId }
 *   TTL item `totp-enrolment#<id>`   { userId, protectedSecret } (the secret under purpose `totp`)
 *
 * Nothing is active until the confirming code: TotpFactor.activate stores the secret then.
 */
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { TotpFactor } from '../auth/totp-factor.js';
import { newTotpSecret } from '../auth/totp.js';
import type { FlowCookie } from '../session/flow-cookie.js';
import type { TtlStore } from '../ttl-store.js';

/** Time to install an app and scan the code; a new visit starts a new enrolment. */
export const TOTP_ENROLMENT_LIFETIME_S = 15 * 60;

export interface TotpEnrolmentCookie {
  enrolmentId: string;
  userId: string;
}

/** For the composition root: `new FlowCookie({ ...TOTP_ENROLMENT_COOKIE_SHAPE, protector, clock })`. */
export const TOTP_ENROLMENT_COOKIE_SHAPE = {
  name: '__Host-totp-enrol',
  purpose: 'totp-enrolment',
  lifetimeS: TOTP_ENROLMENT_LIFETIME_S,
  isValue: (value: unknown): value is TotpEnrolmentCookie => {
    const v = value as Partial<TotpEnrolmentCookie> | null;
    return typeof v === 'object' && v !== null && typeof v.enrolmentId === 'string' && typeof v.userId === 'string';
  },
};

export interface PendingTotpEnrolment {
  enrolmentId: string;
  secret: string;
}

interface PendingFields extends Record<string, unknown> {
  userId: string;
  protectedSecret: string;
}

export class TotpEnrolments {
  constructor(
    private readonly deps: {
      cookie: Pick<FlowCookie<TotpEnrolmentCookie>, 'read' | 'write' | 'clear'>;
      store: Pick<TtlStore, 'put' | 'get' | 'consume'>;
      totp: Pick<TotpFactor, 'protectSecret' | 'unprotectSecret'>;
    },
  ) {}

  /** A new secret for `userId`, kept pending; `cookie` carries the enrolment to the confirming POST. */
  async start(userId: string): Promise<PendingTotpEnrolment & { cookie: string }> {
    const enrolmentId = randomBytes(16).toString('base64url');
    const secret = newTotpSecret();
    const fields: PendingFields = { userId, protectedSecret: await this.deps.totp.protectSecret(userId, secret) };
    await this.deps.store.put(enrolmentKey(enrolmentId), fields, TOTP_ENROLMENT_LIFETIME_S);
    return { enrolmentId, secret, cookie: await this.deps.cookie.write({ enrolmentId, userId }) };
  }

  /** The user's pending enrolment the request carries; undefined when the cookie or item is missing, expired, tampered or someone else's. */
  async pending(event: APIGatewayProxyEventV2, userId: string): Promise<PendingTotpEnrolment | undefined> {
    const cookie = await this.deps.cookie.read(event);
    if (cookie === undefined || cookie.userId !== userId) return undefined;
    const item = await this.deps.store.get<PendingFields>(enrolmentKey(cookie.enrolmentId));
    if (item === undefined || item.userId !== userId) return undefined;
    const secret = await this.deps.totp.unprotectSecret(userId, item.protectedSecret);
    return secret === undefined ? undefined : { enrolmentId: cookie.enrolmentId, secret };
  }

  /** Drops the pending state once the secret is active (or activation lost to another tab). */
  async finish(enrolmentId: string, userId: string): Promise<void> {
    await this.deps.store.consume(enrolmentKey(enrolmentId), { userId });
  }

  clearCookie(): string {
    return this.deps.cookie.clear();
  }
}

/** Antiforgery binding of the confirming form: a form rendered for one enrolment is refused with another. */
export function totpEnrolmentBinding(enrolment: Pick<PendingTotpEnrolment, 'enrolmentId'> | undefined): string | undefined {
  return enrolment === undefined ? undefined : `totp-enrol:${enrolment.enrolmentId}`;
}

function enrolmentKey(enrolmentId: string): string {
  return `totp-enrolment#${enrolmentId}`;
}
