// The admin endpoints over real sockets: the routes endpoint, deployment in development mode,
// the protection of the api/ endpoints, the health probes through start-up and drain, and the
// admin connector.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { builtinTypes } from '../../src/builtins.js';
import { objectSchema } from '../../src/config/schema.js';
import { textResponse } from '../../src/http/message.js';
import { TypeRegistry } from '../../src/heap/registry.js';
import { defineType, type Handler } from '../../src/heap/types.js';
import { startGateway, validateFiles, type Gateway } from '../../src/index.js';
import {
  eventually,
  memoryLogger,
  startTestGateway,
  type LogLine,
  type TestGateway,
} from '../fixtures/gateway.js';

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly json: Record<string, unknown>;
}

async function call(url: string, method = 'GET', body?: unknown): Promise<Answer> {
  const res = await request(url, {
    method: method as 'GET',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.body.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not every answer is JSON: the routes answer text.
  }
  return { status: res.statusCode, text, json };
}

type Resource = Record<string, unknown> & {
  _id: string;
  _status: {
    state: string;
    name?: string;
    order?: number;
    errors: { code: string; pointer: string; file: string; message: string }[];
    requests: { total: number };
  };
};

function staticRoute(entity: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    condition: `\${find(request.uri.path, '^/${entity.split(' ')[0]}')}`,
    handler: { type: 'StaticResponseHandler', config: { status: 200, entity } },
    ...extra,
  };
}

const typo = { handler: { type: 'StaticResponseHandler', config: { stauts: 200 } } };

/** A promise and the function that settles it: what a test holds a start-up or a request with. */
function gate(): { readonly passed: Promise<void>; open(): void } {
  let open!: () => void;
  const passed = new Promise<void>((done) => (open = done));
  return { passed, open };
}

/**
 * A handler type a test holds: `at: "start"` holds the route's start (and with it the Router's
 * first scan), `at: "request"` holds each request it answers. Registered with the built-in
 * types through the gateway's `registry` option: the gateway itself is the real one.
 */
function heldHandlerType(gates: {
  start: { passed: Promise<void> };
  request: { passed: Promise<void> };
  arrived: { open(): void };
}) {
  return defineType<{ at: 'start' | 'request' }, Handler>({
    type: 'HeldHandler',
    kind: 'Handler',
    description: 'a handler a test holds',
    schema: objectSchema({ at: { enum: ['start', 'request'] } }, ['at']),
    create: (config, context) => {
      if (config.at === 'start') context.onStart(() => gates.start.passed);
      return {
        async handle() {
          gates.arrived.open();
          if (config.at === 'request') await gates.request.passed;
          return textResponse(200, 'held');
        },
      };
    },
  });
}

function logged(logs: readonly LogLine[], msg: string): LogLine | undefined {
  return logs.find((line) => line.msg === msg);
}

const API = '/openig/api/system/objects';

describe('the routes endpoint', () => {
  let tg: TestGateway;
  const routes = (query = '?_queryFilter=true'): string => `${tg.url}${API}/_router/routes${query}`;

  before(async () => {
    tg = await startTestGateway({
      files: { 'admin.json': { mode: 'development' } },
      routes: {
        '10-hello.json': staticRoute('hello v1', { name: 'b-hello' }),
        '20-first.json': staticRoute('first', { name: 'a-first' }),
        '30-broken.json': typo,
        '40-gone.json': staticRoute('gone', { name: 'c-gone' }),
      },
    });
  });

  after(() => tg.close());

  test('lists every route in the order the Router tries them, in Common REST shape, with its status', async () => {
    assert.equal((await call(`${tg.url}/hello`)).text, 'hello v1');
    const { status, json } = await call(routes());
    assert.equal(status, 200);
    const result = json.result as Resource[];
    assert.equal(json.resultCount, 4);
    assert.deepEqual(
      result.map((r) => `${r._id} ${r._status.state} ${String(r._status.order)}`),
      ['20-first loaded 0', '10-hello loaded 1', '40-gone loaded 2', '30-broken failed undefined'],
    );
    const hello = result[1]!;
    assert.equal(hello.name, 'b-hello');
    assert.equal(hello.condition, "${find(request.uri.path, '^/hello')}");
    assert.deepEqual(hello.handler, {
      type: 'StaticResponseHandler',
      config: { status: 200, entity: 'hello v1' },
    });
    assert.equal(hello._status.requests.total, 1);
    const broken = result[3]!;
    assert.deepEqual(
      broken._status.errors.map((e) => `${e.code} ${e.pointer}`),
      ['TG_CONFIG_UNKNOWN_PROPERTY /handler/config/stauts'],
    );
    assert.equal(broken._status.errors[0]!.file, join(tg.routesDir, '30-broken.json'));
  });

  test('routes/<id> gives one route; an unknown id is a 404', async () => {
    const one = await call(`${tg.url}${API}/_router/routes/20-first?_prettyPrint=true`);
    assert.equal(one.status, 200);
    assert.equal(one.json._id, '20-first');
    assert.match(one.text, /^\{\n {2}"_id": "20-first",/);
    const unknown = await call(`${tg.url}${API}/_router/routes/99-none`);
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.json, { code: 404, reason: 'Not Found', message: 'no route with id "99-none"' });
    assert.equal((await call(`${tg.url}${API}/no-router/routes`)).status, 404);
  });

  test('a broken edit of a working route is loaded-with-previous-version, and the previous build serves', async () => {
    await tg.writeRoute('10-hello.json', { ...staticRoute('hello v2', { name: 'b-hello' }), handlr: 'x' });
    await eventually(async () => {
      const hello = (await call(`${tg.url}${API}/_router/routes/10-hello`)).json as Resource;
      assert.equal(hello._status.state, 'loaded-with-previous-version');
      assert.deepEqual(
        hello._status.errors.map((e) => `${e.code} ${e.pointer}`),
        ['TG_CONFIG_UNKNOWN_PROPERTY /handlr'],
      );
      // The resource shows what serves: the previous version's file.
      assert.equal((hello.handler as { config: { entity: string } }).config.entity, 'hello v1');
    });
    assert.equal((await call(`${tg.url}/hello`)).text, 'hello v1');
  });

  test('a removed route file is listed as removed, and its route no longer serves', async () => {
    assert.equal((await call(`${tg.url}/gone`)).text, 'gone');
    await unlink(join(tg.routesDir, '40-gone.json'));
    await eventually(async () => {
      const gone = (await call(`${tg.url}${API}/_router/routes/40-gone`)).json as Resource;
      assert.equal(gone._status.state, 'removed');
    });
    assert.equal((await call(`${tg.url}/gone`)).status, 404);
    const listed = (await call(routes())).json.result as Resource[];
    assert.equal(listed.at(-1)!._id, '40-gone');
  });
});

describe('deploying routes in development mode', () => {
  let tg: TestGateway;
  const route = (id: string): string => `${tg.url}${API}/_router/routes/${id}`;

  before(async () => {
    tg = await startTestGateway({ files: { 'admin.json': { mode: 'development' } } });
  });

  after(() => tg.close());

  test('PUT writes the route file and the route serves as soon as the answer is in', async () => {
    const created = await call(route('50-new'), 'PUT', staticRoute('new v1'));
    assert.equal(created.status, 201);
    assert.equal(created.json._id, '50-new');
    assert.equal((created.json as Resource)._status.state, 'loaded');
    assert.equal((await call(`${tg.url}/new`)).text, 'new v1');
    assert.deepEqual(
      JSON.parse(await readFile(join(tg.routesDir, '50-new.json'), 'utf8')),
      staticRoute('new v1'),
    );

    const replaced = await call(route('50-new'), 'PUT', staticRoute('new v2'));
    assert.equal(replaced.status, 200);
    assert.equal((await call(`${tg.url}/new`)).text, 'new v2');
  });

  test('a body that does not load is a 409 with its coded errors; the file and the route stay as they were', async () => {
    await call(route('60-kept'), 'PUT', staticRoute('kept'));
    const before = await readFile(join(tg.routesDir, '60-kept.json'), 'utf8');
    const refused = await call(route('60-kept'), 'PUT', { ...staticRoute('kept v2'), condition: '${find(' });
    assert.equal(refused.status, 409);
    const { errors } = refused.json.detail as {
      errors: { code: string; pointer: string; message: string }[];
    };
    assert.deepEqual(
      errors.map((e) => `${e.code} ${e.pointer}`),
      ['TG_CONFIG_BAD_EXPRESSION /condition'],
    );
    assert.equal(typeof errors[0]!.message, 'string');
    assert.equal(await readFile(join(tg.routesDir, '60-kept.json'), 'utf8'), before);
    assert.equal((await call(`${tg.url}/kept`)).text, 'kept');
    const notJson = await call(route('60-kept'), 'PUT', '{"handler": ');
    assert.equal(notJson.status, 400);
    assert.equal(notJson.json.reason, 'Bad Request');
  });

  test('an id that is not a plain file name is a 400, and nothing is written', async () => {
    for (const id of ['.hidden', 'a%20b', 'a%00b', '-%C3%A9']) {
      assert.equal((await call(route(id), 'PUT', staticRoute('x'))).status, 400, id);
    }
    // An encoded slash never reaches the endpoint: the request target is refused first.
    assert.equal((await call(route('..%2F..%2Fetc'), 'PUT', staticRoute('x'))).status, 400);
    const listed = (await call(`${tg.url}${API}/_router/routes`)).json.result as Resource[];
    assert.ok(listed.every((r) => !r._id.startsWith('.')));
  });

  test('DELETE unloads the route and removes its file before it answers', async () => {
    await call(route('70-doomed'), 'PUT', staticRoute('doomed'));
    assert.equal((await call(`${tg.url}/doomed`)).text, 'doomed');
    const removed = await call(route('70-doomed'), 'DELETE');
    assert.equal(removed.status, 200);
    assert.equal((removed.json as Resource)._status.state, 'removed');
    assert.equal((await call(`${tg.url}/doomed`)).status, 404);
    await assert.rejects(readFile(join(tg.routesDir, '70-doomed.json')), { code: 'ENOENT' });
    assert.equal((await call(route('70-doomed'), 'DELETE')).status, 404);
  });
});

describe('modes', () => {
  test('in production PUT and DELETE are 403, and the routes are listed with their status only', async () => {
    const tg = await startTestGateway({ routes: { 'a.json': staticRoute('a') } });
    try {
      const put = await call(`${tg.url}${API}/_router/routes/b`, 'PUT', staticRoute('b'));
      assert.equal(put.status, 403);
      assert.equal((await call(`${tg.url}${API}/_router/routes/a`, 'DELETE')).status, 403);
      assert.equal((await call(`${tg.url}/b`)).status, 404);
      assert.equal((await call(`${tg.url}/a`)).text, 'a');
      const listed = (await call(`${tg.url}${API}/_router/routes?_queryFilter=true`)).json
        .result as Resource[];
      assert.deepEqual(Object.keys(listed[0]!), ['_id', '_status']);
    } finally {
      await tg.close();
    }
  });

  test("IG_RUN_MODE=development opens deployment; admin.json's mode, when there is one, wins", async () => {
    const dev = await startTestGateway({ env: { IG_RUN_MODE: 'development' } });
    const prod = await startTestGateway({
      env: { IG_RUN_MODE: 'development' },
      files: { 'admin.json': { mode: 'production' } },
    });
    try {
      assert.equal((await call(`${dev.url}${API}/_router/routes/b`, 'PUT', staticRoute('b'))).status, 201);
      assert.equal((await call(`${dev.url}/b`)).text, 'b');
      assert.equal((await call(`${prod.url}${API}/_router/routes/b`, 'PUT', staticRoute('b'))).status, 403);
    } finally {
      await dev.close();
      await prod.close();
    }
  });

  test('a router declared under another name is listed under its own name', async () => {
    const tg = await startTestGateway({
      files: {
        'admin.json': { mode: 'development' },
        'config.json': {
          heap: [
            { name: 'ApiRouter', type: 'Router', config: { directory: 'routes', scanInterval: 'disabled' } },
          ],
          handler: 'ApiRouter',
        },
      },
      routes: { 'a.json': staticRoute('a') },
    });
    try {
      const listed = await call(`${tg.url}${API}/ApiRouter/routes?_queryFilter=true`);
      assert.deepEqual(
        (listed.json.result as Resource[]).map((r) => r._id),
        ['a'],
      );
      // PingGateway spells object names in lower case in these paths.
      assert.equal((await call(`${tg.url}${API}/apirouter/routes/a`)).json._id, 'a');
      assert.equal((await call(`${tg.url}${API}/_router/routes`)).status, 404);
      assert.equal((await call(`${tg.url}${API}/ApiRouter/routes/b`, 'PUT', staticRoute('b'))).status, 201);
      assert.equal((await call(`${tg.url}/b`)).text, 'b');
    } finally {
      await tg.close();
    }
  });
});

/** This host's first IPv4 address that is not loopback, if it has one. */
function nonLoopbackAddress(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? [])
      if (address.family === 'IPv4' && !address.internal) return address.address;
  }
  return undefined;
}

describe('protection of the api/ endpoints', () => {
  const address = nonLoopbackAddress();
  const skip =
    address === undefined
      ? 'this host has no non-loopback IPv4 address (the unit tests cover the filter)'
      : false;

  test(
    'a client that is not on the loopback gets an empty 403 from api/; ping, health and metrics stay open',
    { skip },
    async () => {
      const tg = await startTestGateway({
        files: { 'admin.json': { mode: 'development', adminConnector: { port: 0, host: address } } },
        routes: { 'a.json': staticRoute('a') },
      });
      try {
        const adminUrl = tg.gateway.adminUrl!;
        assert.equal(new URL(adminUrl).hostname, address);
        const refused = await call(`${adminUrl}/api/system/objects/_router/routes?_queryFilter=true`);
        assert.deepEqual({ status: refused.status, text: refused.text }, { status: 403, text: '' });
        assert.equal(
          (await call(`${adminUrl}/api/system/objects/_router/routes/b`, 'PUT', staticRoute('b'))).status,
          403,
        );
        assert.equal((await call(`${adminUrl}/no/such/path`)).status, 403);
        assert.equal((await call(`${tg.url}/b`)).status, 404);
        assert.equal((await call(`${adminUrl}/ping`)).text, 'Pong');
        assert.equal((await call(`${adminUrl}/health/ready`)).status, 200);
        assert.equal((await call(`${adminUrl}/metrics/prometheus/0.0.4`)).status, 200);
        // The same endpoints from the loopback, under the prefix on the connector.
        assert.equal((await call(`${tg.url}${API}/_router/routes`)).status, 200);
      } finally {
        await tg.close();
      }
    },
  );

  test("admin.json's apiProtectionFilter replaces the loopback default", { skip }, async () => {
    const tg = await startTestGateway({
      files: {
        'admin.json': {
          adminConnector: { port: 0, host: address },
          apiProtectionFilter: {
            type: 'ConditionEnforcementFilter',
            config: { condition: `\${contexts.client.remoteAddress == '${address}'}` },
          },
        },
      },
      routes: { 'a.json': staticRoute('a') },
    });
    try {
      const listed = await call(`${tg.gateway.adminUrl!}/api/system/objects/_router/routes`);
      assert.equal(listed.status, 200);
      assert.equal(listed.json.resultCount, 1);
      // The loopback client no longer passes: the filter declared is the only rule.
      assert.equal((await call(`${tg.url}${API}/_router/routes`)).status, 403);
      assert.equal((await call(`${tg.url}/openig/health/live`)).status, 200);
    } finally {
      await tg.close();
    }
  });
});

test('tollgate validate reports an apiProtectionFilter that does not build, at its place', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-validate-admin-'));
  try {
    const file = join(dir, 'admin.json');
    await writeFile(
      file,
      JSON.stringify({ apiProtectionFilter: { type: 'ConditionEnforcementFilter', config: {} } }),
    );
    const [report] = await validateFiles([file], {
      env: { env: {}, system: {} },
      logger: memoryLogger().logger,
    });
    assert.deepEqual(
      report!.errors.map((e) => `${e.code} ${e.place?.pointer}`),
      ['TG_CONFIG_MISSING_PROPERTY /apiProtectionFilter/config/condition'],
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

describe('health endpoints and the admin connector', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-health-'));
    await mkdir(join(dir, 'routes'));
    await writeFile(
      join(dir, 'admin.json'),
      JSON.stringify({ adminConnector: { port: 0, host: '127.0.0.1' } }),
    );
    await writeFile(
      join(dir, 'routes', 'held-start.json'),
      JSON.stringify({ handler: { type: 'HeldHandler', config: { at: 'start' } } }),
    );
    await writeFile(
      join(dir, 'routes', 'held-request.json'),
      JSON.stringify({
        condition: "${find(request.uri.path, '^/slow')}",
        handler: { type: 'HeldHandler', config: { at: 'request' } },
      }),
    );
  });

  after(() => rm(dir, { recursive: true, force: true }));

  test('503 while the routes load, 200 once they have, 503 again from the moment the gateway drains', async () => {
    const gates = { start: gate(), request: gate(), arrived: gate() };
    const { logger, logs } = memoryLogger();
    const starting = startGateway({
      configDir: dir,
      port: 0,
      host: '127.0.0.1',
      logger,
      registry: TypeRegistry.create([...builtinTypes, heldHandlerType(gates)]),
    });
    let gateway: Gateway | undefined;
    try {
      // The admin connector is open before the routes load; the connectors are not.
      let adminUrl = '';
      await eventually(() => {
        adminUrl = String(logged(logs, 'tollgate admin endpoints are listening')?.url ?? '');
        assert.notEqual(adminUrl, '');
      });
      assert.equal(
        logs.find((line) => line.msg.includes('listening on')),
        undefined,
      );
      const ready = await call(`${adminUrl}/health/ready`);
      assert.deepEqual(
        { status: ready.status, json: ready.json },
        { status: 503, json: { status: 'DOWN', phase: 'starting' } },
      );
      assert.equal((await call(`${adminUrl}/health/startup`)).status, 503);
      assert.equal((await call(`${adminUrl}/health/live`)).status, 200);
      assert.equal((await call(`${adminUrl}/ping`)).text, 'Pong');

      gates.start.open();
      gateway = await starting;
      assert.equal(gateway.adminUrl, adminUrl);
      assert.equal((await call(`${adminUrl}/health/ready`)).status, 200);
      assert.equal((await call(`${adminUrl}/health/startup`)).status, 200);
      assert.equal((await call(`${gateway.urls[0]}/openig/health/ready`)).status, 200);

      // A request in flight holds the drain open while the probes are asked.
      const slow = call(`${gateway.urls[0]}/slow`);
      await gates.arrived.passed;
      const closing = gateway.close();
      const draining = await call(`${adminUrl}/health/ready`);
      assert.deepEqual(
        { status: draining.status, json: draining.json },
        { status: 503, json: { status: 'DOWN', phase: 'draining' } },
      );
      assert.equal((await call(`${adminUrl}/health/startup`)).status, 503);
      assert.equal((await call(`${adminUrl}/health/live`)).status, 200);
      gates.request.open();
      assert.equal((await slow).text, 'held');
      await closing;
      gateway = undefined;
      await assert.rejects(call(`${adminUrl}/health/live`), { code: 'ECONNREFUSED' });
    } finally {
      gates.start.open();
      gates.request.open();
      await (gateway ?? (await starting.catch(() => undefined)))?.close();
    }
  });
});
