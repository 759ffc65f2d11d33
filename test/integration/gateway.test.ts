import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { startBackend, type Backend } from '../fixtures/backend.js';
import { eventually, startTestGateway, type TestGateway } from '../fixtures/gateway.js';

async function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const res = await request(url, { headers });
  return { status: res.statusCode, body: await res.body.text(), headers: res.headers };
}

describe('routing', () => {
  let backend: Backend;
  let tg: TestGateway;

  before(async () => {
    backend = await startBackend();
    tg = await startTestGateway({
      routes: {
        'b-static.json': {
          condition: "${find(request.uri.path, '^/static')}",
          handler: {
            type: 'StaticResponseHandler',
            config: {
              status: 200,
              headers: { 'Content-Type': ['text/plain'] },
              entity: 'route b for ${request.method}',
            },
          },
        },
        'a-static.yaml': [
          'name: a-static',
          'condition: "${find(request.uri.path, \'^/static/first\')}"',
          'handler:',
          '  type: StaticResponseHandler',
          '  config:',
          '    status: 201',
          '    entity: route a',
        ].join('\n'),
        'proxy.json': {
          condition: "${find(request.uri.path, '^/api')}",
          baseURI: backend.url,
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'HeaderFilter',
                  config: {
                    messageType: 'REQUEST',
                    remove: ['X-Remove-Me'],
                    add: { 'X-Added': ['${request.method}-added'] },
                  },
                },
                {
                  type: 'HeaderFilter',
                  config: { messageType: 'RESPONSE', add: { 'X-Gateway': ['tollgate'] } },
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

  test('routes are tried in name order and the first matching condition wins', async () => {
    const first = await get(`${tg.url}/static/first`);
    assert.equal(first.status, 201);
    assert.equal(first.body, 'route a');
    const other = await get(`${tg.url}/static/other`);
    assert.equal(other.status, 200);
    assert.equal(other.body, 'route b for GET');
  });

  test('a request no route accepts gets an empty 404', async () => {
    const res = await get(`${tg.url}/nowhere`);
    assert.equal(res.status, 404);
  });

  test('baseURI and header filters rewrite the proxied request and response', async () => {
    const res = await get(`${tg.url}/api/items?x=1`, { 'X-Remove-Me': 'secret', 'X-Kept': 'kept' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-gateway'], 'tollgate');
    const echoed = JSON.parse(res.body) as { url: string; headers: Record<string, string> };
    assert.equal(echoed.url, '/api/items?x=1');
    assert.equal(echoed.headers['x-remove-me'], undefined);
    assert.equal(echoed.headers['x-kept'], 'kept');
    assert.equal(echoed.headers['x-added'], 'GET-added');
    assert.equal(echoed.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(echoed.headers['x-forwarded-proto'], 'http');
    assert.equal(echoed.headers['x-forwarded-host'], new URL(tg.url).host);
    assert.equal(echoed.headers.host, `127.0.0.1:${backend.port}`);
  });

  test('the admin ping answers', async () => {
    const res = await get(`${tg.url}/openig/ping`);
    assert.equal(res.status, 200);
  });

  test('Prometheus metrics count requests by route and status family', async () => {
    await get(`${tg.url}/static/first`);
    await get(`${tg.url}/nowhere`);
    const res = await get(`${tg.url}/openig/metrics/prometheus/0.0.4`);
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    assert.match(
      res.body,
      /^ig_route_response_status_total\{router="[^"]+",route="[^"]+",name="a-static",family="successful"\} [1-9]/m,
    );
    assert.match(
      res.body,
      /^ig_route_response_status_total\{router="[^"]+",route="default",name="default",family="client_error"\} [1-9]/m,
    );
  });
});

describe('upstream failures', () => {
  let backend: Backend;
  let tg: TestGateway;

  before(async () => {
    backend = await startBackend();
    tg = await startTestGateway({
      routes: {
        'down.json': {
          condition: "${request.uri.path == '/down'}",
          baseURI: 'http://127.0.0.1:1',
          handler: 'ReverseProxyHandler',
        },
        'slow.json': {
          condition: "${find(request.uri.path, '^/slow')}",
          baseURI: backend.url,
          heap: [{ name: 'Impatient', type: 'ReverseProxyHandler', config: { soTimeout: '300 ms' } }],
          handler: 'Impatient',
        },
      },
    });
  });

  after(async () => {
    await tg.close();
    await backend.close();
  });

  test('an unreachable upstream gives 502 with a logged code and no stack trace', async () => {
    const res = await get(`${tg.url}/down`);
    assert.equal(res.status, 502);
    assert.doesNotMatch(res.body, /at .*\.js|ECONNREFUSED/);
    assert.ok(tg.logs.some((l) => l.code === 'TG_UPSTREAM_UNREACHABLE'));
  });

  test('a slow upstream gives 504', async () => {
    const res = await get(`${tg.url}/slow?ms=3000`);
    assert.equal(res.status, 504);
    assert.ok(tg.logs.some((l) => l.code === 'TG_UPSTREAM_TIMEOUT'));
  });
});

describe('hot reload', () => {
  let tg: TestGateway;

  const staticRoute = (text: string): unknown => ({
    condition: "${find(request.uri.path, '^/hot')}",
    handler: { type: 'StaticResponseHandler', config: { status: 200, entity: text } },
  });

  before(async () => {
    tg = await startTestGateway({ routes: { 'hot.json': staticRoute('v1') } });
  });

  after(async () => {
    await tg.close();
  });

  test('a changed file takes effect, a broken edit keeps the old version, a removed file unloads', async () => {
    assert.equal((await get(`${tg.url}/hot`)).body, 'v1');

    await tg.writeRoute('hot.json', staticRoute('v2'));
    await eventually(async () => assert.equal((await get(`${tg.url}/hot`)).body, 'v2'));

    await tg.writeRoute('hot.json', '{ "handler": ');
    await eventually(() => assert.ok(tg.logs.some((l) => l.code === 'TG_CONFIG_PARSE')));
    assert.equal((await get(`${tg.url}/hot`)).body, 'v2');

    await tg.writeRoute('hot.json', {
      handler: { type: 'StaticResponseHandler', config: { status: 200, entity: 'x', stauts: 1 } },
    });
    await eventually(() =>
      assert.ok(
        tg.logs.some(
          (l) =>
            l.code === 'TG_CONFIG_UNKNOWN_PROPERTY' &&
            String(l.place).endsWith('hot.json#/handler/config/stauts'),
        ),
      ),
    );
    assert.equal((await get(`${tg.url}/hot`)).body, 'v2');

    await tg.writeRoute('added.json', {
      condition: "${request.uri.path == '/added'}",
      handler: { type: 'StaticResponseHandler', config: { status: 202 } },
    });
    await eventually(async () => assert.equal((await get(`${tg.url}/added`)).status, 202));

    const { unlink } = await import('node:fs/promises');
    await unlink(`${tg.routesDir}/added.json`);
    await eventually(async () => assert.equal((await get(`${tg.url}/added`)).status, 404));
  });
});

describe('request bodies read by expressions', () => {
  let tg: TestGateway;

  before(async () => {
    tg = await startTestGateway({
      files: { 'admin.json': { maxBodyLength: 1024 } },
      routes: {
        'form.json': {
          condition: "${request.entity.form['kind'][0] == 'greeting'}",
          handler: {
            type: 'StaticResponseHandler',
            config: { status: 200, entity: "hello ${request.entity.form['name'][0]}" },
          },
        },
      },
    });
  });

  after(async () => {
    await tg.close();
  });

  const post = (body: string): Promise<{ status: number; text: string }> =>
    request(`${tg.url}/form`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    }).then(async (res) => ({ status: res.statusCode, text: await res.body.text() }));

  test('a form body is parsed once and read by the condition and the entity', async () => {
    assert.deepEqual(await post('kind=greeting&name=Ada%20L'), { status: 200, text: 'hello Ada L' });
    assert.equal((await post('kind=other&name=x')).status, 404);
  });

  test('a body over maxBodyLength is refused with 413 and a logged code', async () => {
    const res = await post(`kind=greeting&name=${'x'.repeat(2000)}`);
    assert.equal(res.status, 413);
    assert.ok(tg.logs.some((l) => l.code === 'TG_REQUEST_ENTITY_TOO_LARGE'));
  });
});

describe('capture decoration', () => {
  let tg: TestGateway;

  before(async () => {
    tg = await startTestGateway({
      routes: {
        'captured.json': {
          heap: [
            {
              name: 'AddHeader',
              type: 'HeaderFilter',
              capture: 'all',
              config: { messageType: 'REQUEST', add: { 'X-Step': ['filtered'] } },
            },
            {
              name: 'Answer',
              type: 'StaticResponseHandler',
              capture: ['request', 'response'],
              config: { status: 201 },
            },
          ],
          handler: { type: 'Chain', config: { filters: ['AddHeader'], handler: 'Answer' } },
        },
      },
    });
  });

  after(async () => {
    await tg.close();
  });

  test('logs each capture point with the transaction id, and never a credential', async () => {
    const res = await request(`${tg.url}/p?access_token=secret-in-query&page=1`, {
      headers: { authorization: 'Bearer secret-in-header', 'x-actor-token': 'secret-actor' },
    });
    assert.equal(res.statusCode, 201);
    await res.body.dump();
    const captured = tg.logs.filter((l) => l.capture !== undefined);
    assert.deepEqual(
      captured.map((l) => `${String(l.object)}:${String(l.capture)}`),
      [
        'AddHeader:request',
        'AddHeader:filtered_request',
        'Answer:request',
        'Answer:response',
        'AddHeader:filtered_response',
        'AddHeader:response',
      ],
    );
    assert.equal(new Set(captured.map((l) => l.transactionId)).size, 1);
    const filtered = captured[1] as unknown as {
      request: { headers: Record<string, string[]>; uri: string };
    };
    assert.deepEqual(filtered.request.headers['X-Step'], ['filtered']);
    assert.match(filtered.request.uri, /access_token=\[REDACTED\]&page=1$/);
    assert.doesNotMatch(JSON.stringify(captured), /secret-in-query|secret-in-header|secret-actor/);
  });
});
