import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import {
  CompactEncrypt,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
} from 'jose';
import { TollgateError } from '../../../src/errors/tollgate-error.js';
import { Base64EncodedSecretStore } from '../../../src/secrets/base64-encoded-secret-store.js';
import { JwkSetSecretStore } from '../../../src/secrets/jwk-set-secret-store.js';
import type { SecretStore } from '../../../src/secrets/secret.js';
import { SecretsProvider } from '../../../src/secrets/secrets-provider.js';
import {
  StatelessAccessTokenResolver,
  type StatelessSettings,
} from '../../../src/services/stateless-access-token-resolver.js';
import { FILE, harness } from '../filters/harness.js';
import { testExchange } from '../../fixtures/exchange.js';

const ISSUER = 'http://as.test/oauth2';
const exchange = testExchange();
let signing: CryptoKey;
let other: CryptoKey;
let publicJwk: JWK;

before(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  signing = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  other = (await generateKeyPair('RS256')).privateKey;
});

function resolver(settings: Partial<StatelessSettings> = {}): StatelessAccessTokenResolver {
  return new StatelessAccessTokenResolver({
    issuer: ISSUER,
    secretsProvider: new SecretsProvider([new JwkSetSecretStore({ jwks: { keys: [publicJwk] } })]),
    verificationSecretId: 'unused',
    skewAllowanceMs: 0,
    audiences: [],
    ...settings,
  });
}

async function jwt(
  claims: Record<string, unknown>,
  options: { key?: CryptoKey; kid?: string; exp?: number; iss?: string } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'k1', typ: 'at+jwt' })
    .setIssuer(options.iss ?? ISSUER)
    .setSubject('demo')
    .setIssuedAt(now)
    .setExpirationTime(options.exp ?? now + 60)
    .sign(options.key ?? signing);
}

describe('StatelessAccessTokenResolver', () => {
  test('a signed, current token from the issuer is valid, with its claims', async () => {
    const token = await jwt({ scope: 'mail profile', aud: 'https://api' });
    const resolution = await resolver({ audiences: ['https://api'] }).resolve(token, exchange);
    assert.ok(resolution.valid);
    assert.deepEqual(resolution.token.scopes, ['mail', 'profile']);
    assert.equal(resolution.token.info.sub, 'demo');
    assert.equal(typeof resolution.token.expiresAt, 'number');
  });

  const invalid = async (token: Promise<string> | string, settings: Partial<StatelessSettings> = {}) => {
    const resolution = await resolver(settings).resolve(await token, exchange);
    assert.equal(resolution.valid, false);
    return resolution.valid ? '' : resolution.reason;
  };

  test('expired, wrong issuer, wrong audience, bad signature, unknown key and garbage are invalid', async () => {
    const past = Math.floor(Date.now() / 1000) - 10;
    assert.match(await invalid(jwt({}, { exp: past })), /expired/);
    assert.match(await invalid(jwt({}, { iss: 'http://evil.test' })), /"iss"/);
    assert.match(await invalid(jwt({ aud: 'https://other' }), { audiences: ['https://api'] }), /"aud"/);
    assert.match(await invalid(jwt({}, { key: other })), /signature/);
    assert.match(await invalid(jwt({}, { kid: 'nope' })), /unknown key/);
    assert.match(await invalid('opaque-token'), /not a valid signed JWT/);
  });

  test('a token whose algorithm does not fit the key (HS256 against an RSA key) is invalid', async () => {
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setExpirationTime(now + 60)
      .sign(new TextEncoder().encode('a shared secret of some length!!'));
    assert.match(await invalid(forged), /cannot be verified|not a valid signed JWT/);
  });

  test('the key verificationSecretId names comes first; a kid naming something else is no key', async () => {
    const byId = new JwkSetSecretStore({ jwks: { keys: [{ ...publicJwk, kid: 'as.key' }] } });
    const token = await jwt({}, { kid: 'whatever' });
    const first = await resolver({
      secretsProvider: new SecretsProvider([byId]),
      verificationSecretId: 'as.key',
    }).resolve(token, exchange);
    assert.equal(first.valid, true);

    const notAKey: SecretStore = {
      name: 'env',
      get: async () => null,
      getKey: async (id) => {
        throw new TollgateError('TG_SECRET_NOT_A_KEY', `secret '${id}' is not a PEM or JWK key`);
      },
    };
    const missing: SecretStore = { name: 'none', get: async () => null, getKey: async () => null };
    const chosen = await resolver({
      secretsProvider: new SecretsProvider([missing, notAKey]),
    })
      .resolve(token, exchange)
      .catch(() => undefined);
    // verificationSecretId ('unused') is looked up first, and that store's error is the gateway's.
    assert.equal(chosen, undefined);
    const byKid: SecretStore = {
      name: 'kid-only',
      get: async () => null,
      getKey: async (id) => {
        if (id === 'unused') return null;
        throw new TollgateError('TG_SECRET_NOT_A_KEY', 'no');
      },
    };
    const refused = await resolver({ secretsProvider: new SecretsProvider([byKid]) }).resolve(
      token,
      exchange,
    );
    assert.deepEqual(refused, { valid: false, reason: 'the token is signed with an unknown key' });
  });

  test('skewAllowance accepts a token that expired within it', async () => {
    const past = Math.floor(Date.now() / 1000) - 10;
    const resolution = await resolver({ skewAllowanceMs: 60_000 }).resolve(
      await jwt({}, { exp: past }),
      exchange,
    );
    assert.equal(resolution.valid, true);
  });

  test('configuration: issuer and secretsProvider required, and a verification or decryption key', () => {
    const errorsOf = (config: Record<string, unknown>): string[] =>
      harness().errorsOf([
        { name: 'r', type: 'StatelessAccessTokenResolver', config },
        { name: 'Env', type: 'SystemAndEnvSecretStore' },
      ]);
    assert.deepEqual(errorsOf({ secretsProvider: 'Env', verificationSecretId: 'k' }), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/issuer`,
    ]);
    assert.deepEqual(errorsOf({ issuer: ISSUER, secretsProvider: 'Env' }), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/verificationSecretId`,
    ]);
    assert.deepEqual(errorsOf({ issuer: ISSUER, secretsProvider: 'Env', decryptionSecretId: 'k' }), []);
    assert.deepEqual(errorsOf({ issuer: ISSUER, secretsProvider: 'Env', verificationSecretId: 'k' }), []);
  });

  describe('encrypted tokens (decryptionSecretId)', () => {
    const sharedSecret = Buffer.alloc(32, 7);
    let recipient: CryptoKey;
    let recipientPublic: CryptoKey;

    before(async () => {
      const pair = await generateKeyPair('RSA-OAEP-256', { extractable: true });
      recipient = pair.privateKey;
      recipientPublic = pair.publicKey;
    });

    const withKeys = async (): Promise<SecretsProvider> => {
      const pem = await exportPKCS8(recipient);
      return new SecretsProvider([
        new JwkSetSecretStore({ jwks: { keys: [publicJwk] } }),
        new Base64EncodedSecretStore({
          secrets: {
            'gateway.private': Buffer.from(pem).toString('base64'),
            'shared.key': sharedSecret.toString('base64'),
          },
        }),
      ]);
    };

    const encrypted = (content: string, nested: boolean, alg: string, key: CryptoKey | Uint8Array) =>
      new CompactEncrypt(new TextEncoder().encode(content))
        .setProtectedHeader({ alg, enc: 'A256GCM', ...(nested ? { cty: 'JWT' } : {}) })
        .encrypt(key);

    const claims = (exp = Math.floor(Date.now() / 1000) + 60): string =>
      JSON.stringify({ iss: ISSUER, sub: 'demo', scope: 'mail', exp });

    test('signed then encrypted to the gateway: opened, then the signature and claims checked', async () => {
      const secretsProvider = await withKeys();
      const token = await encrypted(await jwt({ scope: 'mail' }), true, 'RSA-OAEP-256', recipientPublic);
      const resolution = await resolver({ secretsProvider, decryptionSecretId: 'gateway.private' }).resolve(
        token,
        exchange,
      );
      assert.ok(resolution.valid);
      assert.deepEqual(resolution.token.scopes, ['mail']);
      const forged = await encrypted(await jwt({}, { key: other }), true, 'RSA-OAEP-256', recipientPublic);
      assert.match(
        await invalid(forged, { secretsProvider, decryptionSecretId: 'gateway.private' }),
        /signature/,
      );
      const expired = await encrypted(
        await jwt({}, { exp: Math.floor(Date.now() / 1000) - 10 }),
        true,
        'RSA-OAEP-256',
        recipientPublic,
      );
      assert.match(
        await invalid(expired, { secretsProvider, decryptionSecretId: 'gateway.private' }),
        /expired/,
      );
    });

    test('encrypted only: taken from a shared key, never from a public one anyone can encrypt to', async () => {
      const secretsProvider = await withKeys();
      const shared = await encrypted(claims(), false, 'dir', sharedSecret);
      const resolution = await resolver({ secretsProvider, decryptionSecretId: 'shared.key' }).resolve(
        shared,
        exchange,
      );
      assert.ok(resolution.valid);
      assert.equal(resolution.token.info.sub, 'demo');
      const expired = await encrypted(claims(Math.floor(Date.now() / 1000) - 10), false, 'dir', sharedSecret);
      assert.match(await invalid(expired, { secretsProvider, decryptionSecretId: 'shared.key' }), /expired/);
      const toPublic = await encrypted(claims(), false, 'RSA-OAEP-256', recipientPublic);
      assert.match(
        await invalid(toPublic, { secretsProvider, decryptionSecretId: 'gateway.private' }),
        /not signed is taken only from a shared key/,
      );
    });

    test('another key, a tampered token, or a shared algorithm against the private key: invalid', async () => {
      const secretsProvider = await withKeys();
      const settings = { secretsProvider, decryptionSecretId: 'gateway.private' };
      const otherPair = await generateKeyPair('RSA-OAEP-256');
      const toOther = await encrypted(await jwt({}), true, 'RSA-OAEP-256', otherPair.publicKey);
      assert.match(await invalid(toOther, settings), /does not decrypt/);
      const good = await encrypted(await jwt({}), true, 'RSA-OAEP-256', recipientPublic);
      const parts = good.split('.');
      parts[3] = parts[3]!.slice(0, -2) + (parts[3]!.endsWith('AA') ? 'BB' : 'AA');
      assert.match(await invalid(parts.join('.'), settings), /does not decrypt/);
      const dirWithPem = await encrypted(claims(), false, 'dir', sharedSecret);
      assert.match(await invalid(dirWithPem, settings), /does not decrypt/);
    });

    test('a decryption key no store holds is the resolver failing, never a pass', async () => {
      const token = await encrypted(claims(), false, 'dir', sharedSecret);
      await assert.rejects(
        resolver({ secretsProvider: await withKeys(), decryptionSecretId: 'missing' }).resolve(
          token,
          exchange,
        ),
        /TG_SECRET_NOT_FOUND/,
      );
    });
  });
});
