// OAuth2ResourceServerFilter end to end: a real gateway in front of an echo backend, checking
// tokens from the dev authorization server at its real introspection endpoint, and real signed
// JWT access tokens against its JWKS. All on 127.0.0.1.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { Agent, request } from 'undici';
import { startDevAs, type DevAs } from '../../examples/dev-as/server.js';
import { startBackend, type Backend } from '../fixtures/backend.js';
import { startGateway } from '../../src/index.js';
import { memoryLogger, startTestGateway, type TestGateway } from '../fixtures/gateway.js';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const OTHER_AUDIENCE = 'https://other-api.example.com';

interface Answer {
  readonly status: number;
  readonly challenge: string | undefined;
  readonly body: string;
}

async function get(url: string, token?: string, dispatcher?: Agent): Promise<Answer> {
  const res = await request(url, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    ...(dispatcher && { dispatcher }),
  });
  const challenge = res.headers['www-authenticate'];
  return { status: res.statusCode, challenge: challenge?.toString(), body: await res.body.text() };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** A token from the password grant: opaque, or a JWT when `resource` is the AS's JWT resource. */
async function userToken(as: DevAs, scope: string, resource?: string): Promise<string> {
  const res = await request(as.tokenEndpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${b64('client-application:password')}`,
    },
    body: new URLSearchParams({
      grant_type: 'password',
      username: 'demo',
      password: 'Ch4ng31t',
      scope,
      ...(resource && { resource }),
    }).toString(),
  });
  const text = await res.body.text();
  assert.equal(res.statusCode, 200, text);
  return (JSON.parse(text) as { access_token: string }).access_token;
}

const clientAuth = (clientId: string, secretId: string): unknown => ({
  type: 'Chain',
  config: {
    handler: 'ForgeRockClientHandler',
    filters: [
      {
        type: 'ClientSecretBasicAuthenticationFilter',
        config: { clientId, clientSecretId: secretId, secretsProvider: 'Env' },
      },
    ],
  },
});

/** A route at /<path>/… : the filter with `resolver` and `scopes`, then the backend, or `then` first. */
function protectedRoute(
  path: string,
  backend: string,
  resolver: unknown,
  options: { scopes?: string[]; then?: unknown[]; heap?: unknown[]; keepHttpsDefault?: boolean } = {},
): unknown {
  return {
    condition: `\${find(request.uri.path, '^/${path}/')}`,
    baseURI: backend,
    heap: [{ name: 'Env', type: 'SystemAndEnvSecretStore' }, ...(options.heap ?? [])],
    handler: {
      type: 'Chain',
      config: {
        filters: [
          {
            type: 'OAuth2ResourceServerFilter',
            config: {
              accessTokenResolver: resolver,
              scopes: options.scopes ?? ['mail'],
              ...(options.keepHttpsDefault ? {} : { requireHttps: false }),
              realm: 'api',
            },
          },
          ...(options.then ?? []),
        ],
        handler: 'ReverseProxyHandler',
      },
    },
  };
}

const introspection = (endpoint: string): unknown => ({
  type: 'TokenIntrospectionAccessTokenResolver',
  config: { endpoint, providerHandler: clientAuth('ig_agent', 'agent.secret.id') },
});

const stateless = (as: DevAs, audience: string, jwkUrl = as.jwksUri): unknown => ({
  type: 'StatelessAccessTokenResolver',
  config: {
    issuer: as.issuer,
    secretsProvider: { type: 'JwkSetSecretStore', config: { jwkUrl } },
    verificationSecretId: 'as.key',
    audience,
  },
});

describe('OAuth2ResourceServerFilter against the dev authorization server', () => {
  let as: DevAs;
  /**
   * Issues tokens that live three seconds, for the expiry cases: `exp` is in whole seconds, so a
   * token lives between two and three, long enough to be used once before it expires.
   */
  let shortAs: DevAs;
  let backend: Backend;
  let tg: TestGateway;
  const tokens: string[] = [];
  const keep = (token: string): string => {
    tokens.push(token);
    return token;
  };

  before(async () => {
    as = await startDevAs();
    shortAs = await startDevAs({ accessTokenTtlSeconds: 3 });
    backend = await startBackend();
    const dead = `http://127.0.0.1:${await closedPort()}`;
    tg = await startTestGateway({
      env: { AGENT_SECRET_ID: b64('password'), CLIENT_SECRET_ID: b64('password') },
      routes: {
        'introspected.json': protectedRoute(
          'introspected',
          backend.url,
          introspection(as.introspectionEndpoint),
        ),
        'introspected-short.json': protectedRoute(
          'introspected-short',
          backend.url,
          introspection(shortAs.introspectionEndpoint),
        ),
        'introspected-dead.json': protectedRoute(
          'introspected-dead',
          backend.url,
          introspection(`${dead}/i`),
        ),
        'jwt.json': protectedRoute('jwt', backend.url, stateless(as, as.jwtResource)),
        'jwt-short.json': protectedRoute('jwt-short', backend.url, stateless(shortAs, shortAs.jwtResource)),
        'jwt-other.json': protectedRoute('jwt-other', backend.url, stateless(as, OTHER_AUDIENCE)),
        'jwt-dead.json': protectedRoute(
          'jwt-dead',
          backend.url,
          stateless(as, as.jwtResource, `${dead}/jwks`),
        ),
        'exchanged.json': protectedRoute('exchanged', backend.url, introspection(as.introspectionEndpoint), {
          then: [
            {
              type: 'OAuth2TokenExchangeFilter',
              config: {
                endpoint: as.tokenEndpoint,
                endpointHandler: clientAuth('serviceConfidentialClient', 'client.secret.id'),
                subjectToken: '${contexts.oauth2.accessToken.token}',
                scopes: ['mail'],
              },
            },
            {
              type: 'HeaderFilter',
              config: {
                messageType: 'REQUEST',
                replace: {
                  Authorization: ['Bearer ${contexts.oauth2TokenExchange.issuedToken}'],
                  'X-Caller-Scopes': ['${join(contexts.oauth2.accessToken.scopes, " ")}'],
                },
              },
            },
          ],
        }),
      },
    });
  });

  after(async () => {
    await tg?.close();
    await backend?.close();
    await shortAs?.close();
    await as?.close();
  });

  for (const path of ['introspected', 'jwt']) {
    test(`${path}: no token is 401 with the realm and no error; the backend is not called`, async () => {
      const before = backend.requests.length;
      const answer = await get(`${tg.url}/${path}/orders`);
      assert.equal(answer.status, 401);
      assert.equal(answer.challenge, 'Bearer realm="api"');
      assert.equal(backend.requests.length, before);
    });

    test(`${path}: a made-up token is 401 invalid_token`, async () => {
      const answer = await get(`${tg.url}/${path}/orders`, 'not-a-token');
      assert.equal(answer.status, 401);
      assert.match(answer.challenge ?? '', /^Bearer realm="api", error="invalid_token", error_description="/);
    });
  }

  test('introspected: a valid token with the scope reaches the backend', async () => {
    const token = keep(await userToken(as, 'mail employeenumber'));
    const answer = await get(`${tg.url}/introspected/orders`, token);
    assert.equal(answer.status, 200, answer.body);
    assert.equal(backend.requests.at(-1)?.headers.authorization, `Bearer ${token}`);
  });

  test('jwt: a signed JWT for the resource with the scope reaches the backend', async () => {
    const token = keep(await userToken(as, 'mail', as.jwtResource));
    assert.equal(token.split('.').length, 3);
    const answer = await get(`${tg.url}/jwt/orders`, token);
    assert.equal(answer.status, 200, answer.body);
  });

  test('a token without the required scope is 403 insufficient_scope naming it', async () => {
    const opaque = keep(await userToken(as, 'employeenumber'));
    const jwt = keep(await userToken(as, 'employeenumber', as.jwtResource));
    for (const [path, token] of [
      ['introspected', opaque],
      ['jwt', jwt],
    ] as const) {
      const answer = await get(`${tg.url}/${path}/orders`, token);
      assert.equal(answer.status, 403, path);
      assert.match(answer.challenge ?? '', /error="insufficient_scope"/);
      assert.match(answer.challenge ?? '', /scope="mail"/);
    }
  });

  test('introspected: a JWT, which the server does not introspect, is 401 invalid_token', async () => {
    const token = keep(await userToken(as, 'mail', as.jwtResource));
    const answer = await get(`${tg.url}/introspected/orders`, token);
    assert.equal(answer.status, 401);
    assert.match(answer.challenge ?? '', /error="invalid_token"/);
  });

  test('jwt: a token for another audience is 401 invalid_token', async () => {
    const token = keep(await userToken(as, 'mail', as.jwtResource));
    const answer = await get(`${tg.url}/jwt-other/orders`, token);
    assert.equal(answer.status, 401);
    assert.match(answer.challenge ?? '', /error="invalid_token", error_description="the token's 'aud' claim/);
  });

  test('jwt: a token signed by another server is 401 invalid_token', async () => {
    const token = keep(await userToken(shortAs, 'mail', shortAs.jwtResource));
    const answer = await get(`${tg.url}/jwt/orders`, token);
    assert.equal(answer.status, 401);
    assert.match(answer.challenge ?? '', /error="invalid_token"/);
  });

  test('expired tokens, opaque and JWT, are 401 invalid_token', async () => {
    const opaque = keep(await userToken(shortAs, 'mail'));
    const jwt = keep(await userToken(shortAs, 'mail', shortAs.jwtResource));
    assert.equal((await get(`${tg.url}/introspected-short/orders`, opaque)).status, 200);
    assert.equal((await get(`${tg.url}/jwt-short/orders`, jwt)).status, 200);
    await sleep(3100);
    const expiredOpaque = await get(`${tg.url}/introspected-short/orders`, opaque);
    assert.equal(expiredOpaque.status, 401);
    assert.match(expiredOpaque.challenge ?? '', /error="invalid_token"/);
    const expiredJwt = await get(`${tg.url}/jwt-short/orders`, jwt);
    assert.equal(expiredJwt.status, 401);
    assert.match(expiredJwt.challenge ?? '', /error_description="the token has expired"/);
  });

  test('an unreachable resolver (introspection endpoint, JWKS) is a coded 502, never a pass', async () => {
    const before = backend.requests.length;
    const opaque = keep(await userToken(as, 'mail'));
    const jwt = keep(await userToken(as, 'mail', as.jwtResource));
    assert.equal((await get(`${tg.url}/introspected-dead/orders`, opaque)).status, 502);
    assert.equal((await get(`${tg.url}/jwt-dead/orders`, jwt)).status, 502);
    assert.equal(backend.requests.length, before);
    assert.equal(tg.logs.filter((line) => line.code === 'TG_OAUTH2_RESOLVER_FAILED').length, 2);
  });

  test("validate, then exchange: the backend gets a new token, never the caller's", async () => {
    const token = keep(await userToken(as, 'mail employeenumber'));
    const answer = await get(`${tg.url}/exchanged/orders`, token);
    assert.equal(answer.status, 200, answer.body);
    const sent = backend.requests.at(-1)!;
    assert.match(sent.headers.authorization ?? '', /^Bearer .+/);
    assert.notEqual(sent.headers.authorization, `Bearer ${token}`);
    assert.equal(sent.headers['x-caller-scopes'], 'mail employeenumber');
    const refused = await get(`${tg.url}/exchanged/orders`, 'not-a-token');
    assert.equal(refused.status, 401);
  });

  test('no token appears in the logs', () => {
    const text = JSON.stringify(tg.logs);
    for (const token of tokens) assert.ok(!text.includes(token));
  });
});

describe('requireHttps, its default, with a route rebased onto a plain-http backend', () => {
  const tlsDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/tls');

  test('a request over TLS passes; the same request over plain http is 403, its token not checked', async () => {
    const as = await startDevAs();
    const backend = await startBackend();
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-rs-tls-'));
    const agent = new Agent({ connect: { ca: await readFile(join(tlsDir, 'cert.pem')) } });
    try {
      await mkdir(join(dir, 'routes'));
      await writeFile(
        join(dir, 'routes', 'api.json'),
        JSON.stringify(
          protectedRoute('api', backend.url, introspection(as.introspectionEndpoint), {
            keepHttpsDefault: true,
          }),
        ),
      );
      await writeFile(
        join(dir, 'admin.json'),
        JSON.stringify({
          connectors: [
            {
              port: 0,
              host: '127.0.0.1',
              tls: { keyFile: join(tlsDir, 'key.pem'), certFile: join(tlsDir, 'cert.pem') },
            },
            { port: 0, host: '127.0.0.1' },
          ],
        }),
      );
      const { logger, logs } = memoryLogger();
      const gateway = await startGateway({
        configDir: dir,
        logger,
        env: { AGENT_SECRET_ID: b64('password') },
      });
      try {
        const [secure, plain] = gateway.urls;
        const token = await userToken(as, 'mail');
        const overTls = await get(`${secure}/api/orders`, token, agent);
        assert.equal(overTls.status, 200, overTls.body);
        const reached = backend.requests.length;
        const overHttp = await get(`${plain}/api/orders`, token);
        assert.equal(overHttp.status, 403);
        assert.equal(backend.requests.length, reached);
        assert.ok(logs.some((line) => line.code === 'TG_OAUTH2_HTTPS_REQUIRED'));
      } finally {
        await gateway.close();
      }
    } finally {
      await agent.close();
      await rm(dir, { recursive: true, force: true });
      await backend.close();
      await as.close();
    }
  });
});
