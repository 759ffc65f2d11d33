import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TollgateError } from '../../../src/errors/tollgate-error.js';
import { ConfigErrors } from '../../../src/errors/tollgate-error.js';
import { buildRoute } from '../../../src/router/route.js';
import { memoryLogger } from '../../fixtures/gateway.js';
import { testHeap } from '../../fixtures/heap.js';

/** Builds a route file's content and returns the "CODE pointer" of each error it gives. */
async function errorsOf(document: unknown, env: Record<string, string> = {}): Promise<string[]> {
  try {
    const route = await buildRoute(document, { id: 'r', file: 'routes/r.json' }, testHeap(env), {
      start: false,
    });
    await route.retire();
    return [];
  } catch (error) {
    const errors = error instanceof ConfigErrors ? error.errors : [error as TollgateError];
    return errors.map((e) => `${e.code} ${e.place?.file}#${e.place?.pointer}`);
  }
}

const ok = { type: 'StaticResponseHandler', config: { status: 200 } };

describe('route build errors carry a code, the file and a JSON pointer', () => {
  test('a valid route builds', async () => {
    assert.deepEqual(await errorsOf({ handler: ok }), []);
  });

  test('missing handler', async () => {
    assert.deepEqual(await errorsOf({ name: 'x' }), ['TG_CONFIG_MISSING_PROPERTY routes/r.json#/handler']);
  });

  test('unknown route key', async () => {
    assert.deepEqual(await errorsOf({ handler: ok, conditon: 'x' }), [
      'TG_CONFIG_UNKNOWN_PROPERTY routes/r.json#/conditon',
    ]);
  });

  test('comment and underscore keys are allowed', async () => {
    assert.deepEqual(await errorsOf({ handler: ok, comment: 'why', _disabled: { x: 1 } }), []);
  });

  test('typo in a type config', async () => {
    assert.deepEqual(
      await errorsOf({
        heap: [{ name: 'h', type: 'StaticResponseHandler', config: { stauts: 200 } }],
        handler: 'h',
      }),
      ['TG_CONFIG_UNKNOWN_PROPERTY routes/r.json#/heap/0/config/stauts'],
    );
  });

  test('every error of the file is listed: the heap, the handler, the condition and each object', async () => {
    assert.deepEqual(
      await errorsOf({
        heap: [
          { name: 'a', type: 'StaticResponseHandler', config: { stauts: 200 } },
          { name: 'b', type: 'NoSuchType' },
          { name: 'c', type: 'StaticResponseHandler', config: { status: 'soon' } },
          { name: 'd', type: 'StaticResponseHandler', config: 7 },
        ],
        condition: '${request.}',
        handler: { type: 'Chain', config: { filters: [], handler: 'missing' } },
      }),
      [
        'TG_CONFIG_SCHEMA routes/r.json#/heap/3/config',
        'TG_CONFIG_BAD_REFERENCE routes/r.json#/handler/config/handler',
        'TG_CONFIG_BAD_EXPRESSION routes/r.json#/condition',
        'TG_CONFIG_UNKNOWN_PROPERTY routes/r.json#/heap/0/config/stauts',
        'TG_CONFIG_UNKNOWN_TYPE routes/r.json#/heap/1/type',
        'TG_CONFIG_BAD_VALUE routes/r.json#/heap/2/config/status',
      ],
    );
  });

  test('a handler naming a heap object whose declaration is refused reports the declaration only', async () => {
    assert.deepEqual(await errorsOf({ heap: [{ name: 'h', type: 7 }], handler: 'h' }), [
      'TG_CONFIG_SCHEMA routes/r.json#/heap/0/type',
    ]);
  });

  test('unknown type', async () => {
    assert.deepEqual(await errorsOf({ handler: { type: 'NoSuchHandler' } }), [
      'TG_CONFIG_UNKNOWN_TYPE routes/r.json#/handler/type',
    ]);
  });

  test('reference to a missing heap object', async () => {
    assert.deepEqual(
      await errorsOf({ handler: { type: 'Chain', config: { filters: ['Missing'], handler: ok } } }),
      ['TG_CONFIG_BAD_REFERENCE routes/r.json#/handler/config/filters/0'],
    );
  });

  test('a filter where a handler is expected', async () => {
    assert.deepEqual(
      await errorsOf({
        heap: [{ name: 'f', type: 'HeaderFilter', config: { messageType: 'REQUEST' } }],
        handler: 'f',
      }),
      ['TG_CONFIG_WRONG_KIND routes/r.json#/handler'],
    );
  });

  test('heap objects that reference each other in a cycle', async () => {
    const errors = await errorsOf({
      heap: [
        { name: 'a', type: 'Chain', config: { filters: [], handler: 'b' } },
        { name: 'b', type: 'Chain', config: { filters: [], handler: 'a' } },
      ],
      handler: 'a',
    });
    assert.ok(errors.length > 0);
    assert.ok(
      errors.every((e) => e.startsWith('TG_CONFIG_REFERENCE_CYCLE')),
      errors.join('\n'),
    );
  });

  test('two heap objects with one name', async () => {
    assert.deepEqual(
      await errorsOf({
        heap: [
          { name: 'h', ...ok },
          { name: 'h', ...ok },
        ],
        handler: 'h',
      }),
      ['TG_CONFIG_DUPLICATE_NAME routes/r.json#/heap/1/name'],
    );
  });

  test('an expression that does not parse', async () => {
    const errors = await errorsOf({ condition: '${request.uri.path ==}', handler: ok });
    assert.deepEqual(errors, ['TG_CONFIG_BAD_EXPRESSION routes/r.json#/condition']);
  });

  test('an unresolved configuration token', async () => {
    assert.deepEqual(await errorsOf({ baseURI: '&{backend.url}', handler: ok }), [
      'TG_CONFIG_UNRESOLVED_TOKEN routes/r.json#/baseURI',
    ]);
  });

  test('configuration tokens resolve from route properties and the environment', async () => {
    assert.deepEqual(
      await errorsOf({
        properties: { backend: { url: 'http://x' } },
        baseURI: '&{backend.url}',
        handler: ok,
      }),
      [],
    );
    assert.deepEqual(
      await errorsOf({ baseURI: '&{backend.url}', handler: ok }, { BACKEND_URL: 'http://y' }),
      [],
    );
  });

  test('the built-in client handlers exist without declaration', async () => {
    for (const name of ['ClientHandler', 'ForgeRockClientHandler', 'ReverseProxyHandler']) {
      assert.deepEqual(await errorsOf({ handler: name }), []);
    }
  });
});

describe('auditService, secrets and the audit decoration', () => {
  test('auditService names an AuditService: a missing one, or an object of another kind, fails at its pointer', async () => {
    assert.deepEqual(await errorsOf({ handler: ok, auditService: 'Nope' }), [
      'TG_CONFIG_BAD_REFERENCE routes/r.json#/auditService',
    ]);
    assert.deepEqual(await errorsOf({ handler: ok, auditService: 'ClientHandler' }), [
      'TG_CONFIG_WRONG_KIND routes/r.json#/auditService',
    ]);
    assert.deepEqual(await errorsOf({ handler: ok, auditService: { type: 'NoOpAuditService' } }), []);
    assert.deepEqual(
      await errorsOf({
        handler: ok,
        heap: [{ name: 'AuditService', type: 'AuditService', config: { eventHandlers: [] } }],
      }),
      [],
    );
  });

  test("secrets' stores are a SecretsProvider named secrets in the route's heap, their errors inside secrets", async () => {
    const client = (secretsProvider: string) => ({
      name: 'auth',
      type: 'ClientSecretBasicAuthenticationFilter',
      config: { clientId: 'c', clientSecretId: 'client.secret', secretsProvider },
    });
    const stores = [
      { type: 'Base64EncodedSecretStore', config: { secrets: { 'client.secret': 'c2VjcmV0' } } },
    ];
    assert.deepEqual(await errorsOf({ handler: ok, secrets: { stores }, heap: [client('secrets')] }), []);
    assert.deepEqual(await errorsOf({ handler: ok, heap: [client('secrets')] }), [
      'TG_CONFIG_BAD_REFERENCE routes/r.json#/heap/0/config/secretsProvider',
    ]);
    assert.deepEqual(
      await errorsOf({
        handler: ok,
        secrets: { stores: [...stores, { type: 'NoSuchStore' }, 'ClientHandler'] },
      }),
      [
        'TG_CONFIG_UNKNOWN_TYPE routes/r.json#/secrets/stores/1/type',
        'TG_CONFIG_WRONG_KIND routes/r.json#/secrets/stores/2',
      ],
    );
    assert.deepEqual(await errorsOf({ handler: ok, secrets: { store: [] } }), [
      'TG_CONFIG_MISSING_PROPERTY routes/r.json#/secrets/stores',
      'TG_CONFIG_UNKNOWN_PROPERTY routes/r.json#/secrets/store',
    ]);
  });

  test("OpenIG's audit decoration, on the route or on an object, loads with a warning at its place", async () => {
    const { logger, logs } = memoryLogger();
    const route = await buildRoute(
      {
        handler: ok,
        audit: 'global',
        heap: [{ name: 'h', type: 'StaticResponseHandler', config: {}, audit: ['tag'] }],
      },
      { id: 'r', file: 'routes/r.json' },
      testHeap({}, { logger }),
      { start: false },
    );
    await route.retire();
    assert.deepEqual(
      logs
        .filter((l) => l.code === 'TG_AUDIT_DECORATION_IGNORED')
        .map((l) => l.place)
        .sort(),
      ['routes/r.json#/audit', 'routes/r.json#/heap/0/audit'],
    );
  });
});

describe('conditions', () => {
  test("PingGateway's { expression, label } form is accepted and its errors point inside it", async () => {
    assert.deepEqual(
      await errorsOf({ condition: { expression: '${true}', label: 'always' }, handler: ok }),
      [],
    );
    assert.deepEqual(await errorsOf({ condition: { expression: '${1 +}', label: 'bad' }, handler: ok }), [
      'TG_CONFIG_BAD_EXPRESSION routes/r.json#/condition/expression',
    ]);
  });
});

describe('baseURI', () => {
  test('a constant baseURI that is not an absolute URI fails the route at load', async () => {
    assert.deepEqual(await errorsOf({ baseURI: 'not a uri', handler: ok }), [
      'TG_CONFIG_BAD_VALUE routes/r.json#/baseURI',
    ]);
  });

  test('a baseURI with an expression is checked per request instead', async () => {
    assert.deepEqual(await errorsOf({ baseURI: '${request.headers["X-Base"][0]}', handler: ok }), []);
  });
});

describe('DispatchHandler baseURI', () => {
  const dispatch = (baseURI: string): unknown => ({
    handler: { type: 'DispatchHandler', config: { bindings: [{ baseURI, handler: ok }] } },
  });

  test('a constant binding baseURI that is not an absolute URI fails the route at load, like the decoration', async () => {
    assert.deepEqual(await errorsOf(dispatch('nope')), [
      'TG_CONFIG_BAD_VALUE routes/r.json#/handler/config/bindings/0/baseURI',
    ]);
    assert.deepEqual(await errorsOf(dispatch('http://backend:8080')), []);
  });
});

describe('route-level decorations, globalDecorators and monitor', () => {
  const build = (document: Record<string, unknown>, env: Record<string, string> = {}) =>
    buildRoute(document, { id: 'r', file: 'routes/r.json' }, testHeap(env), { start: false });

  test('a decorator the route declares is a key of the route itself; one it does not is a typo', async () => {
    const declared = { heap: [{ name: 'route-capture', type: 'CaptureDecorator' }], handler: ok };
    assert.deepEqual(await errorsOf({ ...declared, 'route-capture': 'all' }), []);
    assert.deepEqual(await errorsOf({ handler: ok, 'route-capture': 'all' }), [
      'TG_CONFIG_UNKNOWN_PROPERTY routes/r.json#/route-capture',
    ]);
    assert.deepEqual(await errorsOf({ handler: ok, globalDecorators: { 'route-capture': 'all' } }), [
      'TG_CONFIG_UNKNOWN_DECORATOR routes/r.json#/globalDecorators/route-capture',
    ]);
    assert.deepEqual(
      await errorsOf({ ...declared, globalDecorators: { 'route-capture': 'all', timer: true } }),
      [],
    );
  });

  test('monitor: unset or true records the route metrics, false or an expression giving false does not', async () => {
    const monitored = async (monitor: unknown, env: Record<string, string> = {}): Promise<boolean> => {
      const route = await build(monitor === undefined ? { handler: ok } : { handler: ok, monitor }, env);
      await route.retire();
      return route.monitored;
    };
    assert.equal(await monitored(undefined), true);
    assert.equal(await monitored(true), true);
    assert.equal(await monitored(false), false);
    assert.equal(await monitored('${false}'), false);
    assert.equal(await monitored("${env['MONITOR']}", { MONITOR: 'true' }), true);
    assert.equal(await monitored({ enabled: false, percentiles: [0.5, 0.99] }), false);
    assert.equal(await monitored({ percentiles: [0.99] }), true);
  });

  test('a monitor that is neither true nor false fails at its pointer', async () => {
    assert.deepEqual(await errorsOf({ handler: ok, monitor: 'maybe' }), [
      'TG_CONFIG_BAD_VALUE routes/r.json#/monitor',
    ]);
    assert.deepEqual(await errorsOf({ handler: ok, monitor: { enabled: 'no' } }), [
      'TG_CONFIG_BAD_VALUE routes/r.json#/monitor/enabled',
    ]);
    assert.deepEqual(await errorsOf({ handler: ok, monitor: { enable: true } }), [
      'TG_CONFIG_UNKNOWN_PROPERTY routes/r.json#/monitor/enable',
    ]);
  });
});
