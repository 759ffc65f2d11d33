import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import type { Filter, Handler } from '../../../src/heap/types.js';
import { FILE, harness, json, run } from './harness.js';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** A Chain "chain" of one client authentication filter in front of the Stub. */
function chainHeap(type: string, config: Record<string, unknown>, extra: unknown[] = []): unknown[] {
  return [
    ...extra,
    { name: 'chain', type: 'Chain', config: { handler: 'Stub', filters: [{ type, config }] } },
    { name: 'Stub', type: 'Stub' },
  ];
}

/** Sends a token request through the chain; the filter under test is the chain's only filter. */
async function through(
  h: ReturnType<typeof harness>,
  heap: unknown[],
  body = 'grant_type=client_credentials',
) {
  const chain = h.build<Handler>(heap, 'chain', 'Handler');
  const exchange = h.incoming({
    url: 'http://as.test/token',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body,
  });
  const passThrough: Filter = { filter: (ex) => chain.handle(ex) };
  return run(passThrough, exchange);
}

describe('ClientSecretBasic / ClientSecretPost', () => {
  const config = {
    clientId: 'svc',
    clientSecretId: 'client.secret.id',
    secretsProvider: { type: 'SystemAndEnvSecretStore' },
  };

  test('secrets are read per request: a rotated secret is used without a rebuild', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-secrets-'));
    try {
      await writeFile(join(dir, 'client.secret.id'), b64('one'));
      const h = harness({ configDirectory: dir });
      const heap = chainHeap('ClientSecretPostAuthenticationFilter', {
        ...config,
        secretsProvider: { type: 'FileSystemSecretStore', config: { directory: '.' } },
      });
      const chain = h.build<Handler>(heap, 'chain', 'Handler');
      const send = (): Promise<unknown> =>
        chain.handle(
          h.incoming({
            headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
            body: 'grant_type=x',
          }),
        );
      await send();
      await writeFile(join(dir, 'client.secret.id'), b64('two'));
      await send();
      assert.deepEqual(
        h.seen.map((seen) => seen.form.get('client_secret')),
        ['one', 'two'],
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('post keeps the other parameters and never duplicates client_id', async () => {
    const h = harness({ env: { CLIENT_SECRET_ID: b64('password') } });
    await through(
      h,
      chainHeap('ClientSecretPostAuthenticationFilter', config),
      'grant_type=x&client_id=svc&scope=a+b',
    );
    assert.deepEqual(
      [...h.seen[0]!.form],
      [
        ['grant_type', 'x'],
        ['client_id', 'svc'],
        ['scope', 'a b'],
        ['client_secret', 'password'],
      ],
    );
  });

  test('post refuses a body that is not a form', async () => {
    const h = harness({ env: { CLIENT_SECRET_ID: b64('password') } });
    const chain = h.build<Handler>(
      chainHeap('ClientSecretPostAuthenticationFilter', config),
      'chain',
      'Handler',
    );
    const exchange = h.incoming({ headers: { 'Content-Type': 'application/json' }, body: '{}' });
    await assert.rejects(chain.handle(exchange), { code: 'TG_OAUTH2_CLIENT_AUTH' });
    assert.equal(h.seen.length, 0);
  });

  test('a secret that no store holds: TG_SECRET_NOT_FOUND naming the id, not a value', async () => {
    const h = harness();
    const chain = h.build<Handler>(
      chainHeap('ClientSecretBasicAuthenticationFilter', config),
      'chain',
      'Handler',
    );
    await assert.rejects(chain.handle(h.incoming({ body: '' })), (error: Error) => {
      assert.equal((error as { code?: string }).code, 'TG_SECRET_NOT_FOUND');
      assert.match(error.message, /client\.secret\.id/);
      return true;
    });
  });

  test('config errors', () => {
    const h = harness();
    assert.deepEqual(
      h.errorsOf([{ name: 'f', type: 'ClientSecretPostAuthenticationFilter', config: { clientId: 'svc' } }]),
      [
        `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/clientSecretId`,
        `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/secretsProvider`,
      ],
    );
  });
});

describe('PrivateKeyJwtClientAuthenticationFilter', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const config = {
    clientId: 'jwtClient',
    tokenEndpoint: 'http://as.test/oauth2/access_token',
    secretsProvider: { type: 'SystemAndEnvSecretStore' },
    signingSecretId: 'signing.key',
  };

  test('adds a fresh RFC 7523 assertion signed with the key from the secrets provider', async () => {
    const h = harness({ env: { SIGNING_KEY: b64(pem) } });
    const heap = chainHeap('PrivateKeyJwtClientAuthenticationFilter', {
      ...config,
      jwtExpirationTimeout: '30 seconds',
      claims: { tenant: 'acme' },
    });
    await through(h, heap);
    await through(h, heap);
    const [first, second] = h.seen.map((seen) => seen.form);
    assert.equal(first!.get('client_id'), 'jwtClient');
    assert.equal(
      first!.get('client_assertion_type'),
      'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    );
    const assertion = first!.get('client_assertion')!;
    assert.equal(decodeProtectedHeader(assertion).alg, 'ES256', 'the algorithm follows the key');
    assert.equal(decodeProtectedHeader(assertion).kid, undefined, 'a PEM key has no kid to send');
    const { payload } = await jwtVerify(assertion, publicKey, {
      issuer: 'jwtClient',
      subject: 'jwtClient',
      audience: 'http://as.test/oauth2/access_token',
    });
    assert.equal(payload.exp! - payload.iat!, 30);
    assert.equal(payload.tenant, 'acme');
    const { payload: again } = await jwtVerify(second!.get('client_assertion')!, publicKey);
    assert.notEqual(again.jti, payload.jti, 'a new jti per assertion');
  });

  test("the key's kid is the assertion's kid: a JWK secret's, or a JWK Set's", async () => {
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'key-2026' };
    const fromEnv = harness({ env: { SIGNING_KEY: b64(JSON.stringify(jwk)) } });
    await through(fromEnv, chainHeap('PrivateKeyJwtClientAuthenticationFilter', config));
    const envAssertion = fromEnv.seen[0]!.form.get('client_assertion')!;
    assert.equal(decodeProtectedHeader(envAssertion).kid, 'key-2026');
    await jwtVerify(envAssertion, publicKey);

    const fromSet = harness({
      respond: (seen) => (seen.method === 'GET' ? json(200, { keys: [jwk] }) : json(200, {})),
    });
    await through(
      fromSet,
      chainHeap(
        'PrivateKeyJwtClientAuthenticationFilter',
        { ...config, secretsProvider: 'Keys', signingSecretId: 'key-2026' },
        [
          {
            name: 'Keys',
            type: 'JwkSetSecretStore',
            config: { jwkUrl: 'http://as.test/jwks', handler: 'Stub' },
          },
        ],
      ),
    );
    const setAssertion = fromSet.seen.find((seen) => seen.method === 'POST')!.form.get('client_assertion')!;
    assert.equal(decodeProtectedHeader(setAssertion).kid, 'key-2026');
  });

  test('config errors: a claim that would replace a registered one, a fractional lifetime, an unknown algorithm', () => {
    const h = harness();
    const errorsOf = (extra: Record<string, unknown>): string[] =>
      h.errorsOf([
        { name: 'f', type: 'PrivateKeyJwtClientAuthenticationFilter', config: { ...config, ...extra } },
      ]);
    assert.deepEqual(errorsOf({ claims: { aud: 'x' } }), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/claims`,
    ]);
    assert.deepEqual(errorsOf({ jwtExpirationTimeout: '1500 ms' }), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/jwtExpirationTimeout`,
    ]);
    assert.deepEqual(errorsOf({ signingAlgorithm: 'HS256' }), [
      `TG_CONFIG_SCHEMA ${FILE}#/heap/0/config/signingAlgorithm`,
    ]);
  });

  test('in a token exchange: a missing key fails the exchange with server_error', async () => {
    const h = harness({ respond: () => json(200, {}) });
    const filter = h.build<Filter>(
      [
        {
          name: 'x',
          type: 'OAuth2TokenExchangeFilter',
          config: {
            endpoint: 'http://as.test/oauth2/access_token',
            subjectToken: "${request.headers['X-Token'][0]}",
            endpointHandler: 'chain',
          },
        },
        ...chainHeap('PrivateKeyJwtClientAuthenticationFilter', config),
      ],
      'x',
      'Filter',
    );
    const { response } = await run(filter, h.incoming({ headers: { 'X-Token': 't' } }));
    assert.equal(response.status, 500);
    const line = h.logs.find((l) => l.code === 'TG_OAUTH2_EXCHANGE_FAILED');
    assert.equal(line?.error, 'server_error');
    assert.match(String(line?.detail), /signing\.key/);
  });
});
