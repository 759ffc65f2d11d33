// PasswordReplayFilter in routes written as PingGateway's login examples are, over real sockets: a
// client, the gateway, and an application whose pages need a login it checks for real.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { startTestGateway, type TestGateway } from '../fixtures/gateway.js';

const SESSION = 'app-session=s-demo';

describe('PasswordReplayFilter logs the user in to an application', () => {
  let app: Server;
  let appUrl: string;
  const seen: string[] = [];
  /** The hidden value the application's login page last gave: a login must send it back. */
  let loginToken = '';
  let tg: TestGateway;

  before(async () => {
    app = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const path = new URL(req.url ?? '/', appUrl).pathname;
        seen.push(`${req.method} ${path}${body ? ` ${body}` : ''}`);
        if (req.method === 'GET' && path === '/login') {
          loginToken = randomUUID();
          res.writeHead(200, { 'Content-Type': 'text/html' });
          res.end(`<form><input type="hidden" name="loginToken"  value="${loginToken}"></form>`);
          return;
        }
        if (req.method === 'POST' && path === '/login') {
          const form = new URLSearchParams(body);
          const hidden = form.get('hiddenValue');
          const valid =
            form.get('username') === 'demo' &&
            form.get('password') === 'Ch4ng31t' &&
            (hidden === null || hidden === loginToken);
          if (!valid) {
            res.writeHead(401, { 'Content-Type': 'text/plain' }).end('wrong login');
            return;
          }
          res.writeHead(200, { 'Content-Type': 'text/plain', 'Set-Cookie': `${SESSION}; Path=/` });
          res.end('welcome demo');
          return;
        }
        if (req.headers.cookie?.includes(SESSION)) {
          res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`${req.method} ${path} for demo: ${body}`);
          return;
        }
        res.writeHead(200, { 'Content-Type': 'text/html' }).end('<title>OpenAM (Login)</title>');
      });
    });
    await new Promise<void>((done) => app.listen(0, '127.0.0.1', done));
    appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
    tg = await startTestGateway({
      routes: {
        'hidden.json': {
          condition: "${find(request.uri.query, 'demo=hidden')}",
          baseURI: appUrl,
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'PasswordReplayFilter',
                  config: {
                    loginPage: "${request.uri.path == '/login'}",
                    loginPageExtractions: [{ name: 'hidden', pattern: 'loginToken"\\s+value="(.*)"' }],
                    request: {
                      method: 'POST',
                      uri: `${appUrl}/login`,
                      form: {
                        username: ['demo'],
                        password: ['Ch4ng31t'],
                        hiddenValue: ['${attributes.extracted.hidden}'],
                      },
                    },
                  },
                },
              ],
              handler: 'ReverseProxyHandler',
            },
          },
        },
        'classic.json': {
          condition: "${find(request.uri.query, 'demo=classic')}",
          baseURI: appUrl,
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'PasswordReplayFilter',
                  config: {
                    loginPageContentMarker: 'OpenAM\\s\\(Login\\)',
                    credentials: {
                      type: 'AssignmentFilter',
                      config: { onRequest: [{ target: '${attributes.password}', value: 'Ch4ng31t' }] },
                    },
                    request: {
                      method: 'POST',
                      uri: `${appUrl}/login`,
                      form: { username: ['demo'], password: ['${attributes.password}'] },
                    },
                  },
                },
                { type: 'CookieFilter' },
              ],
              handler: 'ReverseProxyHandler',
            },
          },
        },
      },
    });
  });

  after(async () => {
    await tg.close();
    await new Promise((done) => app.close(done));
  });

  test('a GET of the login page: the page is read for its hidden value, and the user gets the login’s answer', async () => {
    seen.length = 0;
    const response = await request(`${tg.url}/login?demo=hidden`);
    assert.equal(response.statusCode, 200);
    assert.equal(await response.body.text(), 'welcome demo');
    assert.deepEqual(seen, [
      'GET /login',
      `POST /login username=demo&password=Ch4ng31t&hiddenValue=${loginToken}`,
    ]);
  });

  test('a request for another page passes untouched', async () => {
    seen.length = 0;
    const response = await request(`${tg.url}/orders?demo=hidden`);
    assert.equal(await response.body.text(), '<title>OpenAM (Login)</title>');
    assert.deepEqual(seen, ['GET /orders']);
  });

  test('a login page in answer to a POST: the gateway logs in, keeps the cookie, and sends the POST again', async () => {
    seen.length = 0;
    const response = await request(`${tg.url}/orders?demo=classic`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: 'two apples',
    });
    assert.equal(response.statusCode, 200);
    assert.equal(await response.body.text(), 'POST /orders for demo: two apples');
    assert.deepEqual(seen, [
      'POST /orders two apples',
      'POST /login username=demo&password=Ch4ng31t',
      'POST /orders two apples',
    ]);
    const setCookie = [response.headers['set-cookie'] ?? []].flat();
    assert.equal(
      setCookie.some((cookie) => cookie.startsWith('app-session=')),
      false,
      "the application's cookie stays in the gateway's jar",
    );
  });
});
