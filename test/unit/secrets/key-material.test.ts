import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, test } from 'node:test';
import { TollgateError } from '../../../src/errors/tollgate-error.js';
import { keyFromJwk, keyFromSecret } from '../../../src/secrets/key-material.js';
import { Secret } from '../../../src/secrets/secret.js';

describe('keyFromSecret', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

  test('reads PKCS#8, PKCS#1 and SPKI PEM', () => {
    const pkcs8 = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const pkcs1 = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const spki = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    assert.equal(keyFromSecret(Secret.fromText(pkcs8), 'k').key.type, 'private');
    assert.equal(keyFromSecret(Secret.fromText(pkcs1), 'k').key.type, 'private');
    assert.equal(keyFromSecret(Secret.fromText(spki), 'k').key.type, 'public');
  });

  test('PEM has no kid', () => {
    const pkcs8 = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    assert.equal(keyFromSecret(Secret.fromText(pkcs8), 'k').kid, undefined);
  });

  test('reads a JWK, with its kid when it has one', () => {
    const jwk = rsa.privateKey.export({ format: 'jwk' });
    const withKid = keyFromSecret(Secret.fromText(JSON.stringify({ ...jwk, kid: 'rsa-2' })), 'k');
    assert.equal((withKid.key as KeyObject).asymmetricKeyType, 'rsa');
    assert.equal(withKid.kid, 'rsa-2');
    assert.equal(keyFromSecret(Secret.fromText(JSON.stringify(jwk)), 'k').kid, undefined);
    assert.equal(keyFromSecret(Secret.fromText(JSON.stringify({ ...jwk, kid: '' })), 'k').kid, undefined);
    assert.equal(keyFromSecret(Secret.fromText(JSON.stringify({ ...jwk, kid: 7 })), 'k').kid, undefined);
  });

  test('garbage is TG_SECRET_NOT_A_KEY whose message and cause hold none of it', () => {
    for (const text of [
      '{"d": "leak-me", bad json',
      'leak-me',
      '-----BEGIN PRIVATE KEY-----\nleak-me\n-----END PRIVATE KEY-----',
    ]) {
      assert.throws(
        () => keyFromSecret(Secret.fromText(text), 'signing.key'),
        (error: unknown) =>
          error instanceof TollgateError &&
          error.code === 'TG_SECRET_NOT_A_KEY' &&
          error.message.includes('signing.key') &&
          !error.message.includes('leak-me') &&
          error.cause === undefined,
      );
    }
  });

  test('keyFromJwk refuses non-objects', () => {
    assert.throws(() => keyFromJwk('x'), TollgateError);
    assert.throws(() => keyFromJwk(null), TollgateError);
  });
});
