/**
 * Application metrics: counted during an invocation, published once at its end as CloudWatch
 * Embedded Metric Format lines (Powertools Metrics), so a metric costs no API call, only a log
 * line. Every metric is a count under the namespace `SERVICE_NAME` with the dimension `service`
 * plus those listed here; dimension values come from small closed sets (never an id, address or
 * free text), so each metric has a handful of series. The README's metrics table follows this
 * list.
 */
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import { currentScope, type MetricEntry } from './invocation-scope.js';
import { SERVICE_NAME } from './service.js';

export interface MetricDimensions {
  /** A sign-in attempt's result; `throttled` is a lockout (account, source or device budget). */
  SignIn: { method: 'password' | 'code' | 'passkey'; outcome: 'success' | 'invalid' | 'throttled' | 'expired' };
  /** A mail carrying a one-time code (or the "you already have an account" notice) went out. */
  CodeSent: { kind: 'registration' | 'sign-in' | 'password-reset' | 'email-change' };
  /** A change a user made to their own account (/password/forgot, /account). */
  AccountChange: { change: 'password-reset' | 'password' | 'email' | 'profile' | 'deleted' };
  /** An answer 429 (lockouts, code and mail limits), by function. */
  Throttled: { function: string };
  TokenIssued: { grant: 'authorization_code' | 'refresh_token' | 'client_credentials' };
  /** A rotated refresh token came back: its whole family was revoked. */
  RefreshReuseDetected: Record<never, never>;
  /** The global mail cap was reached: new mail is refused for the cool-down (lib/auth/mail-budget.ts). Once per trip. */
  MailCircuitOpen: Record<never, never>;
  /** The second step of sign-in (or of a step-up) checked a typed code: which kind it was, or why it was refused. */
  SecondFactor: { outcome: 'totp' | 'recovery-code' | 'invalid' | 'throttled' };
  /** /authorize needed more than the session had (acr_values, essential acr, a client that requires MFA). */
  StepUp: { outcome: 'second-factor' | 'enrolment' | 'interaction_required' | 'unmet_essential_acr' };
  /** A first factor was proved for an account an operator disabled: no session was started. */
  DisabledSignIn: Record<never, never>;
  /** An answer 503 because a dependency failed (`dynamodb`, `kms`, `ses`, `mail`). */
  DependencyFailure: { dependency: string };
  /**
   * The consent page's answers, by client id: the one id allowed as a dimension, because clients
   * are few and an operator wants to see which one users refuse (with open dynamic registration
   * the series grow with the registered clients).
   */
  ConsentGranted: { client: string };
  ConsentDenied: { client: string };
  /** Dynamic client registration (RFC 7591/7592): what each request to /connect/register came to. */
  ClientRegistration: { outcome: 'registered' | 'read' | 'updated' | 'deleted' | 'refused' | 'unauthorized' | 'throttled' };
  /** A key ring was read from the keys table (refresh interval, unknown key id, creation race). */
  KeyRingRefresh: { ring: string; outcome: 'ok' | 'failed' };
  /** A stored key was unwrapped by KMS (once per key per instance when all is well). */
  KmsUnwrap: { ring: string; outcome: 'ok' | 'failed' };
}

export type MetricName = keyof MetricDimensions;

/**
 * A CLI or a test outside any invocation has no CloudWatch reading its stdout: metrics counted
 * there are dropped rather than printed into its output.
 */
export function countMetric<N extends MetricName>(name: N, dimensions: MetricDimensions[N]): void {
  currentScope()?.metrics.push({ name, dimensions });
}

const metrics = new Metrics({ namespace: SERVICE_NAME, serviceName: SERVICE_NAME });

/**
 * One EMF line per dimension set (EMF gives every metric of a line the same dimensions); an
 * invocation usually has one or two. Called by `observeInvocation` only.
 */
export function publishMetrics(entries: readonly MetricEntry[]): void {
  const byDimensions = new Map<string, MetricEntry[]>();
  for (const entry of entries) {
    const key = JSON.stringify(Object.entries(entry.dimensions).sort());
    const group = byDimensions.get(key);
    if (group === undefined) byDimensions.set(key, [entry]);
    else group.push(entry);
  }
  for (const group of byDimensions.values()) {
    for (const [name, value] of Object.entries(group[0]!.dimensions)) metrics.addDimension(name, value);
    for (const entry of group) metrics.addMetric(entry.name, MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
  }
}
