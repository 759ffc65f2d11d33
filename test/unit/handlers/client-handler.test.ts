import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TollgateError } from '../../../src/errors/tollgate-error.js';
import type { Handler } from '../../../src/heap/types.js';
import { Cancellation } from '../../../src/http/cancellation.js';
import { startBackend, type Backend } from '../../fixtures/backend.js';
import { eventually } from '../../fixtures/gateway.js';
import { FILE, harness } from '../filters/harness.js';

let backend: Backend;
before(async () => {
  backend = await startBackend();
});
after(() => backend.close());

/** A ClientHandler built with `config`; its heap is stopped (its pool closed) after the test. */
function clientHandler(t: { after(fn: () => Promise<void>): void }, config: Record<string, unknown> = {}) {
  const h = harness();
  t.after(() => h.stop());
  return { h, handler: h.build<Handler>([{ name: 'c', type: 'ClientHandler', config }], 'c', 'Handler') };
}

const rejectsWith = (code: string, status: number) => (error: unknown) =>
  error instanceof TollgateError && error.code === code && error.status === status;

describe('ClientHandler config errors carry a code and a pointer', () => {
  const errorsOf = (config: unknown): string[] =>
    harness().errorsOf([{ name: 'c', type: 'ClientHandler', config }]);

  test('connections is a whole number, at least 1', () => {
    for (const connections of [0, 1.5, '64']) {
      assert.deepEqual(errorsOf({ connections }), [`TG_CONFIG_SCHEMA ${FILE}#/heap/0/config/connections`]);
    }
  });

  test('the time-outs are durations', () => {
    assert.deepEqual(errorsOf({ soTimeout: 'soon' }), [
      `TG_CONFIG_BAD_DURATION ${FILE}#/heap/0/config/soTimeout`,
    ]);
    assert.deepEqual(errorsOf({ connectionTimeout: -1 }), [
      `TG_CONFIG_BAD_DURATION ${FILE}#/heap/0/config/connectionTimeout`,
    ]);
    assert.deepEqual(errorsOf({ timeout: '1 second' }), [
      `TG_CONFIG_UNKNOWN_PROPERTY ${FILE}#/heap/0/config/timeout`,
    ]);
  });

  test('proxyOptions, proxy and systemProxy exclude each other', () => {
    assert.deepEqual(errorsOf({ systemProxy: true, proxy: { uri: 'http://p' } }), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/systemProxy`,
    ]);
    assert.deepEqual(errorsOf({ proxyOptions: 'ClientHandler' }), [
      `TG_CONFIG_WRONG_KIND ${FILE}#/heap/0/config/proxyOptions`,
    ]);
  });

  test('retries and circuitBreaker are checked: a typo is still an error, executors are accepted', () => {
    assert.deepEqual(errorsOf({ retries: { count: -1 } }), [
      `TG_CONFIG_SCHEMA ${FILE}#/heap/0/config/retries/count`,
    ]);
    assert.deepEqual(errorsOf({ retries: { delay: 'soon' } }), [
      `TG_CONFIG_BAD_DURATION ${FILE}#/heap/0/config/retries/delay`,
    ]);
    assert.deepEqual(errorsOf({ retries: { enabled: 'maybe' } }), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/retries/enabled`,
    ]);
    assert.deepEqual(errorsOf({ circuitBreaker: { openDuration: '1 s' } }), [
      `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/circuitBreaker/maxFailures`,
    ]);
    assert.deepEqual(
      errorsOf({ circuitBreaker: { maxFailures: 1, openDuration: '1 s', slidingCounter: { sise: 3 } } }),
      [`TG_CONFIG_UNKNOWN_PROPERTY ${FILE}#/heap/0/config/circuitBreaker/slidingCounter/sise`],
    );
    assert.deepEqual(errorsOf({ numberOfWorker: 4 }), [
      `TG_CONFIG_UNKNOWN_PROPERTY ${FILE}#/heap/0/config/numberOfWorker`,
    ]);
    assert.deepEqual(
      errorsOf({
        numberOfWorkers: 4,
        vertx: {},
        retries: { executor: 'ScheduledExecutorService', condition: '${response.status == 503}' },
        circuitBreaker: { maxFailures: 1, openDuration: 10, executor: 'ScheduledExecutorService' },
        hostnameVerifier: 'ALLOW_ALL',
        protocolVersion: 'HTTP/2',
        disableReuseConnection: '${true}',
      }),
      [],
    );
  });

  test('a connection lifetime of zero is refused at load rather than failing every request', () => {
    assert.deepEqual(errorsOf({ connectionTimeToLive: 'disabled' }), [
      `TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/connectionTimeToLive`,
    ]);
  });
});

describe('ClientHandler', () => {
  test('sends the request to its URI, with its method, path, query, headers and body, and returns the answer', async (t) => {
    const { h, handler } = clientHandler(t);
    const response = await handler.handle(
      h.incoming({
        url: `${backend.url}/echo?x=1`,
        headers: { Host: 'gateway.test', 'X-Test': 'yes', 'Content-Type': 'text/plain' },
        body: 'hello',
      }),
    );
    assert.equal(response.status, 200);
    assert.equal(response.headers.first('x-backend'), 'yes');
    await response.entity.load(1 << 20, 'TG_UPSTREAM_RESPONSE_TOO_LARGE');
    const echoed = response.entity.json as {
      method: string;
      url: string;
      headers: Record<string, string>;
      bodyBytes: number;
    };
    assert.equal(echoed.method, 'POST');
    assert.equal(echoed.url, '/echo?x=1');
    assert.equal(echoed.headers['x-test'], 'yes');
    assert.equal(echoed.headers.host, `127.0.0.1:${backend.port}`, "the upstream's host, not the client's");
    assert.equal(echoed.bodyBytes, 5);
  });

  test('a failure is thrown, not answered: unreachable is TG_UPSTREAM_UNREACHABLE (502)', async (t) => {
    const { h, handler } = clientHandler(t);
    await assert.rejects(
      handler.handle(h.incoming({ url: 'http://127.0.0.1:1/' })),
      rejectsWith('TG_UPSTREAM_UNREACHABLE', 502),
    );
  });

  test('soTimeout bounds the wait for an answer: TG_UPSTREAM_TIMEOUT (504)', async (t) => {
    const { h, handler } = clientHandler(t, { soTimeout: '200 ms' });
    const started = Date.now();
    await assert.rejects(
      handler.handle(h.incoming({ method: 'GET', url: `${backend.url}/slow?ms=5000` })),
      rejectsWith('TG_UPSTREAM_TIMEOUT', 504),
    );
    assert.ok(Date.now() - started < 4000);
  });

  test('"unlimited" time-outs wait as long as it takes', async (t) => {
    const { h, handler } = clientHandler(t, { soTimeout: 'unlimited', connectionTimeout: 'unlimited' });
    const response = await handler.handle(h.incoming({ method: 'GET', url: `${backend.url}/slow?ms=50` }));
    await response.entity.load(1024, 'TG_UPSTREAM_RESPONSE_TOO_LARGE');
    assert.equal(response.entity.string, 'slow');
  });

  test('connections bounds the pool: with one, a second request waits for the first to be answered', async (t) => {
    const { h, handler } = clientHandler(t, { connections: 1 });
    const send = async (): Promise<number> => {
      const response = await handler.handle(h.incoming({ method: 'GET', url: `${backend.url}/slow?ms=300` }));
      await response.entity.load(1024, 'TG_UPSTREAM_RESPONSE_TOO_LARGE');
      return Number(response.headers.first('x-answered-at'));
    };
    const [first, second] = (await Promise.all([send(), send()])).sort();
    assert.ok(second! - first! >= 250, `answered ${second! - first!} ms apart`);
  });

  test("the exchange's cancellation stops the call, which fails with its reason", async (t) => {
    const { h, handler } = clientHandler(t);
    const cancellation = new Cancellation();
    const before = backend.requests.length;
    const answer = handler.handle(
      h.incoming({ method: 'GET', url: `${backend.url}/slow?ms=5000` }, cancellation),
    );
    await eventually(() => assert.equal(backend.requests.length, before + 1));
    cancellation.cancel(new TollgateError('TG_CLIENT_GONE'));
    await assert.rejects(answer, { code: 'TG_CLIENT_GONE' });
  });

  test('disableReuseConnection opens a connection per request; by default a pooled one is reused', async (t) => {
    const ports = async (config: Record<string, unknown>): Promise<number> => {
      const { h, handler } = clientHandler(t, config);
      const from = backend.requests.length;
      for (let i = 0; i < 3; i++) {
        const response = await handler.handle(h.incoming({ method: 'GET', url: `${backend.url}/echo` }));
        await response.entity.load(1 << 20, 'TG_UPSTREAM_RESPONSE_TOO_LARGE');
      }
      return new Set(backend.requests.slice(from).map((request) => request.remotePort)).size;
    };
    assert.equal(await ports({ connections: 1 }), 1);
    assert.equal(await ports({ connections: 1, disableReuseConnection: true }), 3);
  });

  test('stopping its heap closes the pool: a later request fails', async () => {
    const h = harness();
    const handler = h.build<Handler>([{ name: 'c', type: 'ClientHandler' }], 'c', 'Handler');
    await h.stop();
    await assert.rejects(
      handler.handle(h.incoming({ method: 'GET', url: `${backend.url}/echo` })),
      rejectsWith('TG_UPSTREAM_UNREACHABLE', 502),
    );
  });
});
