// CorsFilter and the other access filters in routes, over real sockets: a client, the gateway and
// a backend that records what reaches it.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { startTestGateway, type TestGateway } from '../fixtures/gateway.js';

describe('access filters in routes', () => {
  let backend: Server;
  let backendUrl: string;
  const seen: { method: string; url: string; headers: IncomingHttpHeaders }[] = [];
  let tg: TestGateway;

  before(async () => {
    backend = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
        const setCookie = req.url === '/cookies/login' ? ['BACKEND=xyz; Path=/; HttpOnly', 'theme=dark'] : [];
        res
          .writeHead(200, { 'X-Total': '7', 'Set-Cookie': setCookie })
          .end(`backend ${req.method} ${req.url}`);
      });
    });
    await new Promise<void>((done) => backend.listen(0, '127.0.0.1', done));
    backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
    tg = await startTestGateway({
      routes: {
        'cors.json': {
          condition: "${find(request.uri.path, '^/cors')}",
          baseURI: backendUrl,
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'CorsFilter',
                  config: {
                    policies: [
                      {
                        acceptedOrigins: ['https://app.example.com'],
                        acceptedMethods: ['GET', 'PUT'],
                        acceptedHeaders: ['Authorization'],
                        exposedHeaders: ['X-Total'],
                        maxAge: '1 hour',
                      },
                    ],
                  },
                },
              ],
              handler: 'ReverseProxyHandler',
            },
          },
        },
        'allow.json': {
          condition: "${find(request.uri.path, '^/allow')}",
          baseURI: backendUrl,
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'AllowOnlyFilter',
                  config: {
                    rules: [
                      {
                        from: [{ ip: { list: ['127.0.0.0/8'] } }],
                        destination: [{ paths: ['/allow/local'] }],
                      },
                      { from: [{ ip: { list: ['10.0.0.0/8'] } }] },
                    ],
                  },
                },
              ],
              handler: 'ReverseProxyHandler',
            },
          },
        },
        'extract.json': {
          condition: "${find(request.uri.path, '^/extract')}",
          baseURI: backendUrl,
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'HeaderFilter',
                  config: { messageType: 'RESPONSE', add: { 'X-Found': ['${attributes.page.method}'] } },
                },
                {
                  type: 'EntityExtractFilter',
                  config: {
                    messageType: 'RESPONSE',
                    target: '${attributes.page}',
                    bindings: [{ key: 'method', pattern: '^backend (\\w+)', template: 'method $1' }],
                  },
                },
              ],
              handler: 'ReverseProxyHandler',
            },
          },
        },
        'basic.json': {
          condition: "${find(request.uri.path, '^/basic')}",
          baseURI: backendUrl,
          heap: [
            {
              name: 'Passwords',
              type: 'Base64EncodedSecretStore',
              config: { secrets: { 'agent.password': Buffer.from('s3cret').toString('base64') } },
            },
          ],
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'HttpBasicAuthenticationClientFilter',
                  config: {
                    username: 'agent',
                    passwordSecretId: 'agent.password',
                    secretsProvider: 'Passwords',
                  },
                },
              ],
              handler: 'ReverseProxyHandler',
            },
          },
        },
        'cookies.json': {
          condition: "${find(request.uri.path, '^/cookies')}",
          baseURI: backendUrl,
          handler: {
            type: 'Chain',
            config: {
              filters: [{ type: 'CookieFilter', config: { relayed: ['theme'], suppressed: ['tracker'] } }],
              handler: 'ReverseProxyHandler',
            },
          },
        },
      },
    });
  });

  after(async () => {
    await tg.close();
    await new Promise((done) => backend.close(done));
  });

  test('the CorsFilter answers a preflight itself', async () => {
    const before = seen.length;
    const response = await request(`${tg.url}/cors/items`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example.com',
        'Access-Control-Request-Method': 'PUT',
        'Access-Control-Request-Headers': 'authorization',
      },
    });
    await response.body.dump();
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['access-control-allow-origin'], 'https://app.example.com');
    assert.equal(response.headers['access-control-allow-methods'], 'PUT');
    assert.equal(response.headers['access-control-allow-headers'], 'authorization');
    assert.equal(response.headers['access-control-max-age'], '3600');
    assert.equal(seen.length, before, 'the backend never sees the preflight');
  });

  test('an accepted origin’s request reaches the backend and its response carries the CORS headers', async () => {
    const response = await request(`${tg.url}/cors/items`, {
      headers: { Origin: 'https://app.example.com' },
    });
    assert.equal(await response.body.text(), 'backend GET /cors/items');
    assert.equal(response.headers['access-control-allow-origin'], 'https://app.example.com');
    assert.equal(response.headers['access-control-expose-headers'], 'X-Total');
  });

  test('a refused origin gets 403 without CORS headers and never reaches the backend', async () => {
    const before = seen.length;
    const response = await request(`${tg.url}/cors/items`, { headers: { Origin: 'https://evil.example' } });
    await response.body.dump();
    assert.equal(response.statusCode, 403);
    assert.equal(response.headers['access-control-allow-origin'], undefined);
    assert.equal(seen.length, before);
  });

  test('the CookieFilter keeps a backend’s managed cookie in the session and sends it on later requests', async () => {
    const login = await request(`${tg.url}/cookies/login`, { headers: { Cookie: 'tracker=1; theme=light' } });
    await login.body.dump();
    assert.equal(
      seen.at(-1)!.headers.cookie,
      'theme=light',
      'the suppressed cookie does not reach the backend',
    );
    const setCookie = [login.headers['set-cookie'] ?? []].flat();
    assert.equal(
      setCookie.some((c) => c.startsWith('BACKEND=')),
      false,
      'the managed cookie stays in the gateway',
    );
    assert.equal(setCookie.includes('theme=dark'), true, 'a relayed cookie reaches the client');
    const sessionCookie = setCookie.find((c) => c.startsWith('IG_SESSIONID='));
    assert.ok(sessionCookie, 'the jar lives in the session');
    const later = await request(`${tg.url}/cookies/home`, {
      headers: { Cookie: sessionCookie.split(';')[0]! },
    });
    await later.body.dump();
    assert.equal(seen.at(-1)!.headers.cookie, 'BACKEND=xyz');
    const stranger = await request(`${tg.url}/cookies/home`);
    await stranger.body.dump();
    assert.equal(seen.at(-1)!.headers.cookie, undefined, 'another client has its own jar');
  });

  test('the AllowOnlyFilter lets a loopback client reach its path and refuses it elsewhere with an empty 401', async () => {
    const allowed = await request(`${tg.url}/allow/local`);
    assert.equal(await allowed.body.text(), 'backend GET /allow/local');
    const before = seen.length;
    const refused = await request(`${tg.url}/allow/other`);
    assert.deepEqual([refused.statusCode, await refused.body.text()], [401, '']);
    const forwarded = await request(`${tg.url}/allow/other`, { headers: { 'X-Forwarded-For': '10.9.8.7' } });
    assert.equal(forwarded.statusCode, 200, 'the last X-Forwarded-For hop is the client');
    await forwarded.body.dump();
    assert.equal(seen.length, before + 1);
  });

  test('the EntityExtractFilter reads the backend’s body into the target, and the client still gets the body', async () => {
    const response = await request(`${tg.url}/extract/page`);
    assert.equal(await response.body.text(), 'backend GET /extract/page');
    assert.equal(response.headers['x-found'], 'method GET');
  });

  test('the HttpBasicAuthenticationClientFilter sends the backend Basic credentials from the secret store', async () => {
    const response = await request(`${tg.url}/basic/resource`);
    await response.body.dump();
    const expected = `Basic ${Buffer.from('agent:s3cret').toString('base64')}`;
    assert.equal(seen.at(-1)!.headers.authorization, expected);
  });
});
