/**
 * No way around the second factor: for a user who has one (TOTP or a passkey), a first factor
 * that is not multi-factor on its own (a password, an emailed code, a password reset, a passkey
 * without user verification) does not start a session; it hands over to the second step at
 * `/login/second-factor`. Sign-ins that already carry `mfa` (a user-verified passkey) and users
 * without a second factor go straight on.
 *
 * The first completion in the chain (lib/runtime/services.ts): before it, no session exists;
 * the second step ends in `next` with the methods of both factors.
 */
import { hasSecondFactor, type SecondFactorLookup } from '../auth/second-factors.js';
import { redirect, type HttpResponse } from '../http/response.js';
import type { SecondFactorFlows } from './second-factor-flow.js';
import type { FirstFactor, SignInCompletion } from './sign-in-completion.js';

export const SECOND_FACTOR_PATH = '/login/second-factor';

export class SecondFactorGate implements SignInCompletion {
  constructor(
    private readonly deps: {
      next: SignInCompletion;
      lookup: SecondFactorLookup;
      flows: Pick<SecondFactorFlows, 'start'>;
    },
  ) {}

  async complete(factor: FirstFactor): Promise<HttpResponse> {
    if (factor.methods.includes('mfa') || !(await this.hasSecondFactor(factor))) return this.deps.next.complete(factor);
    const flowCookie = await this.deps.flows.start(factor);
    // The destination rides in the flow's server-side state; the URL carries nothing the step trusts.
    return redirect(SECOND_FACTOR_PATH, { status: 303, cookies: [...(factor.cookies ?? []), flowCookie] });
  }

  private async hasSecondFactor(factor: FirstFactor): Promise<boolean> {
    return factor.secondFactors ? hasSecondFactor(factor.secondFactors) : this.deps.lookup.has(factor.subject);
  }
}

