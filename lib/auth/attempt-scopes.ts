import type { AttemptLimit, BruteForceSettings, SecretKind } from '../config.js';
import { sourceKey } from '../http/source-address.js';
import { normalizeEmail } from './email-address.js';

/**
 * Which budgets one guess at a secret is counted in: pure policy, no I/O (LoginThrottle does
 * the counting). The aim is that nobody can deny an account's owner by failing on purpose,
 * while the guesses an attacker gets against one account stay few:
 *
 * - from a browser holding the account's device cookie (set by an earlier sign-in to it), only
 *   that device's own budget: an attacker, who has no such cookie, cannot touch it;
 * - from anywhere else, three budgets at once: this source against this account (one source's
 *   guesses slow that source only), this source across accounts (credential stuffing), and the
 *   account across every such source, which is what bounds an attacker with many sources.
 *
 * A source is an IPv4 address or an IPv6 /64 (sourceKey). Each kind of secret has its own set,
 * so a password slowdown never blocks sign-in with a mailed code. Accounts are keyed by the
 * normalized address whether or not an account exists: the answers reveal nothing.
 */
export interface KnownDevice {
  /** The normalized address the device signed in to. */
  account: string;
  /** Random, per browser and account. */
  deviceId: string;
}

/** Where a guess comes from: the connection's address and the device cookie the browser sent, if any. */
export interface AttemptOrigin {
  ip: string;
  device?: KnownDevice;
}

export interface AttemptScope {
  /** The counter's name; distinct for every kind, budget and subject. */
  key: string;
  limit: AttemptLimit;
}

/** The budgets of one guess, narrowest first (LoginThrottle takes them in this order). */
export function attemptScopes(kind: SecretKind, settings: BruteForceSettings, email: string, origin: AttemptOrigin): AttemptScope[] {
  const account = normalizeEmail(email);
  if (account && origin.device?.account === account) {
    return [{ key: `${kind}#device#${account}#${origin.device.deviceId}`, limit: settings.perDevice }];
  }
  const source = sourceKey(origin.ip);
  const bySource: AttemptScope = { key: `${kind}#source#${source}`, limit: settings.perSource };
  // Input that is no address names no account; it still costs its source.
  if (!account) return [bySource];
  return [
    { key: `${kind}#account-source#${account}#${source}`, limit: settings.perAccountAndSource },
    bySource,
    accountScope(kind, settings, account),
  ];
}

/** The budget of one account across every source: what locks an account (lib/auth/account-locks.ts reads and clears it). */
export function accountScope(kind: SecretKind, settings: BruteForceSettings, normalizedEmail: string): AttemptScope {
  return { key: `${kind}#account#${normalizedEmail}`, limit: settings.perAccount };
}

/** Seconds until a full counter's window ends (its expiry in epoch seconds; gone meanwhile: now), at least 1. */
export function secondsUntilEnd(nowS: number, windowEnd: number | undefined): number {
  return Math.max(1, (windowEnd ?? nowS) - nowS);
}
