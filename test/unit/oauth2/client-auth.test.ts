import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, test } from 'node:test';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { TollgateError } from '../../../src/errors/tollgate-error.js';
import { Headers } from '../../../src/http/headers.js';
import {
  basicAuthorization,
  clientSecretBasic,
  clientSecretPost,
  defaultAssertionAlgorithm,
  noClientAuthentication,
  privateKeyJwt,
  signClientAssertion,
  type AssertionAlgorithm,
  type TokenEndpointRequest,
} from '../../../src/oauth2/client-auth.js';
import { JWT_BEARER_ASSERTION_TYPE } from '../../../src/oauth2/token-types.js';
import { Secret } from '../../../src/secrets/secret.js';

const ENDPOINT = 'https://as.example.com/oauth2/token';

function tokenRequest(): TokenEndpointRequest {
  return { endpoint: ENDPOINT, form: new URLSearchParams([['grant_type', 'x']]), headers: new Headers() };
}

function decodeBasic(header: string): string {
  assert.ok(header.startsWith('Basic '));
  return Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
}

describe('client_secret_basic (RFC 6749 §2.3.1)', () => {
  test('plain ids and secrets are unchanged by the form encoding', () => {
    assert.equal(
      basicAuthorization('s6BhdRkqt3', Secret.fromText('7Fjfp0ZBr1KtDRbnfVdmIw')),
      `Basic ${Buffer.from('s6BhdRkqt3:7Fjfp0ZBr1KtDRbnfVdmIw').toString('base64')}`,
    );
  });

  const cases: [clientId: string, secret: string, encoded: string][] = [
    ['my:client', 'pa:ss', 'my%3Aclient:pa%3Ass'],
    ['client id', 'se cret', 'client+id:se+cret'],
    ['100%', '%41', '100%25:%2541'],
    ['cli\u00e9nt', 's\u00e9cr\u20acet', 'cli%C3%A9nt:s%C3%A9cr%E2%82%ACet'],
    ['a+b', 'c/d=e&f', 'a%2Bb:c%2Fd%3De%26f'],
    ['\u{1f600}', '~*-._', '%F0%9F%98%80:%7E*-._'],
  ];
  for (const [clientId, secret, encoded] of cases) {
    test(`${JSON.stringify(clientId)} / ${JSON.stringify(secret)} are form-encoded before base64`, () => {
      assert.equal(decodeBasic(basicAuthorization(clientId, Secret.fromText(secret))), encoded);
      const [id, pass] = encoded.split(':') as [string, string];
      const decode = (s: string): string => decodeURIComponent(s.replaceAll('+', ' '));
      assert.equal(decode(id), clientId);
      assert.equal(decode(pass), secret);
    });
  }

  test('the authenticator sets the Authorization header, reading the secret when needed', async () => {
    let reads = 0;
    const auth = clientSecretBasic('client', async () => {
      reads += 1;
      return Secret.fromText(`secret-${reads}`);
    });
    const first = tokenRequest();
    await auth.authenticate(first);
    const second = tokenRequest();
    await auth.authenticate(second);
    assert.equal(decodeBasic(first.headers.first('authorization')!), 'client:secret-1');
    assert.equal(decodeBasic(second.headers.first('authorization')!), 'client:secret-2');
    assert.equal(first.form.has('client_secret'), false);
    assert.equal(auth.method, 'client_secret_basic');
  });

  test('an empty client id is refused at construction', () => {
    assert.throws(() => clientSecretBasic('', Secret.fromText('s')), TollgateError);
  });
});

describe('client_secret_post', () => {
  test('adds client_id and client_secret to the form, once', async () => {
    const auth = clientSecretPost('my:client', Secret.fromText('s\u00e9cret &x'));
    const request = tokenRequest();
    request.form.set('client_id', 'stale');
    await auth.authenticate(request);
    assert.deepEqual(request.form.getAll('client_id'), ['my:client']);
    assert.deepEqual(request.form.getAll('client_secret'), ['s\u00e9cret &x']);
    assert.equal(request.form.get('grant_type'), 'x');
    assert.equal(request.headers.has('authorization'), false);
  });
});

describe('none', () => {
  test('sends only client_id', async () => {
    const request = tokenRequest();
    await noClientAuthentication('public-client').authenticate(request);
    assert.deepEqual([...request.form.keys()], ['grant_type', 'client_id']);
  });
});

describe('private_key_jwt (RFC 7523)', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keys: [
    AssertionAlgorithm,
    { privateKey: KeyObject; publicKey: KeyObject },
    'default' | 'configured',
  ][] = [
    ['RS256', rsa, 'default'],
    ['PS256', rsa, 'configured'],
    ['ES256', generateKeyPairSync('ec', { namedCurve: 'P-256' }), 'default'],
    ['ES384', generateKeyPairSync('ec', { namedCurve: 'P-384' }), 'default'],
    ['EdDSA', generateKeyPairSync('ed25519'), 'default'],
  ];

  for (const [algorithm, { privateKey, publicKey }, choice] of keys) {
    test(`${algorithm} (${choice}): a verifiable assertion with iss = sub = client_id, aud, iat, short exp, jti`, async () => {
      const now = 1_700_000_000_000;
      const auth = privateKeyJwt({
        clientId: 'gateway',
        signingKey: { key: privateKey, kid: 'key-1' },
        now: () => now,
        ...(choice === 'configured' ? { algorithm } : {}),
      });
      const request = tokenRequest();
      await auth.authenticate(request);
      assert.equal(request.form.get('client_id'), 'gateway');
      assert.equal(request.form.get('client_assertion_type'), JWT_BEARER_ASSERTION_TYPE);
      const assertion = request.form.get('client_assertion')!;
      const { payload, protectedHeader } = await jwtVerify(assertion, publicKey, {
        issuer: 'gateway',
        subject: 'gateway',
        audience: ENDPOINT,
        algorithms: [algorithm],
        currentDate: new Date(now + 1_000),
      });
      assert.equal(protectedHeader.alg, algorithm);
      assert.equal(protectedHeader.kid, 'key-1');
      assert.equal(payload.iat, now / 1000);
      assert.equal(payload.exp, now / 1000 + 60);
      assert.match(String(payload.jti), /^[0-9a-f-]{36}$/);
      if (choice === 'default') assert.equal(defaultAssertionAlgorithm(privateKey), algorithm);
    });
  }

  test('the kid follows the key a rotating source gives, per assertion', async () => {
    const old = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const current = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    let signingKey = { key: old.privateKey, kid: 'old' };
    const auth = privateKeyJwt({ clientId: 'gateway', signingKey: async () => signingKey });
    const kidOf = async (): Promise<unknown> => {
      const request = tokenRequest();
      await auth.authenticate(request);
      return decodeProtectedHeader(request.form.get('client_assertion')!).kid;
    };
    assert.equal(await kidOf(), 'old');
    signingKey = { key: current.privateKey, kid: 'current' };
    assert.equal(await kidOf(), 'current');
  });

  test('two assertions carry different jti', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const options = { clientId: 'gateway', signingKey: { key: privateKey, kid: undefined } };
    const jti = async (): Promise<unknown> => {
      const jwt = await signClientAssertion(options, ENDPOINT);
      return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()).jti;
    };
    const [a, b] = await Promise.all([jti(), jti()]);
    assert.notEqual(a, b);
  });

  test('configured audience, lifetime and extra claims; no kid header when the key has none', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const auth = privateKeyJwt({
      clientId: 'gateway',
      signingKey: async () => ({ key: privateKey, kid: undefined }),
      audience: 'https://as.example.com',
      lifetimeSeconds: 30,
      claims: { tenant: 't1' },
    });
    const request = tokenRequest();
    await auth.authenticate(request);
    const assertion = request.form.get('client_assertion')!;
    assert.equal(decodeProtectedHeader(assertion).kid, undefined);
    const { payload } = await jwtVerify(assertion, publicKey, { audience: 'https://as.example.com' });
    assert.equal(payload.exp! - payload.iat!, 30);
    assert.equal(payload.tenant, 't1');
  });

  test('an algorithm that does not fit the key is TG_OAUTH2_CLIENT_AUTH', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const auth = privateKeyJwt({
      clientId: 'gateway',
      signingKey: { key: privateKey, kid: undefined },
      algorithm: 'RS256',
    });
    await assert.rejects(
      auth.authenticate(tokenRequest()),
      (error: unknown) => error instanceof TollgateError && error.code === 'TG_OAUTH2_CLIENT_AUTH',
    );
  });

  test('a public key cannot sign', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await assert.rejects(
      privateKeyJwt({ clientId: 'gateway', signingKey: { key: publicKey, kid: undefined } }).authenticate(
        tokenRequest(),
      ),
      TollgateError,
    );
  });

  test('bad options are refused at construction', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const bad = [
      { algorithm: 'HS256' as AssertionAlgorithm },
      { lifetimeSeconds: 0 },
      { lifetimeSeconds: 1.5 },
      { claims: { iss: 'someone-else' } },
      { claims: { jti: 'fixed' } },
      { clientId: '' },
    ];
    for (const options of bad) {
      assert.throws(
        () =>
          privateKeyJwt({ clientId: 'gateway', signingKey: { key: privateKey, kid: undefined }, ...options }),
        (error: unknown) => error instanceof TollgateError && error.code === 'TG_OAUTH2_CLIENT_AUTH',
      );
    }
  });

  test('keys of other types have no default algorithm', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    assert.throws(() => defaultAssertionAlgorithm(privateKey), TollgateError);
  });
});
