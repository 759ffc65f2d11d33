import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { compactDecrypt, decodeJwt, decodeProtectedHeader, exportJWK, jwtDecrypt, jwtVerify } from 'jose';
import type { Filter } from '../../../src/heap/types.js';
import { FILE, harness, recordingNext, run } from './harness.js';

const TYPE = 'JwtBuilderFilter';
const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...(await exportJWK(privateKey)), kid: 'signer-1' };
const recipient = generateKeyPairSync('rsa', { modulusLength: 2048 });
const SHARED_KEY = Buffer.alloc(32, 5);
const env = {
  RECIPIENT_KEY: b64(recipient.publicKey.export({ type: 'spki', format: 'pem' }).toString()),
  SHARED_KEY: SHARED_KEY.toString('base64'),
  SIGNING_KEY: b64(JSON.stringify(jwk)),
  HMAC_SECRET: b64('a shared secret of at least thirty-two bytes'),
};
const provider = { type: 'SystemAndEnvSecretStore' };
const template = { sub: "${request.headers['X-User'][0]}", scope: ['read', '${request.method}'], fixed: 7 };

async function build(
  config: Record<string, unknown>,
  headers: Record<string, string> = { 'X-User': 'alice' },
) {
  const h = harness({ env });
  const filter = h.build<Filter>([{ name: 'f', type: TYPE, config }], 'f', 'Filter');
  const exchange = h.incoming({ method: 'GET', headers });
  const next = recordingNext();
  const { response } = await run(filter, exchange, next);
  assert.equal(response.status, 200);
  assert.equal(next.calls.length, 1);
  return exchange.contexts.jwtBuilder as { value: string; claims: Record<string, unknown> };
}

describe('JwtBuilderFilter', () => {
  test('signs the template claims with RS256 by default, naming the key by its kid', async () => {
    const built = await build({
      template,
      secretsProvider: provider,
      signature: { secretId: 'signing.key' },
    });
    const { payload, protectedHeader } = await jwtVerify(built.value, publicKey);
    assert.deepEqual(payload, { sub: 'alice', scope: ['read', 'GET'], fixed: 7 });
    assert.deepEqual(protectedHeader, { alg: 'RS256', typ: 'JWT', kid: 'signer-1' });
    assert.deepEqual(built.claims, payload);
  });

  test('includeKeyId false leaves the kid out', async () => {
    const built = await build({
      template,
      secretsProvider: provider,
      signature: { secretId: 'signing.key', includeKeyId: false, algorithm: 'PS256' },
    });
    assert.deepEqual(decodeProtectedHeader(built.value), { alg: 'PS256', typ: 'JWT' });
    await jwtVerify(built.value, publicKey);
  });

  test('an HMAC algorithm signs with the secret', async () => {
    const built = await build({
      template,
      secretsProvider: provider,
      signature: { secretId: 'hmac.secret', algorithm: 'HS256' },
    });
    await jwtVerify(built.value, Buffer.from('a shared secret of at least thirty-two bytes'));
  });

  test('without a signature the JWT is unsigned; a claim whose expression gives null is left out', async () => {
    const built = await build({ template }, {});
    assert.equal(decodeProtectedHeader(built.value).alg, 'none');
    assert.deepEqual(decodeJwt(built.value), { scope: ['read', 'GET'], fixed: 7 });
  });

  test('the template may be one expression giving a map', async () => {
    const built = await build({ template: '${contexts.transactionId}' });
    assert.deepEqual(decodeJwt(built.value), { transactionId: { value: 'tx-1' } });
  });

  test('a template expression that gives no map fails the request with TG_JWT_BUILD_FAILED', async () => {
    const h = harness({ env });
    const filter = h.build<Filter>(
      [{ name: 'f', type: TYPE, config: { template: '${request.method}' } }],
      'f',
      'Filter',
    );
    const next = recordingNext();
    await assert.rejects(filter.filter(h.incoming(), next), { code: 'TG_JWT_BUILD_FAILED' });
    assert.equal(next.calls.length, 0);
  });

  test('signature.encryption: signed, then encrypted to the recipient’s public key (cty JWT)', async () => {
    const { value } = await build({
      template,
      secretsProvider: provider,
      signature: {
        secretId: 'signing.key',
        encryption: { secretId: 'recipient.key', algorithm: 'RSA-OAEP-256', method: 'A256GCM' },
      },
    });
    assert.deepEqual(decodeProtectedHeader(value), { alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT' });
    const { plaintext } = await compactDecrypt(value, recipient.privateKey);
    const { payload } = await jwtVerify(new TextDecoder().decode(plaintext), publicKey);
    assert.equal(payload.sub, 'alice');
  });

  test('encryption alone: the claims encrypted with a shared key, no signature', async () => {
    const { value, claims } = await build({
      template,
      secretsProvider: provider,
      encryption: { secretId: 'shared.key', algorithm: 'dir', method: 'A128CBC-HS256' },
    });
    assert.deepEqual(decodeProtectedHeader(value), { alg: 'dir', enc: 'A128CBC-HS256', typ: 'JWT' });
    const { payload } = await jwtDecrypt(value, SHARED_KEY);
    assert.deepEqual(payload, claims);
  });

  test('config errors carry a code and a pointer', () => {
    const errorsOf = (config: Record<string, unknown>): string[] =>
      harness().errorsOf([{ name: 'f', type: TYPE, config }]);
    assert.deepEqual(errorsOf({}), [`TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/template`]);
    assert.deepEqual(errorsOf({ template, signature: { secretId: 'k' } }), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/secretsProvider`,
    ]);
    const encryption = { secretId: 'e', algorithm: 'RSA-OAEP-256', method: 'A256GCM' };
    assert.deepEqual(errorsOf({ template, encryption }), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/secretsProvider`,
    ]);
    assert.deepEqual(
      errorsOf({ template, secretsProvider: provider, signature: { secretId: 'k' }, encryption }),
      [`TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/encryption`],
    );
    assert.deepEqual(
      errorsOf({
        template,
        secretsProvider: provider,
        signature: { secretId: 'k', encryption: { ...encryption, algorithm: 'RSA1_5' } },
      }),
      [`TG_CONFIG_SCHEMA ${FILE}#/heap/0/config/signature/encryption/algorithm`],
    );
    assert.deepEqual(errorsOf({ template, secretsProvider: provider, encryption: { secretId: 'e' } }), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/encryption/algorithm`,
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/encryption/method`,
    ]);
    assert.deepEqual(
      errorsOf({ template, secretsProvider: provider, signature: { secretId: 'k', algorithm: 'none' } }),
      [`TG_CONFIG_SCHEMA ${FILE}#/heap/0/config/signature/algorithm`],
    );
  });
});
