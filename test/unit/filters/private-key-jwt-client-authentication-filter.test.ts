import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import type { Filter } from '../../../src/heap/types.js';
import { FILE, harness, recordingNext, run } from './harness.js';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const TYPE = 'PrivateKeyJwtClientAuthenticationFilter';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const config = {
  clientId: 'jwtClient',
  tokenEndpoint: 'http://as.test/oauth2/access_token',
  secretsProvider: { type: 'SystemAndEnvSecretStore' },
  signingSecretId: 'signing.key',
};

/** The form the filter sends on for a form POST, built with `extra` config and `env`. */
async function sentForm(
  extra: Record<string, unknown>,
  env: Record<string, string> = {},
): Promise<URLSearchParams> {
  const h = harness({ env: { SIGNING_KEY: b64(pem), ...env } });
  const filter = h.build<Filter>([{ name: 'f', type: TYPE, config: { ...config, ...extra } }], 'f', 'Filter');
  const next = recordingNext();
  await run(
    filter,
    h.incoming({ headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'grant_type=x' }),
    next,
  );
  const { entity, headers } = next.calls[0]!.request;
  assert.equal(headers.first('Content-Length'), String(entity.length));
  return new URLSearchParams(entity.string!);
}

describe('PrivateKeyJwtClientAuthenticationFilter config errors carry a code and a pointer', () => {
  const errorsOf = (extra: Record<string, unknown>): string[] =>
    harness().errorsOf([{ name: 'f', type: TYPE, config: { ...config, ...extra } }]);

  test('clientId, tokenEndpoint, secretsProvider and signingSecretId are required', () => {
    assert.deepEqual(
      harness().errorsOf([{ name: 'f', type: TYPE, config: {} }]),
      ['clientId', 'tokenEndpoint', 'secretsProvider', 'signingSecretId'].map(
        (key) => `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/${key}`,
      ),
    );
  });

  test('a tokenEndpoint that is not a URL', () => {
    assert.deepEqual(errorsOf({ tokenEndpoint: 'as.test/token' }), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/tokenEndpoint`,
    ]);
  });

  test('a lifetime under a second, an unlimited one, one that is no duration', () => {
    for (const jwtExpirationTimeout of ['0 seconds', 'unlimited']) {
      assert.deepEqual(errorsOf({ jwtExpirationTimeout }), [
        `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/jwtExpirationTimeout`,
      ]);
    }
    assert.deepEqual(errorsOf({ jwtExpirationTimeout: 'a while' }), [
      `TG_CONFIG_BAD_DURATION ${FILE}#/heap/0/config/jwtExpirationTimeout`,
    ]);
  });

  test('claims is an object', () => {
    assert.deepEqual(errorsOf({ claims: ['tenant'] }), [`TG_CONFIG_SCHEMA ${FILE}#/heap/0/config/claims`]);
  });
});

describe('PrivateKeyJwtClientAuthenticationFilter', () => {
  test('by default the assertion lives 60 seconds and its algorithm follows the key; the form keeps its parameters', async () => {
    const form = await sentForm({});
    assert.equal(form.get('grant_type'), 'x');
    const assertion = form.get('client_assertion')!;
    assert.equal(decodeProtectedHeader(assertion).alg, 'RS256');
    const { payload } = await jwtVerify(assertion, publicKey, { audience: config.tokenEndpoint });
    assert.equal(payload.exp! - payload.iat!, 60);
  });

  test('signingAlgorithm chooses the algorithm; claim values are configuration expressions', async () => {
    const form = await sentForm(
      { signingAlgorithm: 'PS256', claims: { tenant: "${env['TENANT']}", level: 2 } },
      { TENANT: 'acme' },
    );
    const assertion = form.get('client_assertion')!;
    assert.equal(decodeProtectedHeader(assertion).alg, 'PS256');
    const { payload } = await jwtVerify(assertion, publicKey);
    assert.equal(payload.tenant, 'acme');
    assert.equal(payload.level, 2);
  });
});
