import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ClientContext } from '../../../src/http/exchange.js';
import type { Handler } from '../../../src/heap/types.js';
import { RequestUri } from '../../../src/http/uri.js';
import { startBackend, type Backend } from '../../fixtures/backend.js';
import { FILE, harness, type Harness } from '../filters/harness.js';

let backend: Backend;
before(async () => {
  backend = await startBackend();
});
after(() => backend.close());

function proxy(t: { after(fn: () => Promise<void>): void }, config: Record<string, unknown> = {}) {
  const h = harness();
  t.after(() => h.stop());
  return {
    h,
    handler: h.build<Handler>([{ name: 'p', type: 'ReverseProxyHandler', config }], 'p', 'Handler'),
  };
}

async function text(h: Harness, handler: Handler, url: string): Promise<{ status: number; body: string }> {
  const response = await handler.handle(h.incoming({ method: 'GET', url }));
  await response.entity.load(1 << 20, 'TG_UPSTREAM_RESPONSE_TOO_LARGE');
  return { status: response.status, body: response.entity.string ?? '' };
}

describe('ReverseProxyHandler config errors carry a code and a pointer', () => {
  test("its keys are ClientHandler's", () => {
    const errorsOf = (config: unknown): string[] =>
      harness().errorsOf([{ name: 'p', type: 'ReverseProxyHandler', config }]);
    assert.deepEqual(errorsOf({ connections: 0 }), [`TG_CONFIG_SCHEMA ${FILE}#/heap/0/config/connections`]);
    assert.deepEqual(errorsOf({ connectionTimeToLive: '0 seconds' }), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/connectionTimeToLive`,
    ]);
  });

  test('a typo or a bad value under websocket is an error at its pointer', () => {
    const errorsOf = (websocket: unknown): string[] =>
      harness().errorsOf([{ name: 'p', type: 'ReverseProxyHandler', config: { websocket } }]);
    assert.deepEqual(errorsOf({ enabeld: true }), [
      `TG_CONFIG_UNKNOWN_PROPERTY ${FILE}#/heap/0/config/websocket/enabeld`,
    ]);
    assert.deepEqual(errorsOf({ enabled: true, soTimeout: 'soon' }), [
      `TG_CONFIG_BAD_DURATION ${FILE}#/heap/0/config/websocket/soTimeout`,
    ]);
  });

  test('websocket keys with no meaning here load, each with a warning that says why', (t) => {
    const { h } = proxy(t, {
      websocket: { enabled: true, numberOfSelectors: 4, vertx: { maxWebSocketFrameSize: 1 }, tls: 'Tls' },
    });
    const warned = h.logs.filter((line) => line.level === 40).map((line) => [line.place, line.msg]);
    assert.deepEqual(warned, [
      [
        `${FILE}#/heap/0/config/websocket/numberOfSelectors`,
        'ReverseProxyHandler "websocket.numberOfSelectors" is ignored: Node has one event loop, not selector threads',
      ],
      [
        `${FILE}#/heap/0/config/websocket/vertx`,
        'ReverseProxyHandler "websocket.vertx" is ignored: Tollgate does not run on Vert.x',
      ],
      [
        `${FILE}#/heap/0/config/websocket/tls`,
        'ReverseProxyHandler "websocket.tls" is ignored: the tunnel verifies a wss:// backend against Node\'s default certificate authorities',
      ],
    ]);
  });
});

describe('ReverseProxyHandler', () => {
  test('adds X-Forwarded-For to the list the request had, -Proto from the connection, -Host as the client asked it', async (t) => {
    const { h, handler } = proxy(t);
    const exchange = h.incoming({
      method: 'GET',
      url: 'https://gateway.test:8443/api?x=1',
      headers: { 'X-Forwarded-For': '10.0.0.1' },
    });
    exchange.request.headers.add('X-Forwarded-For', '10.0.0.2');
    const client = exchange.contexts.client as ClientContext;
    exchange.contexts.client = { ...client, remoteAddress: '10.0.0.3', isSecure: true };
    exchange.request.uri.rebase(RequestUri.parse(backend.url));
    const response = await handler.handle(exchange);
    await response.entity.load(1 << 20, 'TG_UPSTREAM_RESPONSE_TOO_LARGE');
    const { url, headers } = response.entity.json as { url: string; headers: Record<string, string> };
    assert.equal(url, '/api?x=1');
    assert.equal(headers['x-forwarded-for'], '10.0.0.1, 10.0.0.2, 10.0.0.3');
    assert.equal(headers['x-forwarded-proto'], 'https');
    assert.equal(headers['x-forwarded-host'], 'gateway.test:8443');
  });

  test("records the time until the upstream's answer on the exchange, for the access log", async (t) => {
    const { h, handler } = proxy(t);
    const exchange = h.incoming({ method: 'GET', url: `${backend.url}/a` });
    assert.equal(exchange.timing.upstreamMs, undefined);
    const response = await handler.handle(exchange);
    await response.entity.load(1 << 20, 'TG_UPSTREAM_RESPONSE_TOO_LARGE');
    assert.equal(typeof exchange.timing.upstreamMs, 'number');
    assert.ok(exchange.timing.upstreamMs! > 0);
  });

  test('always answers: an unreachable upstream is 502 with the public text, the reason only in the log', async (t) => {
    const { h, handler } = proxy(t);
    assert.deepEqual(await text(h, handler, 'http://127.0.0.1:1/x'), {
      status: 502,
      body: 'the upstream server cannot be reached',
    });
    const line = h.logs.find((l) => l.code === 'TG_UPSTREAM_UNREACHABLE');
    assert.equal(line?.upstream, 'http://127.0.0.1:1');
    assert.match(String(line?.msg), /ECONNREFUSED/);
  });

  test('a slow upstream is 504, after its soTimeout', async (t) => {
    const { h, handler } = proxy(t, { soTimeout: '200 ms' });
    assert.deepEqual(await text(h, handler, `${backend.url}/slow?ms=5000`), {
      status: 504,
      body: 'the upstream server did not answer in time',
    });
  });
});
