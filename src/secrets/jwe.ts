import { createPublicKey, KeyObject } from 'node:crypto';
import { CompactEncrypt, compactDecrypt, type JWTPayload } from 'jose';
import { TollgateError } from '../errors/tollgate-error.js';
import { keyFromSecret } from './key-material.js';
import type { CryptoKeyLike } from './secret.js';
import type { SecretsProvider } from './secrets-provider.js';

/** Key management with a shared secret: only a holder of the secret can have encrypted the token. */
export const SHARED_KEY_ALGORITHMS = Object.freeze([
  'dir',
  'A128KW',
  'A192KW',
  'A256KW',
  'A128GCMKW',
  'A192GCMKW',
  'A256GCMKW',
] as const);

/** Key management with a public key: anyone may encrypt to it. RSA1_5 is left out (RFC 8725 §3.2). */
export const PUBLIC_KEY_ALGORITHMS = Object.freeze([
  'RSA-OAEP',
  'RSA-OAEP-256',
  'RSA-OAEP-384',
  'RSA-OAEP-512',
  'ECDH-ES',
  'ECDH-ES+A128KW',
  'ECDH-ES+A192KW',
  'ECDH-ES+A256KW',
] as const);

export const CONTENT_ENCRYPTION_METHODS = Object.freeze([
  'A128CBC-HS256',
  'A192CBC-HS384',
  'A256CBC-HS512',
  'A128GCM',
  'A192GCM',
  'A256GCM',
] as const);

export type KeyManagementAlgorithm =
  (typeof SHARED_KEY_ALGORITHMS)[number] | (typeof PUBLIC_KEY_ALGORITHMS)[number];
export type ContentEncryptionMethod = (typeof CONTENT_ENCRYPTION_METHODS)[number];

const NOT_KEYS: ReadonlySet<string> = new Set(['TG_SECRET_NOT_A_KEY', 'TG_SECRET_NOT_FOUND']);

/** A token that does not open: its reason, for a violation or an invalid_token, never its content. */
export class JweRefused extends Error {}

/** What a compact JWE held: a signed JWT to verify next, or the claims of a JWT that is only encrypted. */
export type OpenedJwe =
  | { readonly nested: true; readonly jws: string }
  | {
      readonly nested: false;
      readonly claims: JWTPayload;
      readonly header: Record<string, unknown>;
      /** Whether a shared secret opened it, so the sender is known to hold that secret. */
      readonly shared: boolean;
      /** The key that opened it, for a caller that decrypts it again to check its claims. */
      readonly key: CryptoKeyLike | Uint8Array;
    };

/** Whether a token is in the compact JWE form: five parts. */
export function isCompactJwe(token: string): boolean {
  return token.split('.').length === 5;
}

/**
 * The key `secretId` names: a private or public key (PEM or JWK, from a store of keys or a
 * secret holding one) for the public-key algorithms, else the secret's bytes for the shared ones.
 * Which of the two the secret is decides the algorithms a token may name, so a token cannot have a
 * private key's bytes used as an AES key.
 */
async function keyOrSecret(
  provider: SecretsProvider,
  secretId: string,
): Promise<{ key: CryptoKeyLike | Uint8Array; shared: boolean }> {
  try {
    return { key: (await provider.getKey(secretId)).key, shared: false };
  } catch (error) {
    // Not a key, or held only by stores of plain secrets: the secret itself says which it is.
    if (!(error instanceof TollgateError) || !NOT_KEYS.has(error.code)) throw error;
  }
  const secret = await provider.getSecret(secretId);
  try {
    return { key: keyFromSecret(secret, secretId).key, shared: false };
  } catch {
    return { key: secret.reveal(), shared: true };
  }
}

/**
 * Decrypts a compact JWE with the key `secretId` names. A key that cannot be read throws its
 * TollgateError (the gateway's failure); a token that does not open throws JweRefused.
 */
export async function openJwe(
  token: string,
  provider: SecretsProvider,
  secretId: string,
): Promise<OpenedJwe> {
  const { key, shared } = await keyOrSecret(provider, secretId);
  let plaintext: Uint8Array;
  let header: Record<string, unknown>;
  try {
    ({ plaintext, protectedHeader: header } = await compactDecrypt(token, key, {
      keyManagementAlgorithms: [...(shared ? SHARED_KEY_ALGORITHMS : PUBLIC_KEY_ALGORITHMS)],
      contentEncryptionAlgorithms: [...CONTENT_ENCRYPTION_METHODS],
    }));
  } catch {
    throw new JweRefused('the token does not decrypt with the decryption key');
  }
  const text = new TextDecoder().decode(plaintext);
  const cty = typeof header.cty === 'string' ? header.cty.toUpperCase() : undefined;
  if (cty === 'JWT' || /^[\w-]+\.[\w-]+\.[\w-]*$/.test(text)) return { nested: true, jws: text };
  let claims: unknown;
  try {
    claims = JSON.parse(text);
  } catch {
    throw new JweRefused('the decrypted token is neither a signed JWT nor a claims set');
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    throw new JweRefused('the decrypted token is neither a signed JWT nor a claims set');
  }
  return { nested: false, claims: claims as JWTPayload, header, shared, key };
}

/** The key `secretId` names for encryption: the secret's bytes for a shared algorithm, else a public key. */
async function encryptionKey(
  provider: SecretsProvider,
  secretId: string,
  algorithm: KeyManagementAlgorithm,
): Promise<CryptoKeyLike | Uint8Array> {
  if ((SHARED_KEY_ALGORITHMS as readonly string[]).includes(algorithm)) {
    return (await provider.getSecret(secretId)).reveal();
  }
  const { key, shared } = await keyOrSecret(provider, secretId);
  if (shared) {
    throw new TollgateError('TG_SECRET_NOT_A_KEY', `secret '${secretId}' is not a PEM or JWK key`);
  }
  // A store may hold the recipient's key pair; only its public half encrypts.
  return key instanceof KeyObject && key.type === 'private' ? createPublicKey(key) : (key as CryptoKeyLike);
}

/**
 * Encrypts `content` (a signed JWT when `nested`, else a claims set as JSON) to the key
 * `secretId` names, as a compact JWE.
 */
export async function sealJwe(
  content: string,
  nested: boolean,
  provider: SecretsProvider,
  secretId: string,
  algorithm: KeyManagementAlgorithm,
  method: ContentEncryptionMethod,
): Promise<string> {
  const key = await encryptionKey(provider, secretId, algorithm);
  return new CompactEncrypt(new TextEncoder().encode(content))
    .setProtectedHeader({ alg: algorithm, enc: method, ...(nested ? { cty: 'JWT' } : { typ: 'JWT' }) })
    .encrypt(key);
}
