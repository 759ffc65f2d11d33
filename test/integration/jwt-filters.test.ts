// JwtBuilderFilter and JwtValidationFilter in routes, over real sockets: one route signs a JWT and
// sends it to a real backend in a header; another checks the JWT a client presents.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { compactDecrypt, decodeJwt, jwtVerify } from 'jose';
import { request } from 'undici';
import { startBackend, type Backend } from '../fixtures/backend.js';
import { startTestGateway, type TestGateway } from '../fixtures/gateway.js';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

describe('JWT filters in routes', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  // The party a JWT is encrypted for: the gateway's check route holds its private key.
  const recipient = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let backend: Backend;
  let tg: TestGateway;

  before(async () => {
    backend = await startBackend();
    const secretsProvider = { type: 'SystemAndEnvSecretStore' };
    tg = await startTestGateway({
      env: {
        SIGNING_KEY: b64(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
        VERIFY_KEY: b64(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
        RECIPIENT_KEY: b64(recipient.publicKey.export({ type: 'spki', format: 'pem' }).toString()),
        DECRYPT_KEY: b64(recipient.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
      },
      routes: {
        'build.json': {
          condition: "${find(request.uri.path, '^/build')}",
          baseURI: backend.url,
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'JwtBuilderFilter',
                  config: {
                    template: { sub: "${request.headers['X-User'][0]}", path: '${request.uri.path}' },
                    secretsProvider,
                    signature: { secretId: 'signing.key' },
                  },
                },
                {
                  type: 'HeaderFilter',
                  config: { messageType: 'REQUEST', add: { 'X-Jwt': ['${contexts.jwtBuilder.value}'] } },
                },
              ],
              handler: 'ReverseProxyHandler',
            },
          },
        },
        'build-sealed.json': {
          condition: "${find(request.uri.path, '^/sealed/build')}",
          baseURI: backend.url,
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'JwtBuilderFilter',
                  config: {
                    template: { sub: "${request.headers['X-User'][0]}" },
                    secretsProvider,
                    signature: {
                      secretId: 'signing.key',
                      encryption: { secretId: 'recipient.key', algorithm: 'RSA-OAEP-256', method: 'A256GCM' },
                    },
                  },
                },
                {
                  type: 'HeaderFilter',
                  config: { messageType: 'REQUEST', add: { 'X-Jwt': ['${contexts.jwtBuilder.value}'] } },
                },
              ],
              handler: 'ReverseProxyHandler',
            },
          },
        },
        'check-sealed.json': {
          condition: "${find(request.uri.path, '^/sealed/check')}",
          baseURI: backend.url,
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'JwtValidationFilter',
                  config: {
                    jwt: "${request.headers['Authorization'][0].substring(7)}",
                    verificationSecretId: 'verify.key',
                    decryptionSecretId: 'decrypt.key',
                    secretsProvider,
                  },
                },
                {
                  type: 'HeaderFilter',
                  config: {
                    messageType: 'REQUEST',
                    remove: ['Authorization'],
                    add: { 'X-Subject': ['${contexts.jwtValidation.claims.sub}'] },
                  },
                },
              ],
              handler: 'ReverseProxyHandler',
            },
          },
        },
        'check.json': {
          condition: "${find(request.uri.path, '^/check')}",
          baseURI: backend.url,
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'JwtValidationFilter',
                  config: {
                    jwt: "${request.headers['Authorization'][0].substring(7)}",
                    verificationSecretId: 'verify.key',
                    secretsProvider,
                  },
                },
                {
                  type: 'HeaderFilter',
                  config: {
                    messageType: 'REQUEST',
                    remove: ['Authorization'],
                    add: { 'X-Subject': ['${contexts.jwtValidation.claims.sub}'] },
                  },
                },
              ],
              handler: 'ReverseProxyHandler',
            },
          },
        },
      },
    });
  });

  after(async () => {
    await tg?.close();
    await backend?.close();
  });

  test('a JWT the gateway signs reaches the backend and passes the gateway check', async () => {
    const built = await request(`${tg.url}/build/me`, { headers: { 'X-User': 'alice' } });
    assert.equal(built.statusCode, 200);
    await built.body.text();
    const token = backend.requests.at(-1)!.headers['x-jwt'] as string;
    const { payload } = await jwtVerify(token, publicKey);
    assert.equal(payload.sub, 'alice');
    assert.equal(payload.path, '/build/me');

    const checked = await request(`${tg.url}/check/it`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(checked.statusCode, 200);
    await checked.body.text();
    const seen = backend.requests.at(-1)!;
    assert.equal(seen.url, '/check/it');
    assert.equal(seen.headers['x-subject'], 'alice');
    assert.equal(seen.headers.authorization, undefined);
  });

  test('a tampered, an absent and an unsigned JWT get 403 and never reach the backend', async () => {
    const built = await request(`${tg.url}/build/me`, { headers: { 'X-User': 'alice' } });
    await built.body.text();
    const token = backend.requests.at(-1)!.headers['x-jwt'] as string;
    const [header, , signature] = token.split('.');
    const claims = { ...decodeJwt(token), sub: 'mallory' };
    const tampered = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    const unsigned = `${b64('{"alg":"none"}')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.`;
    const before = backend.requests.length;
    for (const headers of [
      { Authorization: `Bearer ${tampered}` },
      {},
      { Authorization: `Bearer ${unsigned}` },
    ]) {
      const response = await request(`${tg.url}/check/it`, { headers });
      assert.equal(response.statusCode, 403);
      await response.body.text();
    }
    assert.equal(backend.requests.length, before);
  });

  test('signed then encrypted: the backend gets a JWE only the recipient opens; the check route opens and verifies it', async () => {
    const built = await request(`${tg.url}/sealed/build`, { headers: { 'X-User': 'carol' } });
    assert.equal(built.statusCode, 200);
    await built.body.text();
    const token = backend.requests.at(-1)!.headers['x-jwt'] as string;
    assert.equal(token.split('.').length, 5, 'a compact JWE');
    assert.equal(token.includes(Buffer.from('carol').toString('base64url')), false);
    const { plaintext } = await compactDecrypt(token, recipient.privateKey);
    const { payload } = await jwtVerify(new TextDecoder().decode(plaintext), publicKey);
    assert.equal(payload.sub, 'carol');

    const checked = await request(`${tg.url}/sealed/check`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    assert.equal(checked.statusCode, 200);
    await checked.body.text();
    assert.equal(backend.requests.at(-1)!.headers['x-subject'], 'carol');

    const before = backend.requests.length;
    const parts = token.split('.');
    parts[3] = parts[3]!.startsWith('A') ? `B${parts[3]!.slice(1)}` : `A${parts[3]!.slice(1)}`;
    const tampered = await request(`${tg.url}/sealed/check`, {
      headers: { Authorization: `Bearer ${parts.join('.')}` },
    });
    assert.equal(tampered.statusCode, 403);
    await tampered.body.text();
    assert.equal(backend.requests.length, before);
  });
});
