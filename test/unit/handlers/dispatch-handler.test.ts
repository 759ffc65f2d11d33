import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import type { Handler } from '../../../src/heap/types.js';
import { FILE, harness } from '../filters/harness.js';

/** A StaticResponseHandler answering `status` with `name` as its body. */
const answer = (name: string, status = 200): unknown => ({
  type: 'StaticResponseHandler',
  config: { status, entity: name },
});

function dispatch(bindings: unknown[], h = harness()): Handler {
  return h.build<Handler>(
    [
      { name: 'd', type: 'DispatchHandler', config: { bindings } },
      { name: 'Stub', type: 'Stub' },
    ],
    'd',
    'Handler',
  );
}

async function body(handler: Handler, exchange: Parameters<Handler['handle']>[0]): Promise<[number, string]> {
  const response = await handler.handle(exchange);
  return [response.status, response.entity.string ?? ''];
}

describe('DispatchHandler config errors carry a code and a pointer', () => {
  const errorsOf = (config: unknown): string[] =>
    harness().errorsOf([
      { name: 'd', type: 'DispatchHandler', config },
      { name: 'f', type: 'HeaderFilter', config: { messageType: 'REQUEST' } },
    ]);

  test('bindings is required; each binding needs a handler; a misspelt key', () => {
    assert.deepEqual(errorsOf({}), [`TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/bindings`]);
    assert.deepEqual(
      errorsOf({ bindings: [{ condition: true }, { handler: 'ClientHandler', conditon: true }] }),
      [
        `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/config/bindings/0/handler`,
        `TG_CONFIG_UNKNOWN_PROPERTY ${FILE}#/heap/0/config/bindings/1/conditon`,
      ],
    );
  });

  test('a condition that does not parse, a handler that is missing or a filter, each at its binding', () => {
    assert.deepEqual(
      errorsOf({
        bindings: [{ handler: 'ClientHandler' }, { condition: '${1 +}', handler: 'ClientHandler' }],
      }),
      [`TG_CONFIG_BAD_EXPRESSION ${FILE}#/heap/0/config/bindings/1/condition`],
    );
    assert.deepEqual(errorsOf({ bindings: [{ handler: 'Nope' }] }), [
      `TG_CONFIG_BAD_REFERENCE ${FILE}#/heap/0/config/bindings/0/handler`,
    ]);
    assert.deepEqual(errorsOf({ bindings: [{ handler: 'f' }] }), [
      `TG_CONFIG_WRONG_KIND ${FILE}#/heap/0/config/bindings/0/handler`,
    ]);
  });
});

describe('DispatchHandler', () => {
  test('the first binding whose condition is true answers; one without a condition always matches', async () => {
    const h = harness();
    const handler = dispatch(
      [
        { condition: "${request.uri.path == '/a'}", handler: answer('a') },
        { condition: "${find(request.uri.path, '^/a')}", handler: answer('a-prefix') },
        { handler: answer('fallback') },
      ],
      h,
    );
    const at = (path: string) => body(handler, h.incoming({ url: `http://gateway.test${path}` }));
    assert.deepEqual(await at('/a'), [200, 'a']);
    assert.deepEqual(await at('/abc'), [200, 'a-prefix']);
    assert.deepEqual(await at('/other'), [200, 'fallback']);
  });

  test('when no binding matches, or there is none: an empty 404, noted at debug level', async () => {
    const h = harness();
    for (const bindings of [[{ condition: false, handler: answer('never') }], []]) {
      assert.deepEqual(await body(dispatch(bindings, h), h.incoming()), [404, '']);
    }
    const notes = h.logs.filter((l) => l.code === 'TG_ROUTE_NOT_FOUND');
    assert.deepEqual(
      notes.map((l) => l.level),
      [20, 20],
    );
  });

  test("a binding's name labels the debug line of the binding that answers", async () => {
    const h = harness();
    const handler = dispatch(
      [
        { name: 'never', condition: false, handler: answer('never') },
        { name: 'catch-all', handler: answer('all') },
      ],
      h,
    );
    assert.deepEqual(await body(handler, h.incoming()), [200, 'all']);
    assert.deepEqual(
      h.logs.filter((l) => l.binding !== undefined).map((l) => [l.level, l.binding]),
      [[20, 'catch-all']],
    );
  });

  test("a binding's capture logs what its handler gets and gives; a bad capture point is refused at its place", async () => {
    const h = harness();
    const handler = dispatch(
      [
        { condition: "${request.uri.path == '/quiet'}", handler: answer('quiet') },
        { capture: ['request', 'response'], handler: answer('loud', 201) },
      ],
      h,
    );
    await handler.handle(h.incoming({ url: 'http://gateway.test/quiet' }));
    assert.equal(h.logs.filter((l) => l.capture !== undefined).length, 0);
    await handler.handle(h.incoming({ url: 'http://gateway.test/loud' }));
    const captured = h.logs.filter((l) => l.capture !== undefined);
    assert.deepEqual(
      captured.map((l) => l.capture),
      ['request', 'response'],
    );
    assert.equal((captured[1]!.response as { status: number }).status, 201);
    assert.deepEqual(
      harness().errorsOf([
        {
          name: 'd',
          type: 'DispatchHandler',
          config: { bindings: [{ capture: 'everything', handler: answer('x') }] },
        },
      ]),
      [`TG_CONFIG_BAD_VALUE ${FILE}#/heap/0/config/bindings/0/capture`],
    );
  });

  test("a binding's baseURI rebases the request before its handler gets it", async () => {
    const h = harness();
    const handler = dispatch(
      [
        { condition: false, baseURI: 'http://wrong.test', handler: 'Stub' },
        { baseURI: 'https://backend.test:8443', handler: 'Stub' },
      ],
      h,
    );
    await handler.handle(h.incoming({ url: 'http://gateway.test/api?x=1' }));
    assert.deepEqual(
      h.seen.map((s) => s.uri),
      ['https://backend.test:8443/api?x=1'],
    );
  });

  test('a baseURI that gives no absolute URI answers 500, and its handler is not reached', async () => {
    const h = harness();
    const handler = dispatch([{ baseURI: "${request.headers['X-Base'][0]}", handler: 'Stub' }], h);
    assert.deepEqual(await body(handler, h.incoming()), [500, '']);
    assert.equal(h.seen.length, 0);
    const line = h.logs.find((l) => l.code === 'TG_BASE_URI_INVALID');
    assert.match(String(line?.msg), /#\/heap\/0\/config\/bindings\/0\/baseURI/);
  });

  test('a condition that reads the body has it loaded first', async () => {
    const h = harness();
    const handler = dispatch(
      [{ condition: '${request.entity.json.kind == "order"}', handler: answer('order') }],
      h,
    );
    const exchange = h.incoming({ headers: { 'Content-Type': 'application/json' } });
    exchange.request.entity.set(Readable.from(['{"kind":', '"order"}']));
    assert.deepEqual(await body(handler, exchange), [200, 'order']);
  });
});
