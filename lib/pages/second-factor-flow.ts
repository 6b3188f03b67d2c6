/**
 * The state between a first factor and the second step of sign-in (`/login/second-factor`):
 * which user proved what, and where they were heading. No session exists yet, so nothing here
 * signs anyone in; it only lets the second step finish the sign-in the first one started.
 *
 *   cookie `__Host-2fa`            protected (purpose `second-factor-flow`), time-limited:
 *                                  { flowId, userId }
 *   TTL item `second-factor#<id>`  { userId, methods, returnTo, sessionId? }, as long as the cookie
 *
 * A flow with a `sessionId` is a step-up (lib/oidc/step-up.ts): the user is signed in and the
 * second step upgrades that session rather than starting one.
 *
 * The cookie alone cannot be replayed after the sign-in it belonged to: `finish` consumes the
 * item (a conditional delete), so of two submissions of one flow exactly one signs in. The
 * item alone cannot be reached without the cookie naming it for its user. The methods and the
 * destination live server-side: the browser cannot add `mfa` or change where the flow ends.
 */
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { AuthMethod } from '../session/sessions.js';
import type { FlowCookie } from '../session/flow-cookie.js';
import { safeReturnTo } from '../session/return-to.js';
import type { TtlStore } from '../ttl-store.js';
import type { FirstFactor } from './sign-in-completion.js';

export const SECOND_FACTOR_COOKIE = '__Host-2fa';
/** Long enough to find the phone and open the app; short, since the password is already proved. */
export const SECOND_FACTOR_FLOW_LIFETIME_S = 10 * 60;

export interface SecondFactorFlowCookie {
  flowId: string;
  userId: string;
}

/** A first factor waiting for its second step. */
export interface PendingSecondFactor {
  flowId: string;
  userId: string;
  /** What the first factor proved (never `mfa`: those sign-ins do not wait here). */
  methods: AuthMethod[];
  returnTo?: string;
  /** The session a step-up upgrades. */
  sessionId?: string;
}

interface PendingFields extends Record<string, unknown> {
  userId: string;
  methods: AuthMethod[];
  returnTo?: string;
  sessionId?: string;
}

/**
 * What the flow cookie is, for the composition root to build it over the application's
 * protector: `new FlowCookie({ ...SECOND_FACTOR_COOKIE_SHAPE, protector, clock })`.
 */
export const SECOND_FACTOR_COOKIE_SHAPE = {
  name: SECOND_FACTOR_COOKIE,
  purpose: 'second-factor-flow',
  lifetimeS: SECOND_FACTOR_FLOW_LIFETIME_S,
  isValue: (value: unknown): value is SecondFactorFlowCookie => {
    const v = value as Partial<SecondFactorFlowCookie> | null;
    return typeof v === 'object' && v !== null && typeof v.flowId === 'string' && typeof v.userId === 'string';
  },
};

export class SecondFactorFlows {
  private readonly cookie: Pick<FlowCookie<SecondFactorFlowCookie>, 'read' | 'write' | 'clear'>;
  private readonly store: Pick<TtlStore, 'put' | 'get' | 'consume'>;

  constructor(options: { cookie: Pick<FlowCookie<SecondFactorFlowCookie>, 'read' | 'write' | 'clear'>; store: Pick<TtlStore, 'put' | 'get' | 'consume'> }) {
    this.cookie = options.cookie;
    this.store = options.store;
  }

  /** Records the first factor and returns the `Set-Cookie` that carries the flow to the second step. */
  async start(factor: Pick<FirstFactor, 'subject' | 'methods' | 'returnTo'>, stepUp?: { sessionId: string }): Promise<string> {
    const flowId = randomBytes(16).toString('base64url');
    const returnTo = safeReturnTo(factor.returnTo);
    const fields: PendingFields = {
      userId: factor.subject,
      methods: [...factor.methods],
      ...(returnTo !== undefined ? { returnTo } : {}),
      ...(stepUp !== undefined ? { sessionId: stepUp.sessionId } : {}),
    };
    await this.store.put(flowKey(flowId), fields, SECOND_FACTOR_FLOW_LIFETIME_S);
    return this.cookie.write({ flowId, userId: factor.subject });
  }

  /** The pending flow the request carries; undefined when the cookie is absent, tampered or expired, or its flow is finished or expired. */
  async current(event: APIGatewayProxyEventV2): Promise<PendingSecondFactor | undefined> {
    const cookie = await this.cookie.read(event);
    if (cookie === undefined) return undefined;
    const item = await this.store.get<PendingFields>(flowKey(cookie.flowId));
    if (item === undefined || item.userId !== cookie.userId) return undefined;
    return toPending(cookie.flowId, item);
  }

  /** Ends the flow: true for exactly one of any number of concurrent calls, false once it is finished or expired. */
  async finish(flow: Pick<PendingSecondFactor, 'flowId' | 'userId'>): Promise<boolean> {
    return (await this.store.consume(flowKey(flow.flowId), { userId: flow.userId })) !== undefined;
  }

  clearCookie(): string {
    return this.cookie.clear();
  }
}

/** Antiforgery binding for the second step's forms: a form rendered for one flow is refused with another. */
export function secondFactorBinding(flow: Pick<PendingSecondFactor, 'flowId'> | undefined): string | undefined {
  return flow === undefined ? undefined : `second-factor:${flow.flowId}`;
}

function flowKey(flowId: string): string {
  return `second-factor#${flowId}`;
}

function toPending(flowId: string, item: PendingFields): PendingSecondFactor {
  return {
    flowId,
    userId: item.userId,
    methods: [...item.methods],
    ...(item.returnTo !== undefined ? { returnTo: item.returnTo } : {}),
    ...(item.sessionId !== undefined ? { sessionId: item.sessionId } : {}),
  };
}
