/**
 * Recovery codes: what gets a user in when the authenticator app is lost. Ten at a time, shown
 * once, each 16 characters from a 32-letter alphabet (80 bits from the CSPRNG), grouped by four
 * for reading aloud or copying from paper; case, spaces and dashes are ignored when typed.
 *
 * Stored as keyed hashes (HMAC-SHA256 under a key derived from the data-protection ring,
 * lib/auth/key-ring-keyed-hasher.ts), not argon2: argon2's cost exists to slow guessing of
 * low-entropy secrets a person chose. An 80-bit random code cannot be guessed offline whatever
 * the hash, so a slow hash would only cost CPU and memory (argon2id at OWASP's parameters: about
 * 12 ms and 19 MiB per derivation, and ten stored codes with ten salts make ten per attempt;
 * bench/totp.bench.ts) and give nothing back. The key adds that a copy of the table alone
 * cannot even test a guess.
 */
import { randomInt } from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;
/** Crockford's base32 alphabet: no I, L, O, U, so nothing reads as another letter or a digit. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const CODE_LENGTH = 16;
const GROUP = 4;

/** `count` new codes, formatted for display (`abcd-efgh-jkmn-pqrs`). */
export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    const chars = Array.from({ length: CODE_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]!).join('');
    return chars.match(new RegExp(`.{${GROUP}}`, 'g'))!.join('-');
  });
}

/**
 * The canonical form a code is hashed in, or undefined when the input cannot be a recovery code:
 * lower case, separators dropped, the letters people confuse mapped as Crockford's base32 does.
 */
export function normalizeRecoveryCode(input: string): string | undefined {
  const canonical = input
    .toLowerCase()
    .replace(/[\s-]/g, '')
    .replace(/[il]/g, '1')
    .replace(/o/g, '0');
  if (canonical.length !== CODE_LENGTH) return undefined;
  for (const ch of canonical) if (!ALPHABET.includes(ch)) return undefined;
  return canonical;
}
