import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { CompactEncrypt, decodeProtectedHeader } from 'jose';
import { Base64EncodedSecretStore } from '../../../src/secrets/base64-encoded-secret-store.js';
import { isCompactJwe, JweRefused, openJwe, sealJwe } from '../../../src/secrets/jwe.js';
import { SecretsProvider } from '../../../src/secrets/secrets-provider.js';

const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const shared = Buffer.alloc(32, 9);
const b64 = (text: string | Buffer): string => Buffer.from(text).toString('base64');
const provider = new SecretsProvider([
  new Base64EncodedSecretStore({
    secrets: {
      private: b64(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
      public: b64(pair.publicKey.export({ type: 'spki', format: 'pem' }).toString()),
      shared: b64(shared),
    },
  }),
]);

describe('JWE', () => {
  test('a nested JWT sealed to a public key opens with its private key, and says it is nested', async () => {
    const jwe = await sealJwe('a.b.c', true, provider, 'public', 'ECDH-ES+A256KW', 'A256GCM');
    assert.ok(isCompactJwe(jwe));
    assert.equal(decodeProtectedHeader(jwe).cty, 'JWT');
    assert.deepEqual(await openJwe(jwe, provider, 'private'), { nested: true, jws: 'a.b.c' });
  });

  test('a key pair in the store encrypts with its public half', async () => {
    const jwe = await sealJwe('{"sub":"x"}', false, provider, 'private', 'ECDH-ES', 'A128GCM');
    const opened = await openJwe(jwe, provider, 'private');
    assert.equal(opened.nested, false);
    assert.deepEqual(opened.nested ? undefined : [opened.claims, opened.shared], [{ sub: 'x' }, false]);
  });

  test('claims sealed with a shared secret open with it, marked as shared', async () => {
    const jwe = await sealJwe('{"sub":"y"}', false, provider, 'shared', 'A256KW', 'A256CBC-HS512');
    const opened = await openJwe(jwe, provider, 'shared');
    assert.ok(!opened.nested && opened.shared && opened.claims.sub === 'y');
  });

  test("the secret decides the algorithms: a shared algorithm never gets a private key's bytes", async () => {
    const pem = Buffer.from(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const confused = await new CompactEncrypt(new TextEncoder().encode('{}'))
      .setProtectedHeader({ alg: 'A256GCMKW', enc: 'A256GCM' })
      .encrypt(pem.subarray(0, 32));
    await assert.rejects(openJwe(confused, provider, 'private'), JweRefused);
    const toPublic = await sealJwe('{}', false, provider, 'public', 'ECDH-ES', 'A256GCM');
    await assert.rejects(openJwe(toPublic, provider, 'shared'), JweRefused);
  });

  test('what is inside must be a signed JWT or a claims set; a missing key is the caller’s error', async () => {
    const text = await sealJwe('not json', false, provider, 'shared', 'dir', 'A256GCM');
    await assert.rejects(openJwe(text, provider, 'shared'), /neither a signed JWT nor a claims set/);
    await assert.rejects(openJwe(text, provider, 'absent'), { code: 'TG_SECRET_NOT_FOUND' });
    await assert.rejects(sealJwe('{}', false, provider, 'shared', 'RSA-OAEP', 'A256GCM'), {
      code: 'TG_SECRET_NOT_A_KEY',
    });
  });
});
