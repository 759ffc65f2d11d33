import {
  createDecipheriv,
  createHmac,
  constants,
  privateDecrypt,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import { CompactEncrypt, CompactSign } from 'jose';

/**
 * How a JwtSession cookie is sealed and opened: a JWT, signed (HS256) when a signing key is
 * configured, then encrypted as a JWE, either with a shared key (`dir`) or to an RSA key
 * (`RSA-OAEP-256`). Sealing uses jose. Opening is synchronous, because it happens when an
 * expression first reads `session` and expressions evaluate synchronously, while jose decrypts
 * only asynchronously; so it is done here with node:crypto, for exactly the header jose wrote
 * (its `alg`, `enc` and `cty`, no `zip`, no `crit`), and the tests check each side against the
 * other.
 */

/** The content encryptions of RFC 7518 §5 and the key length each takes, in bytes. */
export const CONTENT_ENCRYPTIONS = Object.freeze({
  A128GCM: 16,
  A192GCM: 24,
  A256GCM: 32,
  'A128CBC-HS256': 32,
  'A192CBC-HS384': 48,
  'A256CBC-HS512': 64,
} as const);

export type ContentEncryption = keyof typeof CONTENT_ENCRYPTIONS;

export function isContentEncryption(value: unknown): value is ContentEncryption {
  return typeof value === 'string' && Object.hasOwn(CONTENT_ENCRYPTIONS, value);
}

export type SessionEncryption =
  | { readonly alg: 'dir'; readonly key: KeyObject }
  | { readonly alg: 'RSA-OAEP-256'; readonly privateKey: KeyObject; readonly publicKey: KeyObject };

export interface SessionKeys {
  readonly encryption: SessionEncryption;
  readonly enc: ContentEncryption;
  /** The HMAC key the JWT is signed with before it is encrypted; none when encryption alone authenticates it. */
  readonly signing: KeyObject | undefined;
}

class Unreadable extends Error {}

function fail(reason: string): never {
  throw new Unreadable(reason);
}

function decodePart(part: string | undefined): Buffer {
  if (part === undefined || !/^[A-Za-z0-9_-]*$/.test(part)) fail('not base64url');
  return Buffer.from(part, 'base64url');
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return fail('not JSON');
  }
}

function header(part: string | undefined): Record<string, unknown> {
  const value = parseJson(decodePart(part));
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('the header is not an object');
  return value as Record<string, unknown>;
}

export async function sealSession(claims: Record<string, unknown>, keys: SessionKeys): Promise<string> {
  let payload = new TextEncoder().encode(JSON.stringify(claims));
  if (keys.signing !== undefined) {
    const signed = await new CompactSign(payload).setProtectedHeader({ alg: 'HS256' }).sign(keys.signing);
    payload = new TextEncoder().encode(signed);
  }
  const { encryption } = keys;
  return new CompactEncrypt(payload)
    .setProtectedHeader({
      alg: encryption.alg,
      enc: keys.enc,
      ...(keys.signing === undefined ? {} : { cty: 'JWT' }),
    })
    .encrypt(encryption.alg === 'dir' ? encryption.key : encryption.publicKey);
}

/** The claims of a cookie sealed with `keys`; throws when it was not (tampered, other keys, not a JWE). */
export function openSession(token: string, keys: SessionKeys): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 5) fail('not a compact JWE');
  const protectedHeader = header(parts[0]);
  const signed = keys.signing !== undefined;
  if (
    protectedHeader.alg !== keys.encryption.alg ||
    protectedHeader.enc !== keys.enc ||
    protectedHeader.cty !== (signed ? 'JWT' : undefined) ||
    protectedHeader.zip !== undefined ||
    protectedHeader.crit !== undefined
  ) {
    fail('the JWE header is not the one this session writes');
  }
  const cek = contentKey(decodePart(parts[1]), keys.encryption);
  const plaintext = decrypt(
    keys.enc,
    cek,
    decodePart(parts[2]),
    decodePart(parts[3]),
    decodePart(parts[4]),
    Buffer.from(parts[0]!, 'ascii'),
  );
  const claims = parseJson(signed ? verifyHs256(plaintext.toString('ascii'), keys.signing) : plaintext);
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims))
    fail('the claims are not an object');
  return claims as Record<string, unknown>;
}

/** Whether `error` is openSession's own refusal, as opposed to a bug. */
export function isUnreadable(error: unknown): error is Error {
  return error instanceof Unreadable;
}

function contentKey(encryptedKey: Buffer, encryption: SessionEncryption): Buffer {
  if (encryption.alg === 'dir') {
    if (encryptedKey.length !== 0) fail('a dir JWE carries no encrypted key');
    return encryption.key.export();
  }
  try {
    return privateDecrypt(
      { key: encryption.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      encryptedKey,
    );
  } catch {
    return fail('the content key does not decrypt');
  }
}

function decrypt(
  enc: ContentEncryption,
  cek: Buffer,
  iv: Buffer,
  ciphertext: Buffer,
  tag: Buffer,
  aad: Buffer,
): Buffer {
  if (cek.length !== CONTENT_ENCRYPTIONS[enc]) fail('the content key has the wrong length');
  try {
    if (enc.endsWith('GCM')) {
      if (iv.length !== 12 || tag.length !== 16) fail('bad GCM iv or tag');
      const decipher = createDecipheriv(`aes-${cek.length * 8}-gcm` as 'aes-256-gcm', cek, iv, {
        authTagLength: 16,
      });
      decipher.setAAD(aad);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    }
    // RFC 7518 §5.2.2.2: the MAC key is the first half, the AES key the second; the tag is the
    // first half of HMAC(AAD ‖ IV ‖ ciphertext ‖ AAD length in bits as 64-bit big-endian).
    const half = cek.length / 2;
    if (iv.length !== 16 || tag.length !== half) fail('bad CBC iv or tag');
    const aadBits = Buffer.alloc(8);
    aadBits.writeBigUInt64BE(BigInt(aad.length) * 8n);
    const mac = createHmac(`sha${half * 16}`, cek.subarray(0, half))
      .update(Buffer.concat([aad, iv, ciphertext, aadBits]))
      .digest()
      .subarray(0, half);
    if (!timingSafeEqual(mac, tag)) fail('the authentication tag does not match');
    const decipher = createDecipheriv(`aes-${half * 8}-cbc`, cek.subarray(half), iv);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch (error) {
    if (isUnreadable(error)) throw error;
    return fail('the content does not decrypt');
  }
}

function verifyHs256(jws: string, key: KeyObject): Buffer {
  const parts = jws.split('.');
  if (parts.length !== 3) fail('the signed JWT is not a compact JWS');
  const jwsHeader = header(parts[0]);
  if (jwsHeader.alg !== 'HS256' || jwsHeader.crit !== undefined) fail('the JWS is not HS256');
  const signature = decodePart(parts[2]);
  const expected = createHmac('sha256', key).update(`${parts[0]}.${parts[1]}`).digest();
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected))
    fail('the signature does not match');
  return decodePart(parts[1]);
}
