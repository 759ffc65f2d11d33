import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, test } from 'node:test';
import { CompactEncrypt, SignJWT, UnsecuredJWT } from 'jose';
import type { Filter } from '../../../src/heap/types.js';
import { FILE, harness, recordingNext, run } from './harness.js';

const TYPE = 'JwtValidationFilter';
const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const recipient = generateKeyPairSync('rsa', { modulusLength: 2048 });
const env = {
  VERIFY_KEY: b64(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
  DECRYPT_KEY: b64(recipient.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
};
const verified = {
  jwt: "${request.headers['X-Jwt'][0]}",
  verificationSecretId: 'verify.key',
  secretsProvider: { type: 'SystemAndEnvSecretStore' },
};
const now = (): number => Math.floor(Date.now() / 1000);

function signed(claims: Record<string, unknown>, key = privateKey): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT' }).sign(key);
}

async function validate(config: Record<string, unknown>, jwt: string | undefined) {
  const h = harness({ env });
  const filter = h.build<Filter>([{ name: 'f', type: TYPE, config }], 'f', 'Filter');
  const exchange = h.incoming({ method: 'GET', headers: jwt === undefined ? {} : { 'X-Jwt': jwt } });
  const next = recordingNext();
  const { response, body } = await run(filter, exchange, next);
  return { response, body, exchange, reached: next.calls.length === 1 };
}

describe('JwtValidationFilter', () => {
  test('a JWT signed by the verification key goes on, its claims in contexts.jwtValidation', async () => {
    const token = await signed({ sub: 'alice', exp: now() + 60 });
    const { response, exchange, reached } = await validate(verified, token);
    assert.equal(response.status, 200);
    assert.ok(reached);
    const context = exchange.contexts.jwtValidation as Record<string, Record<string, unknown>>;
    assert.equal(context.value, token);
    assert.equal(context.claims!.sub, 'alice');
    assert.equal(context.info!.sub, 'alice');
    assert.deepEqual((context.jwt as { header: unknown }).header, { alg: 'RS256', typ: 'JWT' });
    assert.equal(exchange.contexts.jwtValidationError, undefined);
  });

  test('a JWT signed by another key, an unsigned one, and garbage get 403 and their violations', async () => {
    const cases = [
      [await signed({ sub: 'alice' }, other.privateKey), /signature/],
      [new UnsecuredJWT({ sub: 'alice' }).encode(), /not signed/],
      ['not.a.jwt', /not a JWT/],
    ] as const;
    for (const [token, reason] of cases) {
      const { response, exchange, reached } = await validate(verified, token);
      assert.equal(response.status, 403, token);
      assert.ok(!reached);
      const error = exchange.contexts.jwtValidationError as {
        jwt: string;
        violations: { description: string }[];
      };
      assert.equal(error.jwt, token);
      assert.match(error.violations[0]!.description, reason);
      assert.equal(exchange.contexts.jwtValidation, undefined);
    }
  });

  test('no JWT at all is refused', async () => {
    const { response, exchange } = await validate(verified, undefined);
    assert.equal(response.status, 403);
    assert.match(
      (exchange.contexts.jwtValidationError as { violations: { description: string }[] }).violations[0]!
        .description,
      /gave no JWT/,
    );
  });

  test('exp and nbf are checked, widened by skewAllowance', async () => {
    const expired = await signed({ exp: now() - 30 });
    const early = await signed({ nbf: now() + 30 });
    assert.equal((await validate(verified, expired)).response.status, 403);
    assert.equal((await validate(verified, early)).response.status, 403);
    const lenient = { ...verified, skewAllowance: '1 minute' };
    assert.equal((await validate(lenient, expired)).response.status, 200);
    assert.equal((await validate(lenient, early)).response.status, 200);
  });

  test('without verificationSecretId the signature is not checked, as in PingGateway', async () => {
    const config = { jwt: "${request.headers['X-Jwt'][0]}" };
    assert.equal((await validate(config, new UnsecuredJWT({ sub: 'a' }).encode())).response.status, 200);
    assert.equal((await validate(config, await signed({}, other.privateKey))).response.status, 200);
    assert.equal(
      (await validate(config, new UnsecuredJWT({ exp: now() - 5 }).encode())).response.status,
      403,
    );
  });

  test('a failureHandler answers instead of the 403 and sees the violations', async () => {
    const config = {
      ...verified,
      failureHandler: {
        type: 'StaticResponseHandler',
        config: { status: 401, entity: '${contexts.jwtValidationError.violations[0].description}' },
      },
    };
    const { response, body } = await validate(config, 'x.y.z');
    assert.equal(response.status, 401);
    assert.match(body, /not a JWT/);
  });

  test('a verification key no store holds refuses the token without a 500', async () => {
    const { response, exchange } = await validate(
      { ...verified, verificationSecretId: 'absent.key' },
      await signed({}),
    );
    assert.equal(response.status, 403);
    const error = exchange.contexts.jwtValidationError as { violations: { description: string }[] };
    assert.match(error.violations[0]!.description, /verification key cannot be read/);
  });

  describe('encrypted JWTs (decryptionSecretId)', () => {
    const decrypting = { ...verified, decryptionSecretId: 'decrypt.key' };
    const sealed = (
      content: string,
      nested: boolean,
      alg = 'RSA-OAEP-256',
      key: KeyObject | Uint8Array = recipient.publicKey,
    ) =>
      new CompactEncrypt(new TextEncoder().encode(content))
        .setProtectedHeader({ alg, enc: 'A256GCM', ...(nested ? { cty: 'JWT' } : {}) })
        .encrypt(key);

    test('signed then encrypted: opened, verified, its claims in contexts.jwtValidation', async () => {
      const token = await sealed(await signed({ sub: 'alice', exp: now() + 60 }), true);
      const { response, exchange, reached } = await validate(decrypting, token);
      assert.equal(response.status, 200);
      assert.ok(reached);
      const context = exchange.contexts.jwtValidation as Record<string, Record<string, unknown>>;
      assert.equal(context.value, token);
      assert.equal(context.claims!.sub, 'alice');
    });

    test('a forged signature inside, another recipient, or only encrypted with a verification key: refused', async () => {
      const descriptions: string[] = [];
      for (const token of [
        await sealed(await signed({ sub: 'alice' }, other.privateKey), true),
        await sealed(await signed({ sub: 'alice' }), true, 'RSA-OAEP-256', other.publicKey),
        await sealed(JSON.stringify({ sub: 'alice' }), false),
      ]) {
        const { response, exchange, reached } = await validate(decrypting, token);
        assert.equal(response.status, 403);
        assert.equal(reached, false);
        const error = exchange.contexts.jwtValidationError as { violations: { description: string }[] };
        descriptions.push(error.violations[0]!.description);
      }
      assert.deepEqual(descriptions, [
        'the signature is not valid for the verification key',
        'the token does not decrypt with the decryption key',
        'the JWT is not signed',
      ]);
    });

    test('without a verification key, a JWT only encrypted is read as an unsigned one would be', async () => {
      const { verificationSecretId: _, ...decryptOnly } = decrypting;
      const { response, exchange } = await validate(
        decryptOnly,
        await sealed(JSON.stringify({ sub: 'bob', exp: now() - 10 }), false),
      );
      assert.equal(response.status, 403);
      const error = exchange.contexts.jwtValidationError as { violations: { description: string }[] };
      assert.equal(error.violations[0]!.description, 'the JWT has expired (exp)');
    });
  });

  test('config errors carry a code and a pointer', () => {
    const errorsOf = (config: Record<string, unknown>): string[] =>
      harness().errorsOf([{ name: 'f', type: TYPE, config }]);
    assert.deepEqual(errorsOf({}), [`TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/jwt`]);
    assert.deepEqual(errorsOf({ jwt: 'x', verificationSecretId: 'k' }), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/secretsProvider`,
    ]);
    assert.deepEqual(errorsOf({ jwt: 'x', decryptionSecretId: 'k' }), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/secretsProvider`,
    ]);
    assert.deepEqual(errorsOf({ ...verified, customizer: 'C' }), [
      `TG_CONFIG_JWT_CUSTOMIZER ${FILE}#/heap/0/config/customizer`,
    ]);
    assert.deepEqual(errorsOf({ ...verified, skewAllowance: 'soon' }), [
      `TG_CONFIG_BAD_DURATION ${FILE}#/heap/0/config/skewAllowance`,
    ]);
  });
});
