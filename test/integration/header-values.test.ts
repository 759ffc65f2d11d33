import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { startBackend, type Backend } from '../fixtures/backend.js';
import { eventually, startTestGateway, type TestGateway } from '../fixtures/gateway.js';

describe('header values made from request data', () => {
  let backend: Backend;
  let tg: TestGateway;

  before(async () => {
    backend = await startBackend();
    tg = await startTestGateway({
      routes: {
        'echo.json': {
          condition: "${find(request.uri.path, '^/echo')}",
          handler: {
            type: 'StaticResponseHandler',
            config: {
              status: 200,
              headers: { 'X-Query': ['${urlDecode(request.uri.rawQuery)}'], 'X-Fixed': ['kept'] },
              entity: 'echo',
            },
          },
        },
        'upstream.json': {
          condition: "${find(request.uri.path, '^/upstream')}",
          baseURI: backend.url,
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'HeaderFilter',
                  config: {
                    messageType: 'REQUEST',
                    add: { 'X-Query': ['${urlDecode(request.uri.rawQuery)}'], 'X-Fixed': ['kept'] },
                  },
                },
                {
                  type: 'HeaderFilter',
                  config: {
                    messageType: 'RESPONSE',
                    add: { 'X-Back': ['${urlDecode(request.uri.rawQuery)}'] },
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
    await backend.close();
  });

  test('a value with CR, LF, NUL, other controls or characters past U+00FF is dropped and logged', async () => {
    for (const query of ['a%0d%0ab', 'a%0aSet-Cookie:%20x=1', '%01', 'nul%00', '%E2%82%AC', 'tab%09ok']) {
      const res = await request(`${tg.url}/echo?${query}`);
      assert.equal(res.statusCode, 200, query);
      assert.equal(await res.body.text(), 'echo');
      assert.equal(res.headers['x-fixed'], 'kept');
      assert.equal(res.headers['set-cookie'], undefined);
      if (query === 'tab%09ok') assert.equal(res.headers['x-query'], 'tab\tok');
      else assert.equal(res.headers['x-query'], undefined, query);
    }
    const dropped = tg.logs.filter((l) => l.code === 'TG_HEADER_INVALID_VALUE');
    assert.equal(dropped.length, 5);
    assert.match(String(dropped[0]!.place), /echo\.json#\/handler\/config\/headers\/X-Query\/0$/);
    assert.equal(dropped[0]!.header, 'X-Query');
    assert.ok(!JSON.stringify(dropped).includes('Set-Cookie'), 'the value itself is not logged');
  });

  test('the same holds on the way to the backend and back', async () => {
    const before = backend.requests.length;
    const res = await request(`${tg.url}/upstream?a%0d%0ab`);
    assert.equal(res.statusCode, 200);
    await res.body.text();
    assert.equal(res.headers['x-back'], undefined);
    const received = backend.requests[before]!;
    assert.equal(received.headers['x-query'], undefined);
    assert.equal(received.headers['x-fixed'], 'kept');
  });

  test('a header name or reason phrase no response could carry is refused when the route loads', async () => {
    await tg.writeRoute('bad-name.json', {
      handler: { type: 'StaticResponseHandler', config: { headers: { 'X Bad': ['v'] } } },
    });
    await tg.writeRoute('bad-reason.json', {
      handler: { type: 'StaticResponseHandler', config: { status: 200, reason: 'OK\r\nX-Injected: 1' } },
    });
    await eventually(() => {
      const places = tg.logs.filter((l) => l.code === 'TG_CONFIG_BAD_VALUE').map((l) => String(l.place));
      assert.ok(
        places.some((p) => p.endsWith('bad-name.json#/handler/config/headers/X Bad')),
        places.join(),
      );
      assert.ok(
        places.some((p) => p.endsWith('bad-reason.json#/handler/config/reason')),
        places.join(),
      );
    });
  });
});
