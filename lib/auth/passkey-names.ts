/**
 * The name a new passkey gets on the account page: the authenticator model when its AAGUID is
 * a well-known one (the passkey providers most people use), else what the browser reported
 * about it. The user can rename it; nothing decides anything on this name.
 */

/** From the community list github.com/passkeydeveloper/passkey-authenticator-aaguids. */
const KNOWN_AAGUIDS: Readonly<Record<string, string>> = {
  'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4': 'Google Password Manager',
  'adce0002-35bc-c60a-648b-0b25f1f05503': 'Chrome on Mac',
  'fbfc3007-154e-4ecc-8c0b-6e020557d7bd': 'iCloud Keychain',
  'dd4ec289-e01d-41c9-bb89-70fa845d4bf2': 'iCloud Keychain (Managed)',
  '08987058-cadc-4b81-b6e1-30de50dcbe96': 'Windows Hello',
  '9ddd1817-af5a-4672-a2b9-3e3dd95000a9': 'Windows Hello',
  '6028b017-b1d4-4c02-b4b3-afcdafc96bb2': 'Windows Hello',
  '53414d53-554e-4700-0000-000000000000': 'Samsung Pass',
  'bada5566-a7aa-401f-bd96-45619a55120d': '1Password',
  'd548826e-79b4-db40-a3d8-11116f7e8349': 'Bitwarden',
  '531126d6-e717-415c-9320-3d9aa6981239': 'Dashlane',
  '50726f74-6f6e-5061-7373-50726f746f6e': 'Proton Pass',
  'fdb141b2-5d84-443e-8a35-4698c205a502': 'KeePassXC',
};

/** What a registration response says about the authenticator besides its AAGUID. */
export interface ReportedAuthenticator {
  aaguid: string;
  /** `platform` (built into the device), `cross-platform` (a security key, a phone), or unknown. */
  attachment?: string;
  backupEligible: boolean;
}

export function passkeyName({ aaguid, attachment, backupEligible }: ReportedAuthenticator): string {
  const known = KNOWN_AAGUIDS[aaguid.toLowerCase()];
  if (known !== undefined) return known;
  if (backupEligible) return 'Synced passkey';
  if (attachment === 'platform') return 'Passkey on this device';
  if (attachment === 'cross-platform') return 'Security key';
  return 'Passkey';
}

/** A user-typed name, trimmed and bounded (control characters out: it ends up in HTML and logs' neighbours). */
export const MAX_PASSKEY_NAME_LENGTH = 64;

export function cleanPasskeyName(typed: string): string | undefined {
  const name = typed.replace(/[\p{Cc}\p{Cf}]/gu, '').trim().slice(0, MAX_PASSKEY_NAME_LENGTH);
  return name === '' ? undefined : name;
}
