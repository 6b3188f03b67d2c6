/**
 * Binary layout of a protected payload (then base64url):
 *
 *   magic+version (4) | keyId (16) | keyModifier (16) | nonce (12) | ciphertext | tag (16)
 *
 * The first 48 bytes are the header, authenticated as AES-GCM additional data. The plaintext
 * under the ciphertext starts with an 8-byte big-endian expiry in epoch milliseconds (0 = none).
 */

export const MAGIC = Buffer.from([0x49, 0x44, 0x50, 0x01]); // "IDP", version 1
export const KEY_ID_OFFSET = 4;
export const KEY_ID_BYTES = 16;
export const MODIFIER_OFFSET = KEY_ID_OFFSET + KEY_ID_BYTES;
export const MODIFIER_BYTES = 16;
export const NONCE_OFFSET = MODIFIER_OFFSET + MODIFIER_BYTES;
export const NONCE_BYTES = 12;
export const HEADER_BYTES = NONCE_OFFSET + NONCE_BYTES;
export const EXPIRY_BYTES = 8;
export const TAG_BYTES = 16;
/** Smallest well-formed payload: header, an expiry, an empty message and the tag. */
export const MIN_PAYLOAD_BYTES = HEADER_BYTES + EXPIRY_BYTES + TAG_BYTES;

const BASE64URL = /^[A-Za-z0-9_-]*$/;

export function readKeyId(payload: Buffer): string {
  const hex = payload.toString('hex', KEY_ID_OFFSET, KEY_ID_OFFSET + KEY_ID_BYTES);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function hasMagic(payload: Buffer): boolean {
  return payload.length >= MAGIC.length && payload.compare(MAGIC, 0, MAGIC.length, 0, MAGIC.length) === 0;
}

/** Strict base64url: Buffer.from would silently skip foreign characters. */
export function decodeBase64Url(text: string): Buffer | undefined {
  if (typeof text !== 'string' || text.length % 4 === 1 || !BASE64URL.test(text)) return undefined;
  return Buffer.from(text, 'base64url');
}

export function writeExpiry(target: Buffer, offset: number, expiresAtMs: number): void {
  target.writeUInt16BE(0, offset);
  target.writeUIntBE(expiresAtMs, offset + 2, 6);
}

/** Epoch ms, 0 for none; undefined when the high bytes are set (never written by this code). */
export function readExpiry(source: Buffer, offset: number): number | undefined {
  if (source.readUInt16BE(offset) !== 0) return undefined;
  return source.readUIntBE(offset + 2, 6);
}
