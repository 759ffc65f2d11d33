// The OAuth2TokenExchangeFilter end to end: a real gateway, the dev authorization server and an
// echo backend, all on 127.0.0.1. The seed's PingGateway route runs unchanged apart from AM's URL.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeProtectedHeader } from 'jose';
import { request } from 'undici';
import { startDevAs, TOKEN_EXCHANGE_GRANT, type DevAs } from '../../examples/dev-as/server.js';
import { startBackend, type Backend } from '../fixtures/backend.js';
import { startTestGateway, type TestGateway } from '../fixtures/gateway.js';
import { basicAuthEndpointHandler } from '../fixtures/exchange-routes.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SEED_AM_URL = 'http://am.example.com:8088/openam/';
const ACCESS = 'urn:ietf:params:oauth:token-type:access_token';
const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

interface Answer {
  readonly status: number;
  readonly body: string;
  /** The WWW-Authenticate header, if any. */
  readonly challenge: string | undefined;
}

async function post(
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  const challenge = res.headers['www-authenticate'];
  return { status: res.statusCode, body: await res.body.text(), challenge: challenge?.toString() };
}

const basic = (id: string, secret: string): Record<string, string> => ({
  authorization: `Basic ${b64(`${id}:${secret}`)}`,
});

/** The success answer of the seed route, reused by the other routes. */
const issuedTokenHandler = {
  type: 'StaticResponseHandler',
  config: {
    status: 200,
    headers: { 'content-type': ['application/json'] },
    entity:
      '{"access_token": "${contexts.oauth2TokenExchange.issuedToken}", "issued_token_type": "${contexts.oauth2TokenExchange.issuedTokenType}"}',
  },
};

/** The seed's ExchangeHandler: client_secret_basic as serviceConfidentialClient. */
const seedExchangeHandler = (clientId = 'serviceConfidentialClient', store: unknown = 'Env'): unknown =>
  basicAuthEndpointHandler({ clientId, secretsProvider: store });

/**
 * A route at `/te/<path>` whose chain is the exchange filter (with `config` over AmService-based
 * defaults reading the subject token from the form) and the issued-token answer.
 */
function exchangeRoute(
  path: string,
  config: Record<string, unknown>,
  handler: unknown = issuedTokenHandler,
): unknown {
  return {
    condition: `\${request.uri.path == '/te/${path}'}`,
    heap: [
      { name: 'Env', type: 'SystemAndEnvSecretStore' },
      { name: 'Am', type: 'AmService', config: { url: '&{am.url}' } },
    ],
    handler: {
      type: 'Chain',
      config: {
        filters: [
          {
            type: 'OAuth2TokenExchangeFilter',
            config: {
              amService: 'Am',
              endpointHandler: seedExchangeHandler(),
              subjectToken: "#{request.entity.form['subject_token'][0]}",
              scopes: ['mail'],
              ...config,
            },
          },
        ],
        handler,
      },
    },
  };
}

describe('OAuth2TokenExchangeFilter against the dev authorization server', () => {
  let devAs: DevAs;
  /** A second server that answers oidc-provider's own invalid_request for a grant type not allowed. */
  let plainDevAs: DevAs;
  let backend: Backend;
  let tg: TestGateway;
  let closedPort: number;
  /** Every token the tests saw, to prove none reached the logs. */
  const tokens = new Set<string>();
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  /** The key jwtClient had before `privateKey`: still registered, as during a key rotation. */
  const retired = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  /** Serves the gateway's own JWK Set (private keys) for the JwkSetSecretStore route. */
  let keyServer: Server;
  let keyServerUrl: string;

  const passwordToken = async (username = 'demo', password = 'Ch4ng31t'): Promise<string> => {
    const answer = await post(
      devAs.tokenEndpoint,
      { grant_type: 'password', username, password, scope: 'mail employeenumber' },
      basic('client-application', 'password'),
    );
    assert.equal(answer.status, 200, answer.body);
    const token = (JSON.parse(answer.body) as { access_token: string }).access_token;
    tokens.add(token);
    return token;
  };

  const introspect = async (token: string): Promise<Record<string, unknown>> => {
    const answer = await post(devAs.introspectionEndpoint, { token }, basic('ig_agent', 'password'));
    assert.equal(answer.status, 200);
    return JSON.parse(answer.body) as Record<string, unknown>;
  };

  const exchangeAt = async (path: string, subjectToken: string, headers: Record<string, string> = {}) => {
    const answer = await post(`${tg.url}${path}`, { subject_token: subjectToken }, headers);
    if (answer.status === 200) tokens.add((JSON.parse(answer.body) as { access_token: string }).access_token);
    return answer;
  };

  const failureLogs = (): Record<string, unknown>[] =>
    tg.logs.filter((line) => line.code === 'TG_OAUTH2_EXCHANGE_FAILED');

  /** What tells an operator the gateway's own setup is wrong: level, situation and message. */
  const assertConfigurationProblem = (line: Record<string, unknown>): void => {
    assert.equal(line.level, 50);
    assert.equal(line.situation, 'as_configuration_error');
    assert.equal(
      line.msg,
      "token exchange failed: the gateway's client registration or configuration is wrong",
    );
  };

  before(async () => {
    devAs = await startDevAs({
      port: 0,
      users: { demo: 'Ch4ng31t', alice: 'Wonderland1' },
      clients: [
        {
          clientId: 'client-application',
          clientSecret: 'password',
          grantTypes: ['password', 'client_credentials'],
          scope: 'mail employeenumber openid profile',
          tokenEndpointAuthMethod: 'client_secret_basic',
          mayAct: { client_id: ['serviceConfidentialClient', 'jwtClient'] },
        },
        {
          clientId: 'jwtClient',
          grantTypes: [TOKEN_EXCHANGE_GRANT],
          scope: 'mail employeenumber',
          tokenEndpointAuthMethod: 'private_key_jwt',
          jwks: {
            keys: [
              {
                ...retired.publicKey.export({ format: 'jwk' }),
                kid: 'gateway-key-2025',
                alg: 'ES256',
                use: 'sig',
              },
              { ...publicKey.export({ format: 'jwk' }), kid: 'gateway-key', alg: 'ES256', use: 'sig' },
            ],
          },
        },
      ],
    });
    plainDevAs = await startDevAs({ port: 0, grantTypeRefusal: 'invalid_request' });
    backend = await startBackend();
    const probe = createServer();
    await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise((done) => probe.close(done));

    const seed = (await readFile(join(root, 'test/fixtures/routes/token-exchange.json'), 'utf8')).replace(
      SEED_AM_URL,
      devAs.url,
    );
    assert.ok(seed.includes(devAs.url), 'the seed route names the AM URL once');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const signingJwk = (kid: string): Record<string, unknown> => ({
      ...privateKey.export({ format: 'jwk' }),
      kid,
      alg: 'ES256',
      use: 'sig',
    });
    keyServer = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
      res.end(JSON.stringify({ keys: [signingJwk('gateway-key')] }));
    });
    await new Promise<void>((done) => keyServer.listen(0, '127.0.0.1', done));
    keyServerUrl = `http://127.0.0.1:${(keyServer.address() as AddressInfo).port}/jwks`;
    const jwtRoute = (path: string, secretsProvider: unknown, signingSecretId: string): unknown =>
      exchangeRoute(path, {
        endpointHandler: {
          type: 'Chain',
          config: {
            handler: 'ForgeRockClientHandler',
            filters: [
              {
                type: 'PrivateKeyJwtClientAuthenticationFilter',
                config: {
                  clientId: 'jwtClient',
                  tokenEndpoint: devAs.tokenEndpoint,
                  secretsProvider,
                  signingSecretId,
                },
              },
            ],
          },
        },
      });

    tg = await startTestGateway({
      files: { 'config.json': { properties: { am: { url: devAs.url } } } },
      env: {
        CLIENT_SECRET_ID: 'cGFzc3dvcmQ=',
        AGENT_SECRET_ID: 'cGFzc3dvcmQ=',
        JWT_SIGNING_KEY: b64(pem),
        JWT_SIGNING_JWK: b64(JSON.stringify(signingJwk('gateway-key'))),
        JWT_SIGNING_JWK_MISLABELLED: b64(JSON.stringify(signingJwk('gateway-key-2025'))),
      },
      routes: {
        'token-exchange.json': seed,
        'te-default.json': exchangeRoute('default', {}),
        'te-strict.json': exchangeRoute('strict', { lenient: false }),
        'te-delegation.json': exchangeRoute('delegation', {
          actorToken: "${request.headers['X-Actor-Token'][0]}",
          actorTokenType: 'URN_ACCESS_TOKEN',
        }),
        'te-audiences.json': exchangeRoute('audiences', {
          audience: ['orders', 'billing'],
          resource: 'https://api.example.com/orders',
        }),
        'te-may-act.json': exchangeRoute('may-act', {
          endpointHandler: {
            type: 'Chain',
            config: {
              handler: 'ForgeRockClientHandler',
              filters: [
                {
                  type: 'ClientSecretPostAuthenticationFilter',
                  config: {
                    clientId: 'actorClient',
                    clientSecretId: 'client.secret.id',
                    secretsProvider: 'Env',
                  },
                },
              ],
            },
          },
        }),
        'te-wrong-secret.json': exchangeRoute('wrong-secret', {
          endpointHandler: seedExchangeHandler('serviceConfidentialClient', {
            type: 'Base64EncodedSecretStore',
            config: { secrets: { 'client.secret.id': b64('not-the-password') } },
          }),
        }),
        'te-no-grant.json': exchangeRoute('no-grant', {
          endpointHandler: seedExchangeHandler('client-application'),
        }),
        'te-no-grant-plain.json': exchangeRoute('no-grant-plain', {
          endpoint: plainDevAs.tokenEndpoint,
          amService: undefined,
          endpointHandler: seedExchangeHandler('client-application'),
        }),
        'te-id-token.json': exchangeRoute('id-token', { requestedTokenType: 'URN_ID_TOKEN' }),
        'te-beyond-scope.json': exchangeRoute('beyond-scope', { scopes: ['openid'] }),
        'te-down.json': exchangeRoute('down', {
          endpoint: `http://127.0.0.1:${closedPort}/token`,
          amService: undefined,
        }),
        'te-slow.json': exchangeRoute('slow', { timeout: '300 ms' }),
        'te-cached.json': exchangeRoute('cached', { cache: { enabled: true } }),
        'te-jwt.json': jwtRoute('jwt', 'Env', 'jwt.signing.key'),
        'te-jwt-kid.json': jwtRoute('jwt-kid', 'Env', 'jwt.signing.jwk'),
        'te-jwt-jwks.json': jwtRoute(
          'jwt-jwks',
          { type: 'JwkSetSecretStore', config: { jwkUrl: keyServerUrl } },
          'gateway-key',
        ),
        'te-jwt-mislabelled.json': jwtRoute('jwt-mislabelled', 'Env', 'jwt.signing.jwk.mislabelled'),
        'te-proxy.json': {
          condition: "${find(request.uri.path, '^/proxy/')}",
          baseURI: backend.url,
          heap: [{ name: 'Am', type: 'AmService', config: { url: '&{am.url}' } }],
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'OAuth2TokenExchangeFilter',
                  config: {
                    amService: 'Am',
                    endpointHandler: seedExchangeHandler('serviceConfidentialClient', {
                      type: 'SystemAndEnvSecretStore',
                    }),
                    subjectToken: "${request.headers['Authorization'][0].substring(7)}",
                    scopes: ['mail'],
                  },
                },
                {
                  type: 'HeaderFilter',
                  config: {
                    messageType: 'REQUEST',
                    replace: { Authorization: ['Bearer ${contexts.oauth2TokenExchange.issuedToken}'] },
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
    await devAs?.close();
    await plainDevAs?.close();
    await new Promise((done) => keyServer?.close(done));
  });

  test('the seed route: exchange, then introspection shows the new client and the narrowed scope', async () => {
    const subject = await passwordToken();
    const answer = await exchangeAt('/token-exchange', subject);
    assert.equal(answer.status, 200, answer.body);
    const body = JSON.parse(answer.body) as { access_token: string; issued_token_type: string };
    assert.equal(body.issued_token_type, ACCESS);
    assert.notEqual(body.access_token, subject);
    const info = await introspect(body.access_token);
    assert.equal(info.active, true);
    assert.equal(info.client_id, 'serviceConfidentialClient');
    assert.equal(info.scope, 'mail');
    // Impersonation: the issued token speaks for the subject, with no actor.
    assert.equal(info.sub, 'demo');
    assert.equal(info.act, undefined);
  });

  test("the seed route: a bad subject token gives the failure handler's 400 with the server's words", async () => {
    const direct = await post(
      devAs.tokenEndpoint,
      {
        grant_type: TOKEN_EXCHANGE_GRANT,
        subject_token: 'not-a-token',
        subject_token_type: ACCESS,
        scope: 'mail',
      },
      basic('serviceConfidentialClient', 'password'),
    );
    const expected = JSON.parse(direct.body) as { error: string; error_description: string };
    assert.equal(expected.error, 'invalid_grant');
    const answer = await exchangeAt('/token-exchange', 'not-a-token');
    assert.equal(answer.status, 400);
    assert.equal(answer.body, `${expected.error}: ${expected.error_description}`);
    assert.equal(answer.challenge, undefined, 'the failure handler decides its own headers');
  });

  test('delegation: the actor token is sent and the issued token carries act', async () => {
    const subject = await passwordToken();
    const actorAnswer = await post(
      devAs.tokenEndpoint,
      { grant_type: 'client_credentials' },
      basic('actorClient', 'password'),
    );
    const actor = (JSON.parse(actorAnswer.body) as { access_token: string }).access_token;
    tokens.add(actor);
    const answer = await exchangeAt('/te/delegation', subject, { 'X-Actor-Token': actor });
    assert.equal(answer.status, 200, answer.body);
    const info = await introspect((JSON.parse(answer.body) as { access_token: string }).access_token);
    assert.equal(info.sub, 'demo');
    assert.deepEqual(info.act, { sub: 'actorClient' });
  });

  test('several audiences and a resource become the issued token aud', async () => {
    const answer = await exchangeAt('/te/audiences', await passwordToken());
    assert.equal(answer.status, 200, answer.body);
    const info = await introspect((JSON.parse(answer.body) as { access_token: string }).access_token);
    assert.deepEqual(info.aud, ['orders', 'billing', 'https://api.example.com/orders']);
  });

  /** The protected header of the last client assertion the authorization server received. */
  const lastAssertionHeader = (): Record<string, unknown> =>
    decodeProtectedHeader(devAs.clientAssertions().at(-1)!);

  test('private_key_jwt client authentication with a PEM key from the environment: no kid', async () => {
    const answer = await exchangeAt('/te/jwt', await passwordToken());
    assert.equal(answer.status, 200, answer.body);
    const info = await introspect((JSON.parse(answer.body) as { access_token: string }).access_token);
    assert.equal(info.client_id, 'jwtClient');
    assert.deepEqual(lastAssertionHeader(), { alg: 'ES256' });
  });

  for (const [path, store] of [
    ['jwt-kid', 'a JWK secret'],
    ['jwt-jwks', 'a JwkSetSecretStore'],
  ] as const) {
    test(`private_key_jwt with a key from ${store}: the assertion names it by kid among two`, async () => {
      const answer = await exchangeAt(`/te/${path}`, await passwordToken());
      assert.equal(answer.status, 200, answer.body);
      assert.equal(
        (await introspect((JSON.parse(answer.body) as { access_token: string }).access_token)).client_id,
        'jwtClient',
      );
      assert.deepEqual(lastAssertionHeader(), { alg: 'ES256', kid: 'gateway-key' });
    });
  }

  test('the server picks the key by the kid sent: a key labelled with the retired kid is refused', async () => {
    const answer = await exchangeAt('/te/jwt-mislabelled', await passwordToken());
    assert.equal(answer.status, 500);
    assert.deepEqual(lastAssertionHeader(), { alg: 'ES256', kid: 'gateway-key-2025' });
    const line = failureLogs().at(-1)!;
    assert.deepEqual([line.error, line.upstreamStatus], ['invalid_client', 401]);
  });

  test('a client not named in may_act: invalid_grant, 401 from the default failure handler', async () => {
    const answer = await exchangeAt('/te/may-act', await passwordToken());
    assert.equal(answer.status, 401);
    assert.equal(
      answer.challenge,
      'Bearer error="invalid_token", error_description="client actorClient is not named in the subject token\'s may_act"',
    );
    assert.equal(answer.body, '');
    assert.equal(failureLogs().at(-1)?.error, 'invalid_grant');
  });

  test("a wrong client secret: the server's 401 invalid_client is the gateway's misconfiguration, 500", async () => {
    const answer = await exchangeAt('/te/wrong-secret', await passwordToken());
    assert.equal(answer.status, 500);
    assert.equal(answer.challenge, undefined, 'a 5xx is not about the caller credentials');
    const line = failureLogs().at(-1)!;
    assert.equal(line.error, 'invalid_client');
    assert.equal(line.upstreamStatus, 401);
    assertConfigurationProblem(line);
  });

  test("oidc-provider's own refusal of a client without the grant (invalid_request) is the gateway's: 500", async () => {
    const subject = await passwordToken();
    const direct = await post(
      plainDevAs.tokenEndpoint,
      { grant_type: TOKEN_EXCHANGE_GRANT, subject_token: subject, subject_token_type: ACCESS },
      basic('client-application', 'password'),
    );
    assert.deepEqual(JSON.parse(direct.body), {
      error: 'invalid_request',
      error_description: 'requested grant type is not allowed for this client',
    });
    const answer = await exchangeAt('/te/no-grant-plain', subject);
    assert.equal(answer.status, 500);
    const line = failureLogs().at(-1)!;
    assert.equal(line.error, 'invalid_request');
    assert.equal(line.description, 'requested grant type is not allowed for this client');
    assert.equal(line.upstreamStatus, 400);
    assertConfigurationProblem(line);
  });

  test('the same refusal as unauthorized_client: 500, a configuration problem', async () => {
    const answer = await exchangeAt('/te/no-grant', await passwordToken());
    assert.equal(answer.status, 500);
    const line = failureLogs().at(-1)!;
    assert.equal(line.error, 'unauthorized_client');
    assertConfigurationProblem(line);
  });

  test("a requested token type the server does not issue (invalid_request about the gateway's parameter): 500", async () => {
    const answer = await exchangeAt('/te/id-token', await passwordToken());
    assert.equal(answer.status, 500);
    const line = failureLogs().at(-1)!;
    assert.equal(line.error, 'invalid_request');
    assert.match(String(line.description), /^unsupported requested_token_type /);
    assertConfigurationProblem(line);
  });

  test('scopes the subject token does not have: invalid_scope, 403 with an insufficient_scope challenge', async () => {
    const answer = await exchangeAt('/te/beyond-scope', await passwordToken());
    assert.equal(answer.status, 403);
    assert.equal(
      answer.challenge,
      'Bearer error="insufficient_scope", error_description="scope openid is not within the subject token\'s scope"',
    );
    assert.equal(failureLogs().at(-1)?.error, 'invalid_scope');
  });

  test('no subject token: 400 with an invalid_request challenge, no call to the server', async () => {
    const before = devAs.tokenRequests();
    const answer = await exchangeAt('/te/default', '');
    assert.equal(answer.status, 400);
    assert.equal(answer.challenge, 'Bearer error="invalid_request", error_description="no subject token"');
    assert.equal(devAs.tokenRequests(), before);
  });

  test('the authorization server is down: temporarily_unavailable, 502', async () => {
    const answer = await exchangeAt('/te/down', 'any-token');
    assert.equal(answer.status, 502);
    assert.equal(failureLogs().at(-1)?.error, 'temporarily_unavailable');
  });

  test('the authorization server is slower than the filter time-out: 504', async () => {
    const subject = await passwordToken();
    devAs.setDelayMs(2000);
    try {
      const started = Date.now();
      const answer = await exchangeAt('/te/slow', subject);
      assert.equal(answer.status, 504);
      assert.ok(Date.now() - started < 1500, 'the time-out, not the server, ended the request');
      assert.equal(failureLogs().at(-1)?.situation, 'timeout');
    } finally {
      devAs.setDelayMs(0);
    }
  });

  for (const mode of ['html', 'malformed-json', 'server-error'] as const) {
    test(`the authorization server answers ${mode}: server_error, 502`, async () => {
      const subject = await passwordToken();
      devAs.setMode(mode);
      try {
        const answer = await exchangeAt('/te/default', subject);
        assert.equal(answer.status, 502);
        assert.equal(failureLogs().at(-1)?.error, 'server_error');
      } finally {
        devAs.setMode('normal');
      }
    });
  }

  test('no issued_token_type: accepted by default, refused with lenient false', async () => {
    const subject = await passwordToken();
    devAs.setMode('omit-issued-token-type');
    try {
      const lenient = await exchangeAt('/te/default', subject);
      assert.equal(lenient.status, 200, lenient.body);
      // Taken from the request, as the default requested type is the access token URN.
      assert.equal((JSON.parse(lenient.body) as { issued_token_type: string }).issued_token_type, ACCESS);
      const strict = await exchangeAt('/te/strict', subject);
      assert.equal(strict.status, 502);
      assert.equal(failureLogs().at(-1)?.situation, 'response_check');
    } finally {
      devAs.setMode('normal');
    }
  });

  test('protecting proxy: the backend sees the issued token, never the original; nothing on failure', async () => {
    const subject = await passwordToken();
    const res = await request(`${tg.url}/proxy/orders`, { headers: { authorization: `Bearer ${subject}` } });
    const echoed = (await res.body.json()) as { headers: Record<string, string> };
    assert.equal(res.statusCode, 200);
    const forwarded = echoed.headers.authorization!;
    assert.match(forwarded, /^Bearer /);
    const issued = forwarded.slice('Bearer '.length);
    tokens.add(issued);
    assert.notEqual(issued, subject);
    assert.equal((await introspect(issued)).client_id, 'serviceConfidentialClient');
    assert.ok(!JSON.stringify(echoed).includes(subject), 'the original token never reaches the backend');

    const before = backend.requests.length;
    const refused = await request(`${tg.url}/proxy/orders`, {
      headers: { authorization: 'Bearer revoked-or-made-up' },
    });
    await refused.body.text();
    assert.equal(refused.statusCode, 401);
    assert.equal(
      refused.headers['www-authenticate'],
      'Bearer error="invalid_token", error_description="subject_token is invalid, expired, or was not issued by this server"',
    );
    assert.equal(backend.requests.length, before, 'the backend received nothing');
  });

  test('cache: 100 concurrent requests with one new subject token make one call', async () => {
    const subject = await passwordToken();
    const before = devAs.tokenRequests();
    const answers = await Promise.all(Array.from({ length: 100 }, () => exchangeAt('/te/cached', subject)));
    assert.equal(devAs.tokenRequests() - before, 1);
    const issued = new Set(answers.map((a) => (JSON.parse(a.body) as { access_token: string }).access_token));
    assert.equal(issued.size, 1);
  });

  test("cache: two users' subject tokens never get each other's token", async () => {
    const demo = await passwordToken('demo', 'Ch4ng31t');
    const alice = await passwordToken('alice', 'Wonderland1');
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => exchangeAt('/te/cached', i % 2 === 0 ? demo : alice)),
    );
    const issuedFor = (i: number): string =>
      (JSON.parse(answers[i]!.body) as { access_token: string }).access_token;
    assert.equal((await introspect(issuedFor(0))).sub, 'demo');
    assert.equal((await introspect(issuedFor(1))).sub, 'alice');
    for (let i = 0; i < answers.length; i++) assert.equal(issuedFor(i), issuedFor(i % 2));
  });

  test('no token appears in the logs', () => {
    assert.ok(tokens.size > 10);
    const logs = tg.logs.map((line) => JSON.stringify(line));
    // The seed's `capture: "all"` and the failure lines are among them.
    assert.ok(tg.logs.some((line) => line.capture === 'request'));
    assert.ok(failureLogs().length >= 8);
    for (const token of tokens) {
      assert.ok(!logs.some((line) => line.includes(token)), 'a token was logged');
    }
  });
});
