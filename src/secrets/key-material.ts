import { createPrivateKey, createPublicKey, type JsonWebKeyInput, type KeyObject } from 'node:crypto';
import { TollgateError } from '../errors/tollgate-error.js';
import type { Secret, StoredKey } from './secret.js';

/**
 * Reads a key held as a generic secret: a JWK (JSON object) or PEM text (PKCS#8, PKCS#1, SEC1,
 * SPKI or an X.509 certificate). A private key wins over a public one, since the point of a key
 * secret in a gateway is usually signing (private_key_jwt). A JWK's `kid` comes with it; PEM has
 * none. Errors name the id, never the bytes.
 */
export function keyFromSecret(secret: Secret, secretId: string): StoredKey {
  const text = secret.revealText().trim();
  try {
    if (text.startsWith('{')) {
      const jwk = JSON.parse(text) as unknown;
      return { key: keyFromJwk(jwk), kid: kidOf(jwk) };
    }
    const pem = /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)
      ? createPrivateKey(text)
      : createPublicKey(text);
    return { key: pem, kid: undefined };
  } catch (error) {
    // No `cause`: JSON.parse's message quotes the text it choked on, which here is the key. Node's
    // crypto error codes carry no key material and say what was wrong.
    const code = (error as { code?: unknown }).code;
    const reason = typeof code === 'string' ? ` (${code})` : '';
    throw new TollgateError('TG_SECRET_NOT_A_KEY', `secret '${secretId}' is not a PEM or JWK key${reason}`);
  }
}

/** A JWK's `kid`, when it has a usable one. */
export function kidOf(jwk: unknown): string | undefined {
  const kid = (jwk as { kid?: unknown } | null)?.kid;
  return typeof kid === 'string' && kid !== '' ? kid : undefined;
}

/** A KeyObject from one JWK: private when it carries `d`, public otherwise. */
export function keyFromJwk(jwk: unknown): KeyObject {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw new TollgateError('TG_SECRET_NOT_A_KEY', 'a JWK must be a JSON object');
  }
  const input: JsonWebKeyInput = { key: jwk as JsonWebKeyInput['key'], format: 'jwk' };
  return 'd' in jwk ? createPrivateKey(input) : createPublicKey(input);
}
