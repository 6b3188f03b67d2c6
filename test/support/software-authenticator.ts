/**
 * A WebAuthn authenticator in software, for tests that drive the ceremonies without a browser:
 * an ES256 key pair per credential, clientDataJSON, authenticatorData and an attestation object
 * of format 'none' built byte by byte (CBOR included), so every field a server checks can be
 * made wrong on purpose: origin, RP id, user verification, counter, user handle.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

interface Credential {
  id: Buffer;
  privateKey: KeyObject;
  userHandle: string;
  rpId: string;
  counter: number;
}

export interface SoftwareAuthenticatorOptions {
  origin: string;
  /** Backup eligible and backed up: a synced passkey (amr `swk`) rather than a device-bound one (`hwk`). */
  synced?: boolean;
  /** False for authenticators that never count (every synced passkey provider today): counter stays 0. */
  counting?: boolean;
  aaguid?: string;
}

/** What a test may falsify in one ceremony's answer. */
export interface CeremonyOverrides {
  origin?: string;
  /** The RP id whose hash goes into authenticatorData (the authenticator's view of where it is). */
  rpId?: string;
  userVerified?: boolean;
  /** The counter to report instead of the next one. */
  counter?: number;
  /** Registration: make the new credential with this id. Sign-in: sign with this credential rather than the first one for the RP id. */
  credentialId?: string;
  /** The user handle to report instead of the credential's own. */
  userHandle?: string;
  /** clientDataJSON's type (`webauthn.create` / `webauthn.get`). */
  type?: string;
  /** A challenge other than the one in the options. */
  challenge?: string;
}

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

export class SoftwareAuthenticator {
  readonly credentials: Credential[] = [];

  constructor(private readonly options: SoftwareAuthenticatorOptions) {}

  /** Answers `navigator.credentials.create` for the given options (a RegistrationResponseJSON). */
  register(
    options: { challenge: string; rp: { id?: string }; user: { id: string } },
    overrides: CeremonyOverrides = {},
  ): Record<string, unknown> {
    const rpId = overrides.rpId ?? options.rp.id ?? '';
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const id = overrides.credentialId === undefined ? randomBytes(16) : Buffer.from(overrides.credentialId, 'base64url');
    const credential: Credential = { id, privateKey, userHandle: options.user.id, rpId, counter: 0 };
    this.credentials.push(credential);
    const jwk = publicKey.export({ format: 'jwk' });
    // COSE_Key: kty EC2 (2), alg ES256 (-7), crv P-256 (1), x, y.
    const coseKey = cbor(new Map<number, unknown>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x!, 'base64url')], [-3, Buffer.from(jwk.y!, 'base64url')]]));
    const attested = Buffer.concat([uuidBytes(this.options.aaguid ?? '00000000-0000-0000-0000-000000000000'), u16(credential.id.length), credential.id, coseKey]);
    const authData = this.authenticatorData(rpId, overrides, FLAG_AT, 0, attested);
    const clientDataJSON = this.clientData('webauthn.create', options.challenge, overrides);
    const attestationObject = cbor(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]));
    return {
      id: credential.id.toString('base64url'),
      rawId: credential.id.toString('base64url'),
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        attestationObject: attestationObject.toString('base64url'),
        transports: ['internal'],
      },
    };
  }

  /** Answers `navigator.credentials.get` (an AuthenticationResponseJSON), with the first credential unless told otherwise. */
  authenticate(options: { challenge: string; rpId?: string }, overrides: CeremonyOverrides = {}): Record<string, unknown> {
    const credential = overrides.credentialId
      ? this.credentials.find((c) => c.id.toString('base64url') === overrides.credentialId)
      : this.credentials.find((c) => c.rpId === (options.rpId ?? c.rpId));
    if (!credential) throw new Error('the software authenticator holds no credential for this RP');
    if (overrides.counter === undefined && this.options.counting !== false) credential.counter += 1;
    const counter = overrides.counter ?? credential.counter;
    const authData = this.authenticatorData(overrides.rpId ?? credential.rpId, overrides, 0, counter);
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, overrides);
    const signature = sign('sha256', Buffer.concat([authData, createHash('sha256').update(clientDataJSON).digest()]), credential.privateKey);
    return {
      id: credential.id.toString('base64url'),
      rawId: credential.id.toString('base64url'),
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        authenticatorData: authData.toString('base64url'),
        signature: signature.toString('base64url'),
        userHandle: overrides.userHandle ?? credential.userHandle,
      },
    };
  }

  private authenticatorData(rpId: string, overrides: CeremonyOverrides, extraFlags: number, counter: number, attested = Buffer.alloc(0)): Buffer {
    const synced = this.options.synced === true;
    const flags = FLAG_UP | (overrides.userVerified === false ? 0 : FLAG_UV) | (synced ? FLAG_BE | FLAG_BS : 0) | extraFlags;
    return Buffer.concat([createHash('sha256').update(rpId).digest(), Buffer.of(flags), u32(counter), attested]);
  }

  private clientData(type: string, challenge: string, overrides: CeremonyOverrides): Buffer {
    return Buffer.from(
      JSON.stringify({ type: overrides.type ?? type, challenge: overrides.challenge ?? challenge, origin: overrides.origin ?? this.options.origin, crossOrigin: false }),
    );
  }
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function uuidBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

/** The CBOR subset WebAuthn needs (RFC 8949): integers, byte and text strings, maps. */
function cbor(value: unknown): Buffer {
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (Buffer.isBuffer(value)) return Buffer.concat([head(2, value.length), value]);
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (value instanceof Map) return Buffer.concat([head(5, value.size), ...[...value].flatMap(([k, v]) => [cbor(k), cbor(v)])]);
  throw new TypeError(`no CBOR for ${typeof value}`);
}

function head(major: number, length: number): Buffer {
  if (length < 24) return Buffer.of((major << 5) | length);
  if (length < 0x100) return Buffer.of((major << 5) | 24, length);
  return Buffer.concat([Buffer.of((major << 5) | 25), u16(length)]);
}
