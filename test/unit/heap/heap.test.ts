import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { builtinTypes, defaultDeclarations } from '../../../src/builtins.js';
import { objectSchema, referenceSchema } from '../../../src/config/schema.js';
import { createBuiltinFunctions } from '../../../src/el/index.js';
import { ConfigFileReader } from '../../../src/config/file-reader.js';
import {
  childPlace,
  ConfigErrors,
  type Place,
  type TollgateError,
} from '../../../src/errors/tollgate-error.js';
import { Heap, type DefaultDeclaration } from '../../../src/heap/heap.js';
import { TypeRegistry } from '../../../src/heap/registry.js';
import { defineType, type Handler } from '../../../src/heap/types.js';
import { textResponse } from '../../../src/http/message.js';
import { memoryLogger, type LogLine } from '../../fixtures/gateway.js';
import { testExchange } from '../../fixtures/exchange.js';
import { testHeap, testHeapOptions } from '../../fixtures/heap.js';
import { harness } from '../filters/harness.js';

const FILE = 'routes/r.json';
const HEAP: Place = { file: FILE, pointer: '/heap' };
const HANDLER: Place = { file: FILE, pointer: '/handler' };

interface ProbeConfig {
  /** Registers a start hook that succeeds ('ok') or throws ('fail'). */
  start?: 'ok' | 'fail';
  /** Registers a stop hook that succeeds (true) or throws ('fail'). */
  stop?: true | 'fail';
  /** A Handler reference resolved while the probe is created. */
  uses?: unknown;
}

/**
 * A heap whose registry also holds a Probe handler type that writes what happens to it (created,
 * started, stopped) into `events`, so the heap's order of creation and lifecycle can be read.
 */
function probeHeap(defaults: readonly DefaultDeclaration[] = []) {
  const events: string[] = [];
  const probeType = defineType<ProbeConfig, Handler & { readonly name: string }>({
    type: 'Probe',
    kind: 'Handler',
    description: 'test probe',
    schema: objectSchema({
      start: { enum: ['ok', 'fail'] },
      stop: { enum: [true, 'fail'] },
      uses: referenceSchema,
    }),
    create: (config, context) => {
      const { name } = context;
      events.push(`create ${name}`);
      if (config.uses !== undefined) {
        context.resolve<Handler>(config.uses, 'Handler', childPlace(context.place, 'uses'));
      }
      if (config.start !== undefined) {
        context.onStart(() => {
          events.push(`start ${name}`);
          if (config.start === 'fail') throw new Error(`${name} cannot start`);
        });
      }
      if (config.stop !== undefined) {
        context.onStop(() => {
          events.push(`stop ${name}`);
          if (config.stop === 'fail') throw new Error(`${name} cannot stop`);
        });
      }
      return { name, handle: async () => textResponse(200) };
    },
  });
  const { logger, logs } = memoryLogger();
  const heap = new Heap({
    registry: TypeRegistry.create([...builtinTypes, probeType]),
    logger,
    environment: { env: { GREETING: 'hello' }, system: { 'os.name': 'Linux' } },
    functions: createBuiltinFunctions(),
    gateway: testHeap().gateway,
    defaults,
  });
  return { heap, events, logs };
}

/** The "CODE file#pointer" of each config error `build` throws. */
function errorsOf(build: () => unknown): string[] {
  try {
    build();
    return [];
  } catch (error) {
    if (!(error instanceof ConfigErrors)) throw error;
    return error.errors.map((e) => `${e.code} ${e.place?.file}#${e.place?.pointer}`);
  }
}

describe('declaring a heap', () => {
  test('a heap that is not a list is refused at its pointer', () => {
    const { heap } = probeHeap();
    assert.deepEqual(
      errorsOf(() => heap.declare({ name: 'a', type: 'Probe' }, HEAP)),
      [`TG_CONFIG_SCHEMA ${FILE}#/heap`],
    );
  });

  test('every malformed declaration is reported at once, each at its own pointer', () => {
    const { heap } = probeHeap();
    assert.deepEqual(
      errorsOf(() =>
        heap.declare(
          [
            { name: 'a' },
            { name: 'b', type: 'Probe', confg: {} },
            { type: 'Probe' },
            { name: 'ok', type: 'Probe' },
            { name: 'ok', type: 'Probe' },
          ],
          HEAP,
        ),
      ),
      [
        `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/0/type`,
        `TG_CONFIG_UNKNOWN_PROPERTY ${FILE}#/heap/1/confg`,
        `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/2/name`,
        `TG_CONFIG_DUPLICATE_NAME ${FILE}#/heap/4/name`,
      ],
    );
  });

  test("a declaration may take a default's name, and replaces that default", () => {
    const { heap, events } = probeHeap([{ name: 'Lazy', type: 'ReverseProxyHandler' }]);
    heap.declare([{ name: 'Lazy', type: 'Probe' }], HEAP);
    assert.equal(heap.resolve<{ name: string }>('Lazy', 'Handler', HANDLER).name, 'Lazy');
    assert.deepEqual(events, ['create Lazy']);
  });

  test("a declaration without config, or with null, gets its type's defaults", async () => {
    const heap = testHeap();
    heap.declare(
      [
        { name: 'a', type: 'StaticResponseHandler' },
        { name: 'b', type: 'StaticResponseHandler', config: null },
      ],
      HEAP,
    );
    const h = harness();
    for (const name of ['a', 'b']) {
      const response = await heap.resolve<Handler>(name, 'Handler', HANDLER).handle(h.incoming());
      assert.equal(response.status, 200);
    }
  });
});

describe('creating heap objects', () => {
  test('createAll creates every declaration, referenced or not, and no default until it is named', () => {
    const { heap, events } = probeHeap([{ name: 'Lazy', type: 'Probe' }]);
    heap.declare(
      [
        { name: 'a', type: 'Probe' },
        { name: 'b', type: 'Probe' },
      ],
      HEAP,
    );
    heap.createAll();
    assert.deepEqual(events, ['create a', 'create b']);
    heap.resolve('Lazy', 'Handler', HANDLER);
    assert.deepEqual(events, ['create a', 'create b', 'create Lazy']);
  });

  test('a named object is created once, on first reference, and is the same object every time', () => {
    const { heap, events } = probeHeap();
    heap.declare([{ name: 'a', type: 'Probe' }], HEAP);
    const first = heap.resolve('a', 'Handler', HANDLER);
    assert.equal(heap.resolve('a', 'Handler', HANDLER), first);
    heap.createAll();
    assert.deepEqual(events, ['create a']);
  });

  test('createAll reports every object that fails, each error once', () => {
    // "b" and "c" both reference the broken "a": the typo is one mistake, and one line.
    const heap = testHeap();
    heap.declare(
      [
        { name: 'a', type: 'StaticResponseHandler', config: { stauts: 200 } },
        { name: 'b', type: 'Chain', config: { filters: [], handler: 'a' } },
        { name: 'c', type: 'Chain', config: { filters: [], handler: 'a' } },
        { name: 'd', type: 'HeaderFilter', config: {} },
      ],
      HEAP,
    );
    assert.deepEqual(
      errorsOf(() => heap.createAll()),
      [
        `TG_CONFIG_UNKNOWN_PROPERTY ${FILE}#/heap/0/config/stauts`,
        `TG_CONFIG_MISSING_PROPERTY ${FILE}#/heap/3/config/messageType`,
      ],
    );
  });

  test('an unknown type is reported at the declaration’s type', () => {
    const heap = testHeap();
    heap.declare([{ name: 'a', type: 'NoSuchType' }], HEAP);
    assert.deepEqual(
      errorsOf(() => heap.createAll()),
      [`TG_CONFIG_UNKNOWN_TYPE ${FILE}#/heap/0/type`],
    );
  });

  test('an unknown type near a known one, by its name or its class name, suggests the short name', () => {
    const heap = testHeap();
    heap.declare(
      [
        { name: 'a', type: 'HeaderFiltre', config: { messageType: 'REQUEST' } },
        { name: 'b', type: 'com.example.HeaderFilter', config: { messageType: 'REQUEST' } },
        { name: 'c', type: 'NoSuchType' },
      ],
      HEAP,
    );
    try {
      heap.createAll();
      assert.fail('the heap was built');
    } catch (error) {
      assert.ok(error instanceof ConfigErrors);
      assert.deepEqual(
        error.errors.map((e) => e.detail),
        [
          'unknown type "HeaderFiltre"; did you mean "HeaderFilter"?',
          'unknown type "com.example.HeaderFilter"; did you mean "HeaderFilter"?',
          'unknown type "NoSuchType"',
        ],
      );
    }
  });

  test('a declaration naming its type by class name or alias builds that type', () => {
    const heap = testHeap();
    heap.declare(
      [
        {
          name: 'headers',
          type: 'org.forgerock.openig.filter.HeaderFilter',
          config: { messageType: 'REQUEST' },
        },
        { name: 'router', type: 'RouterHandler', config: { directory: '/tmp/no-such-routes' } },
        { name: 'store', type: 'org.forgerock.openig.secrets.SystemAndEnvSecretStoreHeaplet' },
      ],
      HEAP,
    );
    heap.createAll();
    assert.equal(typeof heap.resolve<{ filter: unknown }>('headers', 'Filter', HANDLER).filter, 'function');
    assert.equal(typeof heap.resolve<Handler>('router', 'Handler', HANDLER).handle, 'function');
    heap.resolve('store', 'SecretStore', HANDLER);
    assert.deepEqual(
      errorsOf(() => heap.resolve('headers', 'Handler', HANDLER)),
      [`TG_CONFIG_WRONG_KIND ${FILE}#/handler`],
    );
    assert.deepEqual(
      errorsOf(() =>
        heap.resolve(
          { type: 'org.forgerock.openig.handler.StaticResponseHandler', config: { stauts: 200 } },
          'Handler',
          HANDLER,
        ),
      ),
      [`TG_CONFIG_UNKNOWN_PROPERTY ${FILE}#/handler/config/stauts`],
    );
  });
});

describe('keys a type accepts and ignores', () => {
  const ignoring = defineType<Record<string, unknown>, Handler>({
    type: 'Ignoring',
    kind: 'Handler',
    description: 'test type with ignored keys',
    schema: objectSchema({ workers: {}, nested: objectSchema({ pool: {}, used: {} }), used: {} }),
    ignoredKeys: { workers: 'no workers here', 'nested.pool': 'no pool here' },
    create: () => ({ handle: () => Promise.resolve(textResponse(200, 'ok')) }),
  });

  test('each file that uses any gets one TG_CONFIG_IGNORED_KEYS warning naming each, with its pointer and reason', () => {
    const warnings: TollgateError[] = [];
    const heap = testHeap(
      {},
      { types: [ignoring], configReader: new ConfigFileReader(undefined, (w) => warnings.push(w)) },
    );
    heap.declare(
      [
        { name: 'a', type: 'Ignoring', config: { workers: 2, used: 1 } },
        { name: 'b', type: 'Ignoring', config: { nested: { pool: 1, used: 2 } } },
        { name: 'c', type: 'Ignoring', config: { used: 3 } },
      ],
      HEAP,
    );
    heap.createAll();
    assert.deepEqual(
      warnings.map((w) => [w.code, w.place, w.detail]),
      [
        [
          'TG_CONFIG_IGNORED_KEYS',
          { file: FILE, pointer: '' },
          'ignored, with no meaning on Node: /heap/0/config/workers (no workers here); /heap/1/config/nested/pool (no pool here)',
        ],
      ],
    );
    heap.createAll();
    assert.equal(warnings.length, 1, 'each object is noted once, when it is created');
  });

  test('a file that uses none gets no warning', () => {
    const warnings: TollgateError[] = [];
    const heap = testHeap(
      {},
      { types: [ignoring], configReader: new ConfigFileReader(undefined, (w) => warnings.push(w)) },
    );
    heap.declare([{ name: 'a', type: 'Ignoring', config: { used: 1, nested: { used: 1 } } }], HEAP);
    heap.createAll();
    assert.deepEqual(warnings, []);
  });
});

describe('references', () => {
  test('an inline declaration is created once per object, named after its place', () => {
    const { heap, events } = probeHeap();
    const inline = { type: 'Probe' };
    const first = heap.resolve(inline, 'Handler', HANDLER);
    assert.equal(heap.resolve(inline, 'Handler', HANDLER), first);
    assert.notEqual(heap.resolve({ type: 'Probe' }, 'Handler', HANDLER), first);
    assert.deepEqual(events, ['create Probe/handler', 'create Probe/handler']);
    heap.resolve({ name: 'mine', type: 'Probe' }, 'Handler', HANDLER);
    assert.equal(events.at(-1), 'create mine');
  });

  test('an inline declaration is checked as a heap one is, and may not take a heap name', () => {
    const { heap } = probeHeap();
    heap.declare([{ name: 'a', type: 'Probe' }], HEAP);
    const errors = (reference: unknown): string[] =>
      errorsOf(() => heap.resolve(reference, 'Handler', HANDLER));
    assert.deepEqual(errors({ type: 'Probe', confg: {} }), [
      `TG_CONFIG_UNKNOWN_PROPERTY ${FILE}#/handler/confg`,
    ]);
    assert.deepEqual(errors({ type: 'Nope' }), [`TG_CONFIG_UNKNOWN_TYPE ${FILE}#/handler/type`]);
    assert.deepEqual(errors({ type: 'Probe', config: { start: 'maybe' } }), [
      `TG_CONFIG_SCHEMA ${FILE}#/handler/config/start`,
    ]);
    assert.deepEqual(errors({ name: 'a', type: 'Probe' }), [
      `TG_CONFIG_DUPLICATE_NAME ${FILE}#/handler/name`,
    ]);
  });

  test('a reference that is neither a name nor an object is refused at its place', () => {
    const { heap } = probeHeap();
    for (const reference of [42, ['a'], null, true]) {
      assert.deepEqual(
        errorsOf(() => heap.resolve(reference, 'Handler', HANDLER)),
        [`TG_CONFIG_SCHEMA ${FILE}#/handler`],
        JSON.stringify(reference),
      );
    }
  });

  test('an unknown name, or an object of another kind, is reported where it is referenced', () => {
    const { heap } = probeHeap();
    heap.declare(
      [
        { name: 'f', type: 'HeaderFilter', config: { messageType: 'REQUEST' } },
        { name: 'a', type: 'Probe', config: { uses: 'nope' } },
        { name: 'b', type: 'Probe', config: { uses: 'f' } },
      ],
      HEAP,
    );
    assert.deepEqual(
      errorsOf(() => heap.createAll()),
      [
        `TG_CONFIG_BAD_REFERENCE ${FILE}#/heap/1/config/uses`,
        `TG_CONFIG_WRONG_KIND ${FILE}#/heap/2/config/uses`,
      ],
    );
  });

  test("a child heap finds its parent's objects, its own shadow them, and the parent never sees the child's", () => {
    const { heap: parent } = probeHeap([{ name: 'Lazy', type: 'Probe' }]);
    parent.declare(
      [
        { name: 'a', type: 'Probe' },
        { name: 'b', type: 'Probe' },
      ],
      HEAP,
    );
    const child = parent.child(parent.logger);
    child.declare(
      [
        { name: 'b', type: 'Probe' },
        { name: 'c', type: 'Probe' },
      ],
      HEAP,
    );
    assert.equal(child.resolve('a', 'Handler', HANDLER), parent.resolve('a', 'Handler', HANDLER));
    assert.equal(child.resolve('Lazy', 'Handler', HANDLER), parent.resolve('Lazy', 'Handler', HANDLER));
    assert.notEqual(child.resolve('b', 'Handler', HANDLER), parent.resolve('b', 'Handler', HANDLER));
    assert.deepEqual(
      errorsOf(() => parent.resolve('c', 'Handler', HANDLER)),
      [`TG_CONFIG_BAD_REFERENCE ${FILE}#/handler`],
    );
  });

  test('objects that reference each other: each creation reports the cycle it closes, where it closes it', () => {
    const { heap } = probeHeap();
    heap.declare(
      [
        { name: 'a', type: 'Probe', config: { uses: 'b' } },
        { name: 'b', type: 'Probe', config: { uses: 'a' } },
        { name: 'self', type: 'Probe', config: { uses: { type: 'Probe', config: { uses: 'self' } } } },
      ],
      HEAP,
    );
    try {
      heap.createAll();
      assert.fail('a cycle must not build');
    } catch (error) {
      assert.ok(error instanceof ConfigErrors);
      assert.deepEqual(
        error.errors.map((e) => [e.code, e.place?.pointer, e.detail]),
        [
          ['TG_CONFIG_REFERENCE_CYCLE', '/heap/1/config/uses', 'a → b → a'],
          ['TG_CONFIG_REFERENCE_CYCLE', '/heap/0/config/uses', 'b → a → b'],
          ['TG_CONFIG_REFERENCE_CYCLE', '/heap/2/config/uses/config/uses', 'self → self'],
        ],
      );
    }
  });
});

describe('build contexts', () => {
  test('configuration expressions see env and system, nothing of a request; other values pass as they are', () => {
    const { heap } = probeHeap();
    const context = heap.contextFor('x', HANDLER);
    assert.equal(context.configValue("${env['GREETING']} ${system['os.name']}", HANDLER), 'hello Linux');
    assert.equal(context.configValue('${request.method}', HANDLER), null);
    assert.equal(context.configValue(42, HANDLER), 42);
  });

  test('an expression that fails at run time is logged with its code and place, and yields null', async () => {
    const { heap, logs } = probeHeap();
    const place = childPlace(HANDLER, 'config', 'entity');
    const template = heap.contextFor('x', HANDLER).template('${request.entity.json.id}', place);
    const exchange = harness().incoming({ body: 'not json' });
    await exchange.request.entity.load(1024, 'TG_REQUEST_ENTITY_TOO_LARGE');
    assert.equal(template.evaluate(exchange), null);
    const line = logs.find((l) => l.code === 'TG_EL_EVALUATION');
    assert.equal(line?.place, `${FILE}#/handler/config/entity`);
  });

  test("openig gives the instance's directories, at load and per request; baseDirectory is instanceDirectory", () => {
    const heap = testHeap({}, { instanceDirectory: '/srv/ig', configDirectory: '/srv/ig/config' });
    const context = heap.contextFor('x', HANDLER);
    assert.equal(
      context.configValue(
        '${openig.configDirectory}/routes ${openig.instanceDirectory} ${openig.baseDirectory}',
        HANDLER,
      ),
      '/srv/ig/config/routes /srv/ig /srv/ig',
    );
    assert.equal(
      context.template('${openig.temporaryDirectory}', HANDLER).evaluate(testExchange()),
      '/tmp/tmp',
    );
  });

  test("properties are top-level names: config.json's over admin.json's in the root, a child's over its parent's", () => {
    const options = testHeapOptions();
    const root = new Heap({
      ...options,
      gateway: {
        ...options.gateway,
        properties: [
          { prop: { x: 1 }, shared: 'config' },
          { shared: 'admin', only: 'a' },
        ],
      },
    });
    const route = root.child(root.logger, 'r', { prop: { y: 2 }, own: ['a', 'b'] });
    const inRoot = root.contextFor('x', HANDLER);
    const inRoute = route.contextFor('x', HANDLER);
    const exchange = testExchange();
    assert.equal(
      inRoot.template('${prop.x} ${shared} ${only} ${own}', HANDLER).evaluate(exchange),
      '1 config a ',
    );
    assert.equal(
      inRoute.template('${prop.x} ${prop.y} ${shared} ${own[1]}', HANDLER).evaluate(exchange),
      ' 2 config b',
    );
    assert.equal(inRoute.condition('${prop.y == 2}', HANDLER).test(exchange), true);
    assert.equal(inRoute.configValue('${own[0]}', HANDLER), 'a');
  });

  test("a property named as one of the request's names is hidden by it, and no expression can write to a property", () => {
    const heap = testHeap().child(testHeap().logger, 'r', { request: 'shadowed', prop: { x: 1 } });
    const context = heap.contextFor('x', HANDLER);
    const exchange = testExchange({ method: 'PUT' });
    assert.equal(context.template('${request.method}', HANDLER).evaluate(exchange), 'PUT');
    assert.equal(context.lvalue('${prop.x}', HANDLER).assign(exchange, 2), false);
    assert.equal(context.template('${prop.x}', HANDLER).evaluate(exchange), 1);
  });

  test("route-level decorations wrap the route's handler; with none, the handler is returned as it is", async () => {
    const { heap } = probeHeap(defaultDeclarations);
    const handler: Handler = {
      handle: async (exchange) => textResponse(200, exchange.request.uri.toString()),
    };
    const route = { file: FILE, pointer: '' };
    assert.equal(
      heap.decorateHandler(() => handler, { handler: 'x' }, route, ['handler']),
      handler,
    );
    const decorated = heap.decorateHandler(
      () => handler,
      { baseURI: 'https://backend.test:8443', handler: 'x' },
      route,
      ['handler'],
    );
    const response = await decorated.handle(harness().incoming({ url: 'http://gateway.test/a?b=c' }));
    assert.equal(response.entity.string, 'https://backend.test:8443/a?b=c');
  });
});

describe('starting and stopping', () => {
  test('start runs the start hooks in creation order, once; stop runs the stop hooks in reverse, once', async () => {
    const { heap, events } = probeHeap();
    heap.declare(
      [
        { name: 'a', type: 'Probe', config: { start: 'ok', stop: true } },
        // "c" is created while "b" is, so before "b" registers its own hooks.
        { name: 'b', type: 'Probe', config: { start: 'ok', stop: true, uses: 'c' } },
        { name: 'c', type: 'Probe', config: { start: 'ok', stop: true } },
      ],
      HEAP,
    );
    heap.createAll();
    events.length = 0;
    await heap.start();
    await heap.start();
    assert.deepEqual(events, ['start a', 'start c', 'start b']);
    events.length = 0;
    await heap.stop();
    await heap.stop();
    assert.deepEqual(events, ['stop b', 'stop c', 'stop a']);
  });

  test('a stop hook that fails is logged, and the others still run', async () => {
    const { heap, events, logs } = probeHeap();
    heap.declare(
      [
        { name: 'a', type: 'Probe', config: { stop: true } },
        { name: 'b', type: 'Probe', config: { stop: 'fail' } },
      ],
      HEAP,
    );
    heap.createAll();
    await heap.stop();
    assert.deepEqual(events.slice(2), ['stop b', 'stop a']);
    assert.ok(logs.some((l) => l.msg === 'a heap object failed to stop'));
  });

  test('a failed start stops, in reverse, the objects that had started, and none that had not', async () => {
    const { heap, events } = probeHeap();
    heap.declare(
      [
        { name: 'a', type: 'Probe', config: { start: 'ok', stop: true } },
        { name: 'b', type: 'Probe', config: { start: 'ok', stop: true } },
        { name: 'c', type: 'Probe', config: { start: 'fail', stop: true } },
        { name: 'd', type: 'Probe', config: { start: 'ok', stop: true } },
      ],
      HEAP,
    );
    heap.createAll();
    events.length = 0;
    await assert.rejects(heap.start(), /c cannot start/);
    assert.deepEqual(events, ['start a', 'start b', 'start c', 'stop b', 'stop a']);
  });

  test('after a failed start, objects with only a stop hook are stopped and objects with only a start hook change nothing', async () => {
    // "b" has nothing to stop and "c" nothing to start (its resources exist from its creation):
    // neither may shift which stop hooks belong to the objects that started.
    const { heap, events } = probeHeap();
    heap.declare(
      [
        { name: 'a', type: 'Probe', config: { start: 'ok', stop: true } },
        { name: 'b', type: 'Probe', config: { start: 'ok' } },
        { name: 'c', type: 'Probe', config: { stop: true } },
        { name: 'd', type: 'Probe', config: { start: 'fail', stop: true } },
        { name: 'e', type: 'Probe', config: { start: 'ok', stop: true } },
        { name: 'f', type: 'Probe', config: { stop: true } },
      ],
      HEAP,
    );
    heap.createAll();
    events.length = 0;
    await assert.rejects(heap.start(), /d cannot start/);
    assert.deepEqual(events, ['start a', 'start b', 'start d', 'stop f', 'stop c', 'stop a']);
  });
});

describe('decorators by name, and globalDecorators', () => {
  const ROUTE: Place = { file: FILE, pointer: '' };
  const answer = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    type: 'StaticResponseHandler',
    config: { status: 200 },
    ...extra,
  });
  const capturing = (name: string, config: Record<string, unknown> = {}) => ({
    name,
    type: 'CaptureDecorator',
    config,
  });
  /** config.json's heap and a route's below it, logging into one memory logger. */
  const heaps = () => {
    const { logger, logs } = memoryLogger();
    const parent = testHeap({}, { logger });
    return { parent, child: () => parent.child(logger), logs };
  };
  const requestLines = (logs: readonly LogLine[]) =>
    logs.filter((l) => l.capture === 'request').map((l) => `${String(l.decorator)} ${String(l.object)}`);

  test('local, then the parents’ global, then the heap’s global, then the top-level decorations, each around the last', async () => {
    const { parent, child, logs } = heaps();
    parent.declare([capturing('outer-capture')], HEAP);
    parent.decorateGlobally(
      { 'outer-capture': 'request' },
      { file: 'config.json', pointer: '/globalDecorators' },
    );
    const route = child();
    route.declare(
      [capturing('route-capture'), capturing('top-capture'), answer('h', { capture: 'request' })],
      HEAP,
    );
    route.decorateGlobally({ 'route-capture': 'request' }, childPlace(ROUTE, 'globalDecorators'));
    const handler = route.decorateHandler(
      () => route.resolve<Handler>('h', 'Handler', HANDLER),
      { handler: 'h', 'top-capture': 'request' },
      ROUTE,
      ['handler'],
    );
    await handler.handle(harness().incoming());
    // The outermost decoration sees the request first.
    assert.deepEqual(requestLines(logs), [
      'top-capture undefined',
      'route-capture h',
      'outer-capture h',
      'capture h',
    ]);
  });

  test('global decorations reach what the heap resolves from its parents, as seen from it, and only handlers and filters', async () => {
    const { parent, child, logs } = heaps();
    parent.declare([answer('shared')], HEAP);
    const route = child();
    route.declare([capturing('route-capture')], HEAP);
    route.decorateGlobally({ 'route-capture': 'request' }, childPlace(ROUTE, 'globalDecorators'));
    await route.resolve<Handler>('shared', 'Handler', HANDLER).handle(harness().incoming());
    assert.deepEqual(requestLines(logs), ['route-capture shared']);
    assert.equal(
      route.resolve('shared', 'Handler', HANDLER),
      route.resolve('shared', 'Handler', HANDLER),
      'decorated once for the heap',
    );
    await parent.resolve<Handler>('shared', 'Handler', HANDLER).handle(harness().incoming());
    assert.equal(requestLines(logs).length, 1, "the parent's own use of it has no route decoration");
    const store = route.resolve<object>({ type: 'SystemAndEnvSecretStore' }, 'SecretStore', HANDLER);
    assert.equal(typeof store, 'object', 'a secret store is left as it is');
    const decorator = route.resolve<Record<string, unknown>>('route-capture', 'Decorator', HANDLER);
    assert.equal(typeof decorator.decorate, 'function', 'a decorator is never decorated');
  });

  test('a name is a decorator in the heap that declares it and below; a user declaration replaces the default one', async () => {
    const { parent, child, logs } = heaps();
    parent.declare([capturing('capture', { captureEntity: true })], HEAP);
    const route = child();
    const text = { status: 200, headers: { 'Content-Type': ['text/plain'] }, entity: 'hello' };
    route.declare([capturing('route-capture'), answer('h', { capture: 'response', config: text })], HEAP);
    route.createAll();
    await route.resolve<Handler>('h', 'Handler', HANDLER).handle(harness().incoming());
    const line = logs.find((l) => l.capture === 'response') as { response?: { entity?: string } } | undefined;
    assert.equal(line?.response?.entity, 'hello', 'the replaced capture writes the entity');
    assert.deepEqual(
      errorsOf(() =>
        parent.declare([answer('p', { 'route-capture': 'all' })], { file: 'config.json', pointer: '/heap' }),
      ),
      ['TG_CONFIG_UNKNOWN_PROPERTY config.json#/heap/0/route-capture'],
    );
  });

  test('a key that names no decorator is an error at the key, with the name it most likely means', () => {
    const { parent } = heaps();
    const errors = (() => {
      try {
        parent.declare([answer('a', { captur: 'all' }), answer('b', { ClientHandler: 'all' })], HEAP);
        return [];
      } catch (error) {
        return (error as ConfigErrors).errors.map((e) => `${e.code} ${e.place?.pointer} ${e.message}`);
      }
    })();
    assert.equal(errors.length, 2);
    assert.match(errors[0]!, /^TG_CONFIG_UNKNOWN_PROPERTY \/heap\/0\/captur .*did you mean "capture"\?/);
    assert.match(
      errors[1]!,
      /^TG_CONFIG_UNKNOWN_PROPERTY \/heap\/1\/ClientHandler .*a Handler, not a decorator/,
    );
    // The refused declaration's errors are not listed again where it is referenced.
    assert.throws(
      () => parent.resolve('a', 'Handler', HANDLER),
      (error) => error instanceof ConfigErrors && error.errors.length === 0,
    );
    assert.deepEqual(
      errorsOf(() =>
        parent.decorateHandler(() => answerHandler, { handler: 'x', conditon: true }, ROUTE, [
          'handler',
          'condition',
        ]),
      ),
      [`TG_CONFIG_UNKNOWN_PROPERTY ${FILE}#/conditon`],
    );
  });

  test('globalDecorators: a name that is no decorator, or a value the decorator refuses, fails at its pointer', () => {
    const { parent } = heaps();
    const at = childPlace(ROUTE, 'globalDecorators');
    assert.deepEqual(
      errorsOf(() => parent.decorateGlobally({ captur: 'all', timer: true }, at)),
      [`TG_CONFIG_UNKNOWN_DECORATOR ${FILE}#/globalDecorators/captur`],
    );
    assert.deepEqual(
      errorsOf(() => parent.decorateGlobally({ capture: 'everything' }, at)),
      [`TG_CONFIG_BAD_VALUE ${FILE}#/globalDecorators/capture`],
    );
    assert.deepEqual(
      errorsOf(() => parent.decorateGlobally(['capture'], at)),
      [`TG_CONFIG_SCHEMA ${FILE}#/globalDecorators`],
    );
  });
});

const answerHandler: Handler = { handle: async () => textResponse(200) };
