/**
 * The browser's answer to a ceremony, as it arrives (a JSON string from a form field): shape
 * checks and the challenge it carries, read before anything else so the challenge can be
 * consumed (the single-use step, on DynamoDB) before any cryptography runs on the response.
 */
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';

/** Far above any real response (a few KB with attestation 'none'); bounds what is parsed. */
const MAX_RESPONSE_LENGTH = 16 * 1024;

export type ParsedResponse<T> = { ok: true; response: T; challenge: string } | { ok: false };

export function parseRegistrationResponse(json: string): ParsedResponse<RegistrationResponseJSON> {
  return parse<RegistrationResponseJSON>(json, ['clientDataJSON', 'attestationObject'], 'webauthn.create');
}

export function parseAuthenticationResponse(json: string): ParsedResponse<AuthenticationResponseJSON> {
  return parse<AuthenticationResponseJSON>(json, ['clientDataJSON', 'authenticatorData', 'signature'], 'webauthn.get');
}

function parse<T>(json: string, fields: readonly string[], type: string): ParsedResponse<T> {
  if (json.length > MAX_RESPONSE_LENGTH) return { ok: false };
  try {
    const value: unknown = JSON.parse(json);
    if (!isRecord(value) || typeof value.id !== 'string' || typeof value.rawId !== 'string' || value.type !== 'public-key') return { ok: false };
    const response = value.response;
    if (!isRecord(response) || !fields.every((f) => typeof response[f] === 'string')) return { ok: false };
    const clientData: unknown = JSON.parse(Buffer.from(response.clientDataJSON as string, 'base64url').toString('utf8'));
    if (!isRecord(clientData) || clientData.type !== type || typeof clientData.challenge !== 'string' || clientData.challenge === '') return { ok: false };
    return { ok: true, response: value as T, challenge: clientData.challenge };
  } catch {
    return { ok: false };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
