// SwitchFilter, StaticRequestFilter, UriPathRewriteFilter, LocationHeaderFilter and ThrottlingFilter in routes, over real sockets: a client, the gateway and a
// backend that records what reaches it.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { startTestGateway, type TestGateway } from '../fixtures/gateway.js';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly contentType: string | undefined;
  readonly body: string;
}

describe('request-shaping filters in routes', () => {
  let backend: Server;
  let backendUrl: string;
  const seen: Seen[] = [];
  let tg: TestGateway;

  before(async () => {
    backend = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          contentType: req.headers['content-type'],
          body,
        });
        if (req.url?.startsWith('/login/')) {
          res.writeHead(302, { Location: `${backendUrl}/login/welcome` }).end();
          return;
        }
        res.statusCode = req.url?.startsWith('/broken') ? 500 : 200;
        res.end(`backend ${req.method} ${req.url}`);
      });
    });
    await new Promise<void>((done) => backend.listen(0, '127.0.0.1', done));
    backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
    tg = await startTestGateway({
      routes: {
        'login.json': {
          condition: "${find(request.uri.path, '^/login')}",
          heap: [
            {
              name: 'Refused',
              type: 'StaticResponseHandler',
              config: { status: 401, entity: 'who are you?' },
            },
          ],
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'SwitchFilter',
                  config: {
                    onRequest: [{ condition: "${empty request.headers['X-User']}", handler: 'Refused' }],
                  },
                },
                {
                  type: 'StaticRequestFilter',
                  config: {
                    method: 'POST',
                    uri: `${backendUrl}/session`,
                    form: { user: ["${request.headers['X-User'][0]}"], realm: ['/alpha'] },
                  },
                },
              ],
              handler: 'ClientHandler',
            },
          },
        },
        'rewrite.json': {
          condition: "${find(request.uri.path, '^/mylogin')}",
          baseURI: backendUrl,
          handler: {
            type: 'Chain',
            config: {
              filters: [
                { type: 'LocationHeaderFilter' },
                { type: 'UriPathRewriteFilter', config: { mappings: { '/mylogin': '/login' } } },
              ],
              handler: 'ReverseProxyHandler',
            },
          },
        },
        'throttled.json': {
          condition: "${find(request.uri.path, '^/throttled')}",
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'ThrottlingFilter',
                  config: {
                    requestGroupingPolicy: "${request.headers['X-Api-Key'][0]}",
                    rate: { numberOfRequests: 2, duration: '1 hour' },
                  },
                },
              ],
              handler: { type: 'StaticResponseHandler', config: { status: 200, entity: 'through' } },
            },
          },
        },
        'proxy.json': {
          condition: "${find(request.uri.path, '^/(ok|broken)')}",
          baseURI: backendUrl,
          heap: [
            { name: 'Apology', type: 'StaticResponseHandler', config: { status: 503, entity: 'sorry' } },
          ],
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'SwitchFilter',
                  config: {
                    onResponse: [{ condition: '${response.status.code >= 500}', handler: 'Apology' }],
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
    await tg.close();
    await new Promise((done) => backend.close(done));
  });

  test('a request the SwitchFilter diverts never reaches the backend', async () => {
    const before = seen.length;
    const response = await request(`${tg.url}/login`);
    assert.deepEqual([response.statusCode, await response.body.text()], [401, 'who are you?']);
    assert.equal(seen.length, before);
  });

  test('the StaticRequestFilter replaces the request: the backend sees its POST and form, not the client’s GET', async () => {
    const response = await request(`${tg.url}/login?next=/home`, { headers: { 'X-User': 'alice smith' } });
    assert.deepEqual([response.statusCode, await response.body.text()], [200, 'backend POST /session']);
    assert.deepEqual(seen.at(-1), {
      method: 'POST',
      url: '/session',
      contentType: 'application/x-www-form-urlencoded',
      body: 'user=alice+smith&realm=%2Falpha',
    });
  });

  test('on the way out, the SwitchFilter swaps a backend 500 for its own answer and passes a 200', async () => {
    const broken = await request(`${tg.url}/broken`);
    assert.deepEqual([broken.statusCode, await broken.body.text()], [503, 'sorry']);
    const ok = await request(`${tg.url}/ok`);
    assert.deepEqual([ok.statusCode, await ok.body.text()], [200, 'backend GET /ok']);
  });

  test('the backend sees the rewritten path, and its redirect comes back under the gateway and the client’s path', async () => {
    const response = await request(`${tg.url}/mylogin/start?x=1`);
    assert.equal(seen.at(-1)!.url, '/login/start?x=1');
    assert.equal(response.statusCode, 302);
    assert.equal(response.headers.location, `${tg.url}/mylogin/welcome`);
    await response.body.dump();
  });

  test('a client past its rate gets 429 with Retry-After while another client still gets through', async () => {
    const send = async (key: string): Promise<[number, string | string[] | undefined]> => {
      const response = await request(`${tg.url}/throttled`, { headers: { 'X-Api-Key': key } });
      await response.body.dump();
      return [response.statusCode, response.headers['retry-after']];
    };
    assert.deepEqual(
      [await send('k1'), await send('k1'), await send('k1')],
      [
        [200, undefined],
        [200, undefined],
        [429, '1800'],
      ],
    );
    assert.deepEqual(await send('k2'), [200, undefined]);
  });
});
