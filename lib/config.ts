/**
 * Environment -> typed, validated configuration. Read once per cold start; every problem is
 * reported at once so a misconfigured stage fails with one readable message.
 *
 * The configuration comes in sections. A function loads all of them (`loadConfig`); an operator
 * script loads only those it uses (`loadConfigSections`), so the keys CLI needs no ISSUER or
 * cache table, and still gets every problem of its sections in one message.
 */
import { IdentityServerError } from './errors.js';

const DAY_S = 24 * 60 * 60;

export interface DataProtectionSettings {
  /** How long a master key is the default protect key. */
  keyLifetimeS: number;
  /** A successor is created this long before the current key expires, so every warm instance sees it first. */
  successorLeadS: number;
  /** A warm instance re-reads the ring after this long. */
  refreshIntervalS: number;
  /** At most one unscheduled re-read (unknown key id) per instance in this window. */
  unknownKeyRefreshMinIntervalS: number;
}

export interface SigningSettings {
  /** How long a signing key signs. */
  keyLifetimeS: number;
  /** A new signing key is published in JWKS this long before it signs. */
  propagationS: number;
  /** A retired signing key stays in JWKS this long (at least the longest token lifetime). */
  retentionS: number;
  /**
   * A signing instance re-reads the signing ring at least this often (at most one Query per
   * interval, never per token), so a revoked key stops signing everywhere within it.
   */
  revocationCheckS: number;
}

/** At most `max` attempts in a fixed window of `windowS` seconds, started by the window's first attempt. */
export interface AttemptLimit {
  max: number;
  windowS: number;
}

/**
 * The kinds of secret a person proves an account with, each with its own guessing budget: a
 * password slowdown must never block sign-in with a mailed code (account recovery).
 */
export const SECRET_KINDS = ['password', 'code'] as const;
export type SecretKind = (typeof SECRET_KINDS)[number];

/** NIST SP 800-63B section 5.2.2: at most 100 failed attempts against one account, across all its secrets. */
export const MAX_GUESSES_PER_ACCOUNT_PER_DAY = 100;

/**
 * The most attempts a limit allows in any 24 hours. Windows do not overlap (a new one starts
 * only after the last has ended), so any 24 hours meet at most ceil(1 day / window) + 1 of them.
 */
export function attemptsPerRollingDay(limit: AttemptLimit): number {
  return limit.max * (Math.ceil(DAY_S / limit.windowS) + 1);
}

/** Guessing budgets, per kind of secret (see lib/auth/attempt-scopes.ts). */
export interface BruteForceSettings {
  /** One source against one account: its own typos or guesses, nobody else's. */
  perAccountAndSource: AttemptLimit;
  /** One source across every account (credential stuffing). */
  perSource: AttemptLimit;
  /** Every source without the account's device cookie, together: bounds the attacker's guesses per day. */
  perAccount: AttemptLimit;
  /** One browser holding the account's device cookie: counted instead of the three above. */
  perDevice: AttemptLimit;
  /** How long a device cookie is honoured after the sign-in that set it. */
  deviceCookieLifetimeS: number;
}

export interface Config {
  appName: string;
  stage: string;
  issuer: string;
  region: string;
  tables: { keys: string; cache: string; directory: string };
  /** Set only for the local stack and tests; unset means the real AWS endpoints. */
  endpoints: { dynamodb?: string; kms?: string };
  kmsKeyId: string;
  dataProtection: DataProtectionSettings;
  signing: SigningSettings;
  tokens: {
    accessTokenTtlS: number;
    idTokenTtlS: number;
    refreshTokenTtlS: number;
    authorizationCodeTtlS: number;
    /** A rotated refresh token presented again this soon gets its unused successor back instead of revoking the family (lib/oidc/grant-store.ts); 0 = never. */
    refreshReuseGraceS: number;
    /** How long an instance trusts a client it read: the longest a removed client or a replaced secret still works there; 0 = no cache. */
    clientCacheTtlS: number;
  };
  session: { absoluteLifetimeS: number; idleTimeoutS: number };
  /** `maxLive`: codes per purpose and address that work at once; a newer one retires the oldest beyond that. */
  otp: { ttlS: number; resendAfterS: number; maxPerHour: number; maxLive: number };
  registration: { ttlS: number };
  /** `recentAuthS`: how long after a sign-in the account page lets the user change email or password or delete the account without signing in again. */
  account: { recentAuthS: number };
  bruteForce: BruteForceSettings;
  /** `configurationSet`: the SES configuration set mails name (bounce and complaint suppression, infra/ses.yml); empty for none. */
  mail: { mode: 'ses' | 'outbox'; from: string; configurationSet: string };
  /**
   * Mail abuse limits (lib/auth/mail-budget.ts): mails per source (an IPv4 address or an IPv6
   * /64) per fixed hour and day, and a global per-minute cap, counted over `shards` items, that
   * opens a circuit breaker for `circuitCooldownS` when reached.
   */
  mailBudget: { perSourcePerHour: number; perSourcePerDay: number; perMinute: number; shards: number; circuitCooldownS: number };
  /** argon2id cost of new password hashes (lib/auth/password-hasher.ts); stored with each hash, upgraded on sign-in. */
  password: PasswordSettings;
  /** Passkeys: the relying-party id credentials are scoped to, and the origins whose ceremonies count. */
  webauthn: WebAuthnSettings;
  /** Dynamic client registration (RFC 7591/7592) and the client keys it brings (lib/oidc/client-registration-endpoint.ts, remote-jwks.ts). */
  clientRegistration: ClientRegistrationSettings;
}

export interface ClientRegistrationSettings {
  /** off: no registration endpoint; token: an initial access token (`npm run clients -- token`) is required; open: anyone may register. */
  mode: 'off' | 'token' | 'open';
  /** Registrations per source address (IPv6: per /64) per fixed hour. */
  maxPerSourcePerHour: number;
  /** How long an instance keeps a client's fetched `jwks_uri` document. */
  jwksCacheTtlS: number;
  /** Local stack and tests only: `jwks_uri` may point at 127.0.0.1 / ::1 (refused in AWS). */
  jwksAllowLoopback: boolean;
}

export interface WebAuthnSettings {
  /** A registrable suffix of every origin's host; credentials are bound to it for good (changing it orphans every passkey). */
  rpId: string;
  origins: string[];
}

export class ConfigError extends IdentityServerError {
  readonly code = 'invalid_configuration';

  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

type Env = Record<string, string | undefined>;

class Reader {
  readonly problems: string[] = [];
  /** In a deployed Lambda; serverless-offline sets IS_OFFLINE, tests and scripts run outside Lambda. */
  readonly inAws: boolean;

  constructor(private readonly env: Env) {
    this.inAws = env.AWS_LAMBDA_FUNCTION_NAME !== undefined && env.IS_OFFLINE !== 'true';
  }

  string(name: string, fallback?: string): string {
    const value = this.env[name]?.trim();
    if (value) return value;
    if (fallback !== undefined) return fallback;
    this.problems.push(`${name} is required`);
    return '';
  }

  optional(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }

  url(name: string, fallback?: string): string {
    const value = this.string(name, fallback);
    if (!value) return value;
    try {
      const parsed = new URL(value);
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('scheme');
    } catch {
      this.problems.push(`${name} must be an http(s) URL, got "${value}"`);
    }
    return value.replace(/\/+$/, '');
  }

  int(name: string, fallback: number, min = 1): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) {
      this.problems.push(`${name} must be an integer >= ${min}, got "${raw}"`);
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.optional(name) ?? fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.problems.push(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
    return fallback;
  }
}

export interface PasswordSettings {
  /** p = 1: a function below 1,769 MB has less than one vCPU, so more lanes would only take turns. */
  argon2id: { memoryKiB: number; iterations: number };
}

/** OWASP's Password Storage Cheat Sheet: argon2id with m = 19 MiB, t = 2, p = 1. */
const OWASP_ARGON2ID = { memoryKiB: 19 * 1024, iterations: 2 };

/**
 * The default is OWASP's, and a deployed function refuses anything cheaper; tests and the local
 * stack may set a cheaper cost. The upper bounds are the hasher's (1 GiB, 16 passes).
 */
function readPasswordSettings(read: Reader): PasswordSettings {
  const argon2id = {
    memoryKiB: read.int('PASSWORD_ARGON2_MEMORY_KIB', OWASP_ARGON2ID.memoryKiB, 8),
    iterations: read.int('PASSWORD_ARGON2_ITERATIONS', OWASP_ARGON2ID.iterations),
  };
  if (argon2id.memoryKiB > 1024 * 1024) read.problems.push(`PASSWORD_ARGON2_MEMORY_KIB must be at most 1048576 (1 GiB), got ${argon2id.memoryKiB}`);
  if (argon2id.iterations > 16) read.problems.push(`PASSWORD_ARGON2_ITERATIONS must be at most 16, got ${argon2id.iterations}`);
  if (read.inAws && (argon2id.memoryKiB < OWASP_ARGON2ID.memoryKiB || argon2id.iterations < OWASP_ARGON2ID.iterations)) {
    read.problems.push(
      `PASSWORD_ARGON2_MEMORY_KIB and PASSWORD_ARGON2_ITERATIONS may not go below OWASP's m = ${OWASP_ARGON2ID.memoryKiB} KiB, t = ${OWASP_ARGON2ID.iterations} in AWS, got m = ${argon2id.memoryKiB}, t = ${argon2id.iterations}`,
    );
  }
  return { argon2id };
}

/**
 * The relying party defaults to the issuer (its host, its origin). Browsers accept an RP id only
 * when it is the origin's host or a registrable suffix of it, so a mismatch here would fail every
 * ceremony at run time: it is refused at startup instead.
 */
function readWebAuthnSettings(read: Reader, issuer: string): WebAuthnSettings {
  const issuerUrl = URL.parse(issuer);
  const rpIdSetting = read.optional('WEBAUTHN_RP_ID');
  const originsSetting = read.optional('WEBAUTHN_ORIGINS');
  // A missing or broken ISSUER is reported once, by the issuer itself.
  if (!issuerUrl && (rpIdSetting === undefined || originsSetting === undefined)) return { rpId: '', origins: [] };
  const rpId = (rpIdSetting ?? issuerUrl?.hostname ?? '').toLowerCase();
  // A public-suffix check (a bare "co.uk") needs the Public Suffix List; browsers enforce it anyway.
  if (/^[\d.]+$|:|^\[/.test(rpId) || (!rpId.includes('.') && rpId !== 'localhost')) {
    read.problems.push(`WEBAUTHN_RP_ID must be a domain name (not an IP address; a single label only for localhost), got "${rpId}"`);
  }
  const origins: string[] = [];
  for (const entry of (originsSetting ?? issuerUrl?.origin ?? '').split(',').map((e) => e.trim())) {
    const url = URL.parse(entry);
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== entry.replace(/\/$/, '')) {
      read.problems.push(`WEBAUTHN_ORIGINS must list http(s) origins (scheme, host, optional port) separated by commas, got "${entry}"`);
      continue;
    }
    // WebAuthn needs a secure context: https, or http on localhost only.
    if (url.protocol === 'http:' && url.hostname !== 'localhost') read.problems.push(`WEBAUTHN_ORIGINS: ${url.origin} must be https (http only on localhost)`);
    if (url.hostname !== rpId && !url.hostname.endsWith(`.${rpId}`)) {
      read.problems.push(`WEBAUTHN_RP_ID "${rpId}" must be the host of ${url.origin} or a registrable suffix of it`);
    }
    origins.push(url.origin);
  }
  return { rpId, origins };
}

/** Each section reads its own variables (each variable belongs to one section) and checks its own rules. */
const SECTIONS = {
  app: (read: Reader): Pick<Config, 'appName' | 'stage'> => ({
    appName: read.string('APP_NAME', 'identity'),
    stage: read.string('STAGE', 'local'),
  }),

  issuer: (read: Reader): Pick<Config, 'issuer' | 'webauthn'> => {
    const issuer = read.url('ISSUER');
    // A deploy that forgot ISSUER would otherwise issue tokens for serverless.yml's local default.
    if (read.inAws && !issuer.startsWith('https://')) {
      read.problems.push(`ISSUER must be the deployed https URL in AWS, got "${issuer}": set ISSUER when deploying`);
    }
    return { issuer, webauthn: readWebAuthnSettings(read, issuer) };
  },

  aws: (read: Reader): Pick<Config, 'region' | 'endpoints'> => ({
    region: read.string('AWS_REGION', 'us-east-1'),
    endpoints: { dynamodb: read.optional('DYNAMODB_ENDPOINT'), kms: read.optional('KMS_ENDPOINT') },
  }),

  keysTable: (read: Reader): { tables: Pick<Config['tables'], 'keys'> } => ({ tables: { keys: read.string('KEYS_TABLE') } }),
  cacheTable: (read: Reader): { tables: Pick<Config['tables'], 'cache'> } => ({ tables: { cache: read.string('CACHE_TABLE') } }),
  directoryTable: (read: Reader): { tables: Pick<Config['tables'], 'directory'> } => ({ tables: { directory: read.string('DIRECTORY_TABLE') } }),

  kms: (read: Reader): Pick<Config, 'kmsKeyId'> => ({ kmsKeyId: read.string('KMS_KEY_ID') }),

  /** Key and token lifetimes together: the rules between them span both. */
  lifetimes: (read: Reader): Pick<Config, 'dataProtection' | 'signing' | 'tokens'> => {
    const dataProtection = {
      keyLifetimeS: read.int('DP_KEY_LIFETIME_S', 90 * DAY_S),
      successorLeadS: read.int('DP_SUCCESSOR_LEAD_S', 2 * DAY_S),
      refreshIntervalS: read.int('DP_REFRESH_INTERVAL_S', 5 * 60),
      unknownKeyRefreshMinIntervalS: read.int('DP_UNKNOWN_KEY_REFRESH_MIN_INTERVAL_S', 30),
    };
    const signing = {
      keyLifetimeS: read.int('SIGNING_KEY_LIFETIME_S', 30 * DAY_S),
      propagationS: read.int('SIGNING_PROPAGATION_S', DAY_S),
      retentionS: read.int('SIGNING_RETENTION_S', 2 * DAY_S),
      revocationCheckS: read.int('SIGNING_REVOCATION_CHECK_S', 30),
    };
    const tokens = {
      accessTokenTtlS: read.int('ACCESS_TOKEN_TTL_S', 10 * 60),
      idTokenTtlS: read.int('ID_TOKEN_TTL_S', 10 * 60),
      refreshTokenTtlS: read.int('REFRESH_TOKEN_TTL_S', 30 * DAY_S),
      authorizationCodeTtlS: read.int('AUTHORIZATION_CODE_TTL_S', 60),
      refreshReuseGraceS: read.int('REFRESH_TOKEN_REUSE_GRACE_S', 30, 0),
      clientCacheTtlS: read.int('CLIENT_CACHE_TTL_S', 30, 0),
    };
    const dp = dataProtection;
    if (dp.successorLeadS >= dp.keyLifetimeS) read.problems.push('DP_SUCCESSOR_LEAD_S must be shorter than DP_KEY_LIFETIME_S');
    if (dp.successorLeadS <= dp.refreshIntervalS) {
      read.problems.push('DP_SUCCESSOR_LEAD_S must exceed DP_REFRESH_INTERVAL_S, or warm instances may not see a successor before it activates');
    }
    // Signing successors are created 2 x propagationS ahead (signingRingPolicy). A shorter
    // lifetime leaves a gap after each key in which a request handler makes a key that signs at once.
    if (2 * signing.propagationS >= signing.keyLifetimeS) read.problems.push('SIGNING_KEY_LIFETIME_S must exceed twice SIGNING_PROPAGATION_S');
    if (signing.propagationS <= dp.refreshIntervalS) {
      read.problems.push('SIGNING_PROPAGATION_S must exceed DP_REFRESH_INTERVAL_S, or JWKS may not publish a key before it signs');
    }
    if (signing.retentionS < Math.max(tokens.accessTokenTtlS, tokens.idTokenTtlS)) {
      read.problems.push('SIGNING_RETENTION_S must be at least the longest access/ID token lifetime');
    }
    // Both widen a window in which a revoked thing still works; keep them short.
    if (tokens.refreshReuseGraceS > 300) read.problems.push('REFRESH_TOKEN_REUSE_GRACE_S must be at most 300');
    if (tokens.clientCacheTtlS > 300) read.problems.push('CLIENT_CACHE_TTL_S must be at most 300');
    return { dataProtection, signing, tokens };
  },

  accounts: (read: Reader): Pick<Config, 'session' | 'otp' | 'registration' | 'account' | 'bruteForce' | 'password'> => {
    const failureWindowS = read.int('LOGIN_FAILURE_WINDOW_S', 15 * 60);
    const bruteForce: BruteForceSettings = {
      perAccountAndSource: { max: read.int('LOGIN_MAX_FAILURES_PER_ACCOUNT_SOURCE', 5), windowS: failureWindowS },
      perSource: { max: read.int('LOGIN_MAX_FAILURES_PER_SOURCE', 50), windowS: failureWindowS },
      perAccount: { max: read.int('LOGIN_MAX_FAILURES_PER_ACCOUNT', 7), windowS: read.int('LOGIN_ACCOUNT_WINDOW_S', 4 * 60 * 60) },
      perDevice: { max: read.int('LOGIN_MAX_FAILURES_PER_DEVICE', 10), windowS: read.int('LOGIN_DEVICE_WINDOW_S', DAY_S) },
      deviceCookieLifetimeS: read.int('LOGIN_DEVICE_COOKIE_LIFETIME_S', 180 * DAY_S),
    };
    // Attackers hold no device cookie, so the per-account budget of every kind is all they get.
    const perDay = SECRET_KINDS.length * attemptsPerRollingDay(bruteForce.perAccount);
    if (perDay > MAX_GUESSES_PER_ACCOUNT_PER_DAY) {
      read.problems.push(
        `LOGIN_MAX_FAILURES_PER_ACCOUNT and LOGIN_ACCOUNT_WINDOW_S allow ${perDay} guesses per account per day across ${SECRET_KINDS.join(' and ')}; at most ${MAX_GUESSES_PER_ACCOUNT_PER_DAY} (NIST SP 800-63B 5.2.2)`,
      );
    }
    return {
      session: {
        absoluteLifetimeS: read.int('SESSION_ABSOLUTE_LIFETIME_S', 7 * DAY_S),
        idleTimeoutS: read.int('SESSION_IDLE_TIMEOUT_S', 8 * 60 * 60),
      },
      otp: {
        ttlS: read.int('OTP_TTL_S', 5 * 60),
        resendAfterS: read.int('OTP_RESEND_AFTER_S', 60),
        maxPerHour: read.int('OTP_MAX_PER_HOUR', 5),
        maxLive: read.int('OTP_MAX_LIVE', 3),
      },
      registration: { ttlS: read.int('REGISTRATION_TTL_S', 30 * 60) },
      account: { recentAuthS: read.int('RECENT_AUTH_S', 300) },
      bruteForce,
      password: readPasswordSettings(read),
    };
  },

  mail: (read: Reader): Pick<Config, 'mail'> => {
    const mail = {
      mode: read.oneOf('MAIL_MODE', ['ses', 'outbox'] as const, 'outbox'),
      from: read.string('MAIL_FROM', 'no-reply@localhost'),
      configurationSet: read.string('MAIL_CONFIGURATION_SET', ''),
    };
    // The outbox also logs each message, one-time codes included: in AWS that log is CloudWatch.
    if (read.inAws && mail.mode === 'outbox') {
      read.problems.push('MAIL_MODE=outbox is for the local stack only (it logs one-time codes): use MAIL_MODE=ses in AWS');
    }
    return { mail };
  },

  clientRegistration: (read: Reader): Pick<Config, 'clientRegistration'> => {
    const clientRegistration = {
      mode: read.oneOf('REGISTRATION_MODE', ['off', 'token', 'open'] as const, 'off'),
      maxPerSourcePerHour: read.int('REGISTRATION_MAX_PER_SOURCE_PER_HOUR', 20),
      jwksCacheTtlS: read.int('REMOTE_JWKS_CACHE_TTL_S', 300, 0),
      jwksAllowLoopback: read.oneOf('REMOTE_JWKS_ALLOW_LOOPBACK', ['true', 'false'] as const, 'false') === 'true',
    };
    // A registrant's jwks_uri on loopback would make the function fetch from its own host.
    if (read.inAws && clientRegistration.jwksAllowLoopback) {
      read.problems.push('REMOTE_JWKS_ALLOW_LOOPBACK=true is for the local stack and tests only (jwks_uri fetches from loopback): unset it in AWS');
    }
    if (clientRegistration.jwksCacheTtlS > 3600) read.problems.push('REMOTE_JWKS_CACHE_TTL_S must be at most 3600');
    return { clientRegistration };
  },

  mailBudget: (read: Reader): Pick<Config, 'mailBudget'> => {
    const mailBudget = {
      perSourcePerHour: read.int('MAIL_MAX_PER_SOURCE_PER_HOUR', 10),
      perSourcePerDay: read.int('MAIL_MAX_PER_SOURCE_PER_DAY', 30),
      perMinute: read.int('MAIL_MAX_PER_MINUTE', 600),
      shards: read.int('MAIL_COUNTER_SHARDS', 10),
      circuitCooldownS: read.int('MAIL_CIRCUIT_COOLDOWN_S', 120),
    };
    if (mailBudget.perSourcePerDay < mailBudget.perSourcePerHour) {
      read.problems.push('MAIL_MAX_PER_SOURCE_PER_DAY must be at least MAIL_MAX_PER_SOURCE_PER_HOUR');
    }
    // Each shard must allow at least one mail; a send may try every shard, so keep them few.
    if (mailBudget.shards > Math.min(100, mailBudget.perMinute)) {
      read.problems.push('MAIL_COUNTER_SHARDS must be at most 100 and at most MAIL_MAX_PER_MINUTE');
    }
    // The minute's counters must be gone when the breaker closes, or it would trip again at once.
    if (mailBudget.circuitCooldownS < 60) read.problems.push('MAIL_CIRCUIT_COOLDOWN_S must be at least 60 (the counting window)');
    return { mailBudget };
  },
};

export type ConfigSection = keyof typeof SECTIONS;

type Intersection<Union> = (Union extends unknown ? (part: Union) => void : never) extends (all: infer All) => void ? All : never;

/** What the given sections load: `SectionsConfig<'aws' | 'keysTable'>` has `region`, `endpoints` and `tables.keys`. */
export type SectionsConfig<Section extends ConfigSection> = Intersection<ReturnType<(typeof SECTIONS)[Section]>>;

const ALL_SECTIONS = Object.keys(SECTIONS) as ConfigSection[];

export function loadConfig(env: Env = process.env): Config {
  return loadConfigSections(ALL_SECTIONS, env);
}

export function loadConfigSections<Section extends ConfigSection>(sections: readonly Section[], env: Env = process.env): SectionsConfig<Section> {
  const read = new Reader(env);
  const loaded: Record<string, unknown> = {};
  for (const section of new Set(sections)) {
    for (const [key, value] of Object.entries(SECTIONS[section](read))) {
      // The table sections each add one name to `tables`.
      loaded[key] = key === 'tables' ? { ...(loaded[key] as object | undefined), ...value } : value;
    }
  }
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return loaded as SectionsConfig<Section>;
}
