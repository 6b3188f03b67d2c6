/**
 * The standard profile claims (OpenID Connect Core section 5.1) a directory user may have beside
 * `name`, by claim name, as the directory stores them (one map attribute `profile` on the user
 * item). Every one is optional: the ID token and userinfo release only those a user has.
 */

export const PROFILE_CLAIM_NAMES = [
  'given_name',
  'family_name',
  'middle_name',
  'nickname',
  'preferred_username',
  'profile',
  'picture',
  'website',
  'gender',
  'birthdate',
  'zoneinfo',
  'locale',
] as const;
export type ProfileClaimName = (typeof PROFILE_CLAIM_NAMES)[number];

export type ProfileClaims = Partial<Record<ProfileClaimName, string>>;

/** The known, non-empty string members of a stored map; anything else is dropped. */
export function readProfileClaims(value: unknown): ProfileClaims | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const stored = value as Record<string, unknown>;
  const claims: ProfileClaims = {};
  for (const name of PROFILE_CLAIM_NAMES) {
    const claim = stored[name];
    if (typeof claim === 'string' && claim !== '') claims[name] = claim;
  }
  return Object.keys(claims).length > 0 ? claims : undefined;
}
