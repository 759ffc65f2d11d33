import assert from 'node:assert/strict';
import { createPublicKey, createSecretKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { CompactEncrypt, CompactSign } from 'jose';
import {
  CONTENT_ENCRYPTIONS,
  isUnreadable,
  openSession,
  sealSession,
  type ContentEncryption,
  type SessionKeys,
} from '../../../src/services/jwt-session-codec.js';

const text = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

function dirKeys(enc: ContentEncryption, signing?: Buffer): SessionKeys & { raw: Buffer } {
  const raw = randomBytes(CONTENT_ENCRYPTIONS[enc]);
  return {
    raw,
    enc,
    signing: signing === undefined ? undefined : createSecretKey(signing),
    encryption: { alg: 'dir', key: createSecretKey(raw) },
  };
}

function refused(token: string, keys: SessionKeys): void {
  assert.throws(
    () => openSession(token, keys),
    (error) => isUnreadable(error),
  );
}

describe('the JwtSession codec', () => {
  for (const enc of Object.keys(CONTENT_ENCRYPTIONS) as ContentEncryption[]) {
    test(`opens what jose encrypts with dir + ${enc}, and the other way round`, async () => {
      const keys = dirKeys(enc);
      const byJose = await new CompactEncrypt(text({ user: 'alice' }))
        .setProtectedHeader({ alg: 'dir', enc })
        .encrypt(createSecretKey(keys.raw));
      assert.deepEqual(openSession(byJose, keys), { user: 'alice' });
      assert.deepEqual(openSession(await sealSession({ n: 1 }, keys), keys), { n: 1 });
    });
  }

  test('opens a JWS jose signed and encrypted (cty JWT), and refuses one signed with another key', async () => {
    const hmac = randomBytes(32);
    const keys = dirKeys('A256GCM', hmac);
    const seal = async (signingKey: Buffer): Promise<string> => {
      const jws = await new CompactSign(text({ user: 'alice' }))
        .setProtectedHeader({ alg: 'HS256' })
        .sign(createSecretKey(signingKey));
      return new CompactEncrypt(new TextEncoder().encode(jws))
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: 'JWT' })
        .encrypt(createSecretKey(keys.raw));
    };
    assert.deepEqual(openSession(await seal(hmac), keys), { user: 'alice' });
    refused(await seal(randomBytes(32)), keys);
  });

  test('opens RSA-OAEP-256 with the private key', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keys: SessionKeys = {
      enc: 'A256GCM',
      signing: undefined,
      encryption: { alg: 'RSA-OAEP-256', privateKey, publicKey: createPublicKey(privateKey) },
    };
    const byJose = await new CompactEncrypt(text({ n: 2 }))
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM' })
      .encrypt(createPublicKey(privateKey));
    assert.deepEqual(openSession(byJose, keys), { n: 2 });
  });

  test('refuses any header but the one it writes: another enc, a missing or extra cty', async () => {
    const keys = dirKeys('A256GCM');
    const key = createSecretKey(keys.raw);
    const withHeader = (header: Record<string, unknown>, payload = text({ n: 1 })): Promise<string> =>
      new CompactEncrypt(payload)
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', ...header } as { alg: string; enc: string })
        .encrypt(key);
    refused(await withHeader({ cty: 'JWT' }), keys);
    const other = dirKeys('A128GCM');
    refused(await sealSession({ n: 1 }, other), keys);
    const signedKeys = dirKeys('A256GCM', randomBytes(32));
    refused(
      await new CompactEncrypt(text({ n: 1 }))
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
        .encrypt(createSecretKey(signedKeys.raw)),
      signedKeys,
    );
  });

  test('refuses what is not a JWE of its key: garbage, a flipped bit in any part, claims that are not an object', async () => {
    const keys = dirKeys('A256CBC-HS512');
    const token = await sealSession({ n: 1 }, keys);
    for (const bad of ['', 'a.b.c', 'a.b.c.d.e', `${token}x`, token.replace(/^./, 'x')]) refused(bad, keys);
    const parts = token.split('.');
    for (const index of [0, 2, 3, 4]) {
      const bytes = Buffer.from(parts[index]!, 'base64url');
      bytes[bytes.length - 1]! ^= 1;
      const tampered = [...parts];
      tampered[index] = bytes.toString('base64url');
      refused(tampered.join('.'), keys);
    }
    const array = await new CompactEncrypt(text([1, 2]))
      .setProtectedHeader({ alg: 'dir', enc: 'A256CBC-HS512' })
      .encrypt(createSecretKey(keys.raw));
    refused(array, keys);
  });
});
