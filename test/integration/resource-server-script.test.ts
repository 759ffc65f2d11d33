// OAuth2ResourceServerFilter with a ScriptableAccessTokenResolver whose script introspects the
// token with http.send at the dev authorization server's real introspection endpoint, through a
// client handler that presents the gateway's credentials; and scopes a JavaScript
// ScriptableResourceAccess picks by path. All on 127.0.0.1.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { startDevAs, type DevAs } from '../../examples/dev-as/server.js';
import { startBackend, type Backend } from '../fixtures/backend.js';
import { startTestGateway, type TestGateway } from '../fixtures/gateway.js';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** The resolver script of docs/resource-server.md, "ScriptableAccessTokenResolver". */
const INTROSPECT = [
  'var answer = await http.send({',
  "  method: 'POST',",
  '  uri: args.endpoint,',
  "  headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },",
  "  entity: 'token=' + encodeURIComponent(token) + '&token_type_hint=access_token',",
  '});',
  "if (answer.status !== 200) throw new Error('introspection answered ' + answer.status);",
  'var claims = JSON.parse(answer.entity);',
  'if (!claims.active) return null;',
  'return {',
  "  scopes: (claims.scope || '').split(' '),",
  '  expiresAt: claims.exp ? claims.exp * 1000 : null,',
  '  info: claims,',
  '};',
];

async function get(
  url: string,
  token?: string,
): Promise<{ status: number; challenge: string | undefined; body: string }> {
  const res = await request(url, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  const challenge = res.headers['www-authenticate'];
  return { status: res.statusCode, challenge: challenge?.toString(), body: await res.body.text() };
}

async function userToken(as: DevAs, scope: string): Promise<string> {
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
    }).toString(),
  });
  const text = await res.body.text();
  assert.equal(res.statusCode, 200, text);
  return (JSON.parse(text) as { access_token: string }).access_token;
}

describe('ScriptableAccessTokenResolver introspecting with http.send', () => {
  let as: DevAs;
  let backend: Backend;
  let tg: TestGateway;

  before(async () => {
    as = await startDevAs();
    backend = await startBackend();
    const resolver = {
      type: 'ScriptableAccessTokenResolver',
      config: {
        type: 'application/javascript',
        source: INTROSPECT,
        args: { endpoint: as.introspectionEndpoint },
        clientHandler: 'AsClient',
      },
    };
    const asClient = {
      name: 'AsClient',
      type: 'Chain',
      config: {
        filters: [
          {
            type: 'ClientSecretBasicAuthenticationFilter',
            config: { clientId: 'ig_agent', clientSecretId: 'agent.secret.id', secretsProvider: 'Env' },
          },
        ],
        handler: 'ForgeRockClientHandler',
      },
    };
    tg = await startTestGateway({
      env: { AGENT_SECRET_ID: b64('password') },
      routes: {
        'scoped.json': {
          condition: "${find(request.uri.path, '^/scoped/')}",
          baseURI: backend.url,
          heap: [{ name: 'Env', type: 'SystemAndEnvSecretStore' }, asClient],
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'OAuth2ResourceServerFilter',
                  config: {
                    requireHttps: false,
                    realm: 'api',
                    accessTokenResolver: resolver,
                    scopes: {
                      type: 'ScriptableResourceAccess',
                      config: {
                        type: 'application/javascript',
                        source:
                          "return request.uriParts.path.indexOf('/employee') >= 0 ? ['mail', 'employeenumber'] : 'mail';",
                      },
                    },
                  },
                },
              ],
              handler: 'ReverseProxyHandler',
            },
          },
        },
        'scripted.json': {
          condition: "${find(request.uri.path, '^/scripted/')}",
          baseURI: backend.url,
          heap: [{ name: 'Env', type: 'SystemAndEnvSecretStore' }, asClient],
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'OAuth2ResourceServerFilter',
                  config: {
                    requireHttps: false,
                    realm: 'api',
                    scopes: ['mail'],
                    accessTokenResolver: resolver,
                  },
                },
                {
                  type: 'HeaderFilter',
                  config: {
                    messageType: 'REQUEST',
                    add: {
                      'X-Caller-Scopes': ['${join(contexts.oauth2.accessToken.scopes, " ")}'],
                      'X-Caller-Sub': ['${contexts.oauth2.accessToken.info.sub}'],
                    },
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
    await as?.close();
  });

  test('no token is 401 with the realm alone; the script is not run and the backend not called', async () => {
    const before = backend.requests.length;
    const answer = await get(`${tg.url}/scripted/orders`);
    assert.equal(answer.status, 401);
    assert.equal(answer.challenge, 'Bearer realm="api"');
    assert.equal(backend.requests.length, before);
  });

  test('a token the server calls inactive is 401 invalid_token', async () => {
    const before = backend.requests.length;
    const answer = await get(`${tg.url}/scripted/orders`, 'not-a-token-the-server-issued');
    assert.equal(answer.status, 401);
    assert.match(answer.challenge ?? '', /^Bearer realm="api", error="invalid_token"/);
    assert.equal(backend.requests.length, before);
  });

  test('a valid token reaches the backend, with its scopes and claims in contexts.oauth2.accessToken', async () => {
    const token = await userToken(as, 'mail employeenumber');
    const answer = await get(`${tg.url}/scripted/orders`, token);
    assert.equal(answer.status, 200, answer.body);
    const sent = backend.requests.at(-1)!;
    assert.equal(sent.headers['x-caller-scopes'], 'mail employeenumber');
    assert.equal(sent.headers['x-caller-sub'], 'demo');
    assert.equal(sent.headers.authorization, `Bearer ${token}`);
  });

  test('a valid token without the required scope is 403 insufficient_scope', async () => {
    const token = await userToken(as, 'employeenumber');
    const answer = await get(`${tg.url}/scripted/orders`, token);
    assert.equal(answer.status, 403);
    assert.match(answer.challenge ?? '', /error="insufficient_scope"/);
  });

  test('no log line holds a token', async () => {
    const token = await userToken(as, 'mail');
    assert.equal((await get(`${tg.url}/scripted/orders`, token)).status, 200);
    assert.ok(!JSON.stringify(tg.logs).includes(token));
  });

  test('a JavaScript ScriptableResourceAccess picks the scopes by path', async () => {
    const mailOnly = await userToken(as, 'mail');
    assert.equal((await get(`${tg.url}/scoped/orders`, mailOnly)).status, 200);
    const refused = await get(`${tg.url}/scoped/employee`, mailOnly);
    assert.equal(refused.status, 403);
    assert.match(refused.challenge ?? '', /error="insufficient_scope".*, scope="mail employeenumber"$/);
    const both = await userToken(as, 'mail employeenumber');
    assert.equal((await get(`${tg.url}/scoped/employee`, both)).status, 200);
  });
});
