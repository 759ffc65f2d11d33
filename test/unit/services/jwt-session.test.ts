import assert from 'node:assert/strict';
import { createSecretKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { compactDecrypt, compactVerify } from 'jose';
import type { SessionManager } from '../../../src/http/session-manager.js';
import { sealSession } from '../../../src/services/jwt-session-codec.js';
import { cookiePair, sessionRoundTrip } from '../../fixtures/session.js';
import { FILE, harness, type Harness } from '../filters/harness.js';

const AES_KEY = randomBytes(32);
const HMAC_KEY = randomBytes(32);
const store = (secrets: Record<string, Buffer>): Record<string, unknown> => ({
  name: 'Keys',
  type: 'Base64EncodedSecretStore',
  config: {
    secrets: Object.fromEntries(Object.entries(secrets).map(([id, key]) => [id, key.toString('base64')])),
  },
});

function manager(
  config: Record<string, unknown>,
  h: Harness = harness(),
  heap: unknown[] = [],
): SessionManager {
  return h.build<SessionManager>([...heap, { name: 'S', type: 'JwtSession', config }], 'S', 'SessionManager');
}

const symmetric = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  authenticatedEncryptedSecretId: 'session.key',
  secretsProvider: 'Keys',
  ...extra,
});

function withKeys(config: Record<string, unknown>, h: Harness = harness()): SessionManager {
  return manager(config, h, [store({ 'session.key': AES_KEY, 'session.hmac': HMAC_KEY })]);
}

function request(h: Harness, cookie?: string) {
  return h.incoming({ headers: cookie === undefined ? {} : { cookie } });
}

describe('JwtSession', () => {
  test('a written session is a JWE cookie another manager with the same key reads back', async () => {
    const h = harness();
    const [cookie] = await sessionRoundTrip(withKeys(symmetric(), h), request(h), (s) => {
      s.set('user', 'alice');
      s.set('roles', ['a', 'b']);
    });
    assert.match(cookie!, /^openig-jwt-session=[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+; Path=\/; HttpOnly$/);
    const other = withKeys(symmetric());
    await sessionRoundTrip(other, request(h, cookiePair(cookie)), (s) => {
      assert.equal(s.get('user'), 'alice');
      assert.deepEqual(s.get('roles'), ['a', 'b']);
      assert.deepEqual(s.keys(), ['user', 'roles'], 'the expiry claim is not a session value');
    });
  });

  test('jose opens the cookie: dir + A256GCM, the values and the expiry as claims', async () => {
    const h = harness();
    const before = Date.now();
    const [cookie] = await sessionRoundTrip(withKeys(symmetric(), h), request(h), (s) =>
      s.set('user', 'alice'),
    );
    const token = cookiePair(cookie).slice('openig-jwt-session='.length);
    const { plaintext, protectedHeader } = await compactDecrypt(token, createSecretKey(AES_KEY));
    assert.deepEqual(protectedHeader, { alg: 'dir', enc: 'A256GCM' });
    const claims = JSON.parse(new TextDecoder().decode(plaintext)) as Record<string, unknown>;
    assert.equal(claims.user, 'alice');
    assert.ok((claims._ig_exp as number) >= before + 30 * 60_000, 'sessionTimeout defaults to 30 minutes');
  });

  test('with a signing key the cookie holds an HS256 JWT, signed then encrypted', async () => {
    const h = harness();
    const config = symmetric({ signatureSecretId: 'session.hmac', encryptionMethod: 'A256CBC-HS512' });
    const heap = [store({ 'session.key': randomBytes(64), 'session.hmac': HMAC_KEY })];
    const written = manager(config, h, heap);
    const [cookie] = await sessionRoundTrip(written, request(h), (s) => s.set('user', 'alice'));
    await sessionRoundTrip(written, request(h, cookiePair(cookie)), (s) =>
      assert.equal(s.get('user'), 'alice'),
    );
    const token = cookiePair(cookie).slice('openig-jwt-session='.length);
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as unknown;
    assert.deepEqual(header, { alg: 'dir', enc: 'A256CBC-HS512', cty: 'JWT' });
  });

  test('the JWS inside verifies with the HMAC key, as jose reads it', async () => {
    const h = harness();
    const aes = randomBytes(32);
    const config = symmetric({ signatureSecretId: 'session.hmac' });
    const written = manager(config, h, [store({ 'session.key': aes, 'session.hmac': HMAC_KEY })]);
    const [cookie] = await sessionRoundTrip(written, request(h), (s) => s.set('n', 1));
    const { plaintext } = await compactDecrypt(cookiePair(cookie).split('=')[1]!, createSecretKey(aes));
    const { payload, protectedHeader } = await compactVerify(
      new TextDecoder().decode(plaintext),
      createSecretKey(HMAC_KEY),
    );
    assert.equal(protectedHeader.alg, 'HS256');
    assert.equal((JSON.parse(new TextDecoder().decode(payload)) as { n: number }).n, 1);
  });

  test('sharedSecret (base64, OpenIG) signs the JWT', async () => {
    const h = harness();
    const written = withKeys(symmetric({ sharedSecret: HMAC_KEY.toString('base64') }), h);
    const [cookie] = await sessionRoundTrip(written, request(h), (s) => s.set('user', 'alice'));
    await sessionRoundTrip(
      withKeys(symmetric({ sharedSecret: HMAC_KEY.toString('base64') })),
      request(h, cookiePair(cookie)),
      (s) => assert.equal(s.get('user'), 'alice'),
    );
    await sessionRoundTrip(
      withKeys(symmetric({ sharedSecret: randomBytes(32).toString('base64') })),
      request(h, cookiePair(cookie)),
      (s) => assert.equal(s.size, 0, 'another signing key does not verify it'),
    );
  });

  test('an RSA key pair from encryptionSecretId: RSA-OAEP-256', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const h = harness({ env: { SESSION_RSA: pem } });
    const written = manager({ encryptionSecretId: 'session.rsa', secretsProvider: 'Env' }, h, [
      { name: 'Env', type: 'SystemAndEnvSecretStore', config: { format: 'PLAIN' } },
    ]);
    const [cookie] = await sessionRoundTrip(written, request(h), (s) => s.set('user', 'alice'));
    const token = cookiePair(cookie).split('=')[1]!;
    const { protectedHeader } = await compactDecrypt(token, privateKey);
    assert.equal(protectedHeader.alg, 'RSA-OAEP-256');
    await sessionRoundTrip(written, request(h, cookiePair(cookie)), (s) =>
      assert.equal(s.get('user'), 'alice'),
    );
  });

  test('a tampered cookie, or one sealed with another key, is an empty session (logged at debug) and is removed', async () => {
    const h = harness();
    const written = withKeys(symmetric(), h);
    const [cookie] = await sessionRoundTrip(written, request(h), (s) => s.set('user', 'alice'));
    const pair = cookiePair(cookie);
    const parts = pair.split('.');
    const ciphertext = Buffer.from(parts[3]!, 'base64url');
    ciphertext[0]! ^= 1;
    parts[3] = ciphertext.toString('base64url');
    const tampered = parts.join('.');
    const foreign = `openig-jwt-session=${await sealSession(
      { user: 'mallory', _ig_exp: Date.now() + 60_000 },
      {
        enc: 'A256GCM',
        signing: undefined,
        encryption: { alg: 'dir', key: createSecretKey(randomBytes(32)) },
      },
    )}`;
    for (const bad of [tampered, foreign, 'openig-jwt-session=garbage']) {
      const set = await sessionRoundTrip(written, request(h, bad), (s) => assert.equal(s.size, 0, bad));
      assert.deepEqual(set, [
        'openig-jwt-session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly',
      ]);
    }
    const unreadable = h.logs.filter((line) => line.code === 'TG_SESSION_UNREADABLE');
    assert.equal(unreadable.length, 3);
    assert.ok(
      unreadable.every((line) => line.level === 20),
      'debug',
    );
    assert.ok(
      !h.raw.some((line) => line.includes(parts[3]!.slice(0, 20))),
      'the cookie itself is not logged',
    );
  });

  test('an expired session is empty; skewAllowance extends its life', async () => {
    const keys = {
      enc: 'A256GCM' as const,
      signing: undefined,
      encryption: { alg: 'dir' as const, key: createSecretKey(AES_KEY) },
    };
    const expired = `openig-jwt-session=${await sealSession({ user: 'alice', _ig_exp: Date.now() - 60_000 }, keys)}`;
    const h = harness();
    await sessionRoundTrip(withKeys(symmetric(), h), request(h, expired), (s) => assert.equal(s.size, 0));
    assert.ok(h.logs.some((line) => line.code === 'TG_SESSION_UNREADABLE' && line.reason === 'expired'));
    await sessionRoundTrip(withKeys(symmetric({ skewAllowance: '2 minutes' })), request(h, expired), (s) =>
      assert.equal(s.get('user'), 'alice'),
    );
  });

  test('a session read but not changed sets no cookie; one never touched is not even opened', async () => {
    const h = harness();
    const written = withKeys(symmetric(), h);
    const [cookie] = await sessionRoundTrip(written, request(h), (s) => s.set('user', { name: 'alice' }));
    assert.deepEqual(
      await sessionRoundTrip(written, request(h, cookiePair(cookie)), (s) => s.get('user')),
      [],
    );
    assert.deepEqual(await sessionRoundTrip(written, request(h, cookiePair(cookie)), () => {}), []);
    const changedInside = await sessionRoundTrip(written, request(h, cookiePair(cookie)), (s) => {
      (s.get('user') as { name: string }).name = 'bob';
    });
    assert.equal(changedInside.length, 1, 'a change inside a value is a change');
  });

  test('a later save keeps the expiry of the first', async () => {
    const h = harness();
    const written = withKeys(symmetric(), h);
    const [first] = await sessionRoundTrip(written, request(h), (s) => s.set('n', 1));
    const [second] = await sessionRoundTrip(written, request(h, cookiePair(first)), (s) => s.set('n', 2));
    const expiry = async (cookie: string | undefined): Promise<unknown> => {
      const { plaintext } = await compactDecrypt(cookiePair(cookie).split('=')[1]!, createSecretKey(AES_KEY));
      return (JSON.parse(new TextDecoder().decode(plaintext)) as { _ig_exp: unknown })._ig_exp;
    };
    assert.equal(await expiry(second), await expiry(first));
  });

  test('cookie settings, OpenIG’s cookieName, and persistentCookie’s expiry', async () => {
    const h = harness();
    const written = withKeys(
      symmetric({
        cookieName: 'old-name',
        cookie: { path: '/app', domain: 'example.com', secure: true, httpOnly: false, sameSite: 'LAX' },
        persistentCookie: true,
        sessionTimeout: '1 hour',
      }),
      h,
    );
    const [cookie] = await sessionRoundTrip(written, request(h), (s) => s.set('n', 1));
    assert.match(
      cookie!,
      /^old-name=[\w.-]+; Path=\/app; Domain=example\.com; Expires=[^;]+ GMT; Max-Age=3[56]\d\d; Secure; SameSite=Lax$/,
    );
  });

  test('a cookie over 4096 bytes is not set: a coded warning instead', async () => {
    const h = harness();
    const set = await sessionRoundTrip(withKeys(symmetric(), h), request(h), (s) =>
      s.set('big', 'x'.repeat(4000)),
    );
    assert.deepEqual(set, []);
    const warning = h.logs.find((line) => line.code === 'TG_SESSION_TOO_LARGE');
    assert.equal(warning?.level, 40);
    assert.ok((warning?.bytes as number) > 4096);
  });

  test('only JSON values are kept: a host object is refused with a warning', async () => {
    const h = harness();
    const exchange = request(h);
    const set = await sessionRoundTrip(withKeys(symmetric(), h), exchange, (s) => {
      assert.equal(s.set('request', exchange.request), false);
      assert.equal(s.set('ok', { a: [1, 'b', null] }), true);
    });
    assert.equal(set.length, 1);
    assert.ok(h.logs.some((line) => line.code === 'TG_SESSION_NOT_JSON' && line.name === 'request'));
  });

  test('without keys a temporary one is used, with a warning', async () => {
    const h = harness();
    const written = manager({}, h);
    assert.ok(h.logs.some((line) => line.code === 'TG_SESSION_TEMPORARY_KEY' && line.level === 40));
    const [cookie] = await sessionRoundTrip(written, request(h), (s) => s.set('n', 1));
    await sessionRoundTrip(written, request(h, cookiePair(cookie)), (s) => assert.equal(s.get('n'), 1));
    await sessionRoundTrip(manager({}), request(h, cookiePair(cookie)), (s) => assert.equal(s.size, 0));
  });

  test('a key of the wrong length is logged with its code, and the session is not saved', async () => {
    const h = harness();
    const written = manager(symmetric(), h, [store({ 'session.key': randomBytes(16) })]);
    assert.deepEqual(await sessionRoundTrip(written, request(h), (s) => s.set('n', 1)), []);
    assert.ok(h.logs.some((line) => line.code === 'TG_SECRET_NOT_A_KEY' && line.level === 50));
  });

  test('keys a store cannot give are logged with the code; the session is empty and the cookie kept', async () => {
    const h = harness();
    const [cookie] = await sessionRoundTrip(withKeys(symmetric(), h), request(h), (s) => s.set('n', 1));
    const missing = manager(symmetric({ authenticatedEncryptedSecretId: 'no.such.key' }), h, [store({})]);
    const set = await sessionRoundTrip(missing, request(h, cookiePair(cookie)), (s) =>
      assert.equal(s.size, 0),
    );
    assert.deepEqual(set, [], 'a store that fails is no reason to remove a good cookie');
    assert.ok(h.logs.some((line) => line.code === 'TG_SECRET_NOT_FOUND' && line.level === 50));
  });

  test('configuration errors, each with its place', () => {
    const h = harness();
    const errorsOf = (config: unknown): string[] =>
      h.errorsOf([store({ k: AES_KEY }), { name: 'S', type: 'JwtSession', config }]);
    const at = (pointer: string): string => `${FILE}#/heap/1/config/${pointer}`;
    assert.deepEqual(errorsOf({ keystore: 'KeyStore', alias: 'a', password: 'p' }), [
      `TG_CONFIG_JWT_SESSION_KEYSTORE ${at('keystore')}`,
      `TG_CONFIG_JWT_SESSION_KEYSTORE ${at('alias')}`,
      `TG_CONFIG_JWT_SESSION_KEYSTORE ${at('password')}`,
    ]);
    assert.deepEqual(errorsOf({ authenticatedEncryptedSecretId: 'k' }), [
      `TG_CONFIG_MISSING_PROPERTY ${at('secretsProvider')}`,
    ]);
    assert.deepEqual(errorsOf({ sharedSecret: Buffer.alloc(16).toString('base64') }), [
      `TG_CONFIG_BAD_VALUE ${at('sharedSecret')}`,
    ]);
    assert.deepEqual(errorsOf({ sharedSecret: 'not base64!' }), [
      `TG_SECRET_BAD_FORMAT ${at('sharedSecret')}`,
    ]);
    assert.deepEqual(errorsOf({ encryptionMethod: 'A256KW' }), [
      `TG_CONFIG_BAD_VALUE ${at('encryptionMethod')}`,
    ]);
    assert.deepEqual(errorsOf({ sessionTimeout: 0 }), [`TG_CONFIG_BAD_VALUE ${at('sessionTimeout')}`]);
    assert.deepEqual(
      errorsOf({ authenticatedEncryptedSecretId: 'k', encryptionSecretId: 'r', secretsProvider: 'Keys' }),
      [`TG_CONFIG_BAD_VALUE ${at('encryptionSecretId')}`],
    );
    assert.deepEqual(errorsOf({ cookieNmae: 'x' }), [`TG_CONFIG_UNKNOWN_PROPERTY ${at('cookieNmae')}`]);
  });

  test('JwtSessionManager (PingGateway 2024.11+) names the same type, with authenticatedEncryptionSecretId', async () => {
    const h = harness();
    const written = h.build<SessionManager>(
      [
        store({ 'session.key': AES_KEY }),
        {
          name: 'S',
          type: 'JwtSessionManager',
          config: { authenticatedEncryptionSecretId: 'session.key', secretsProvider: 'Keys' },
        },
      ],
      'S',
      'SessionManager',
    );
    const [cookie] = await sessionRoundTrip(written, request(h), (s) => s.set('n', 1));
    await sessionRoundTrip(withKeys(symmetric()), request(h, cookiePair(cookie)), (s) =>
      assert.equal(s.get('n'), 1),
    );
  });
});
