import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pino } from 'pino';
import { TollgateError } from '../../../src/errors/tollgate-error.js';
import type { EndpointRequest } from '../../../src/heap/types.js';
import type { Route } from '../../../src/router/route.js';
import { RouteDirectory } from '../../../src/router/route-directory.js';
import type { RouteTable } from '../../../src/router/route-table.js';
import { RoutesEndpoint } from '../../../src/router/routes-endpoint.js';
import { eventually } from '../../fixtures/gateway.js';
import { testHeap } from '../../fixtures/heap.js';

const made: string[] = [];
after(async () => {
  for (const dir of made) await rm(dir, { recursive: true, force: true });
});

function staticRoute(entity: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    condition: `\${find(request.uri.path, '^/${entity}')}`,
    handler: { type: 'StaticResponseHandler', config: { status: 200, entity } },
    ...extra,
  };
}

interface Fixture {
  readonly dir: string;
  readonly routes: RouteDirectory;
  /** Every table the directory published, last one last. */
  readonly tables: RouteTable<Route>[];
  call(
    method: string,
    segments: string[],
    options?: { query?: Record<string, string>; body?: unknown | (() => unknown) },
  ): Promise<{ status: number; text: string; json: Record<string, unknown> }>;
  /** The ids the Router's table serves, in order. */
  serving(): string[];
}

async function fixture(mode: 'development' | 'production', files: Record<string, unknown>): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-routes-endpoint-'));
  made.push(dir);
  for (const [name, content] of Object.entries(files)) {
    await writeFile(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  const tables: RouteTable<Route>[] = [];
  const routes = new RouteDirectory({
    directory: dir,
    heap: testHeap(),
    logger: pino({ level: 'silent' }),
    publish: (table) => tables.push(table),
    rescanSoon: () => undefined,
  });
  await routes.scan();
  const endpoint = new RoutesEndpoint(routes, mode);
  return {
    dir,
    routes,
    tables,
    async call(method, segments, options = {}) {
      const query: Record<string, string[]> = {};
      for (const [name, value] of Object.entries(options.query ?? {})) query[name] = [value];
      const request: EndpointRequest = {
        method,
        segments,
        query,
        json: async () => (typeof options.body === 'function' ? options.body() : options.body),
      };
      const response = await endpoint.handle(request);
      await response.entity.load(1 << 22, 'TG_REQUEST_ENTITY_TOO_LARGE');
      const text = response.entity.string ?? '';
      return {
        status: response.status,
        text,
        json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
      };
    },
    serving: () => (tables.at(-1)?.routes ?? []).map((route) => route.id),
  };
}

type Resource = Record<string, unknown> & {
  _id: string;
  _status: { state: string; order?: number; errors: { code: string; pointer: string; file: string }[] };
};

describe('listing and reading routes', () => {
  test('the routes in the order the Router tries them, as Common REST resources with their status', async () => {
    const f = await fixture('development', {
      'a.json': staticRoute('a', { name: 'z-last' }),
      'b.json': staticRoute('b', { name: 'a-first' }),
      'c.json': { handler: { type: 'StaticResponseHandler', config: { stauts: 200 } } },
    });
    const { status, json } = await f.call('GET', ['routes'], { query: { _queryFilter: 'true' } });
    assert.equal(status, 200);
    const result = json.result as Resource[];
    assert.deepEqual(
      result.map((r) => `${r._id} ${r._status.state} ${String(r._status.order)}`),
      ['b loaded 0', 'a loaded 1', 'c failed undefined'],
    );
    assert.deepEqual(
      { ...json, result: undefined },
      {
        result: undefined,
        resultCount: 3,
        pagedResultsCookie: null,
        totalPagedResultsPolicy: 'NONE',
        totalPagedResults: -1,
        remainingPagedResults: -1,
      },
    );
    // A route resource is the route's JSON, as PingGateway gives it, with its _id and its status.
    assert.deepEqual(Object.keys(result[0]!), ['_id', 'condition', 'handler', 'name', '_status']);
    assert.equal(result[0]!.name, 'a-first');
    assert.equal(result[0]!.condition, "${find(request.uri.path, '^/b')}");
    const failed = result[2]!;
    assert.deepEqual(
      failed._status.errors.map((e) => `${e.code} ${e.pointer}`),
      ['TG_CONFIG_UNKNOWN_PROPERTY /handler/config/stauts'],
    );
    assert.equal(failed._status.errors[0]!.file, join(f.dir, 'c.json'));
    assert.deepEqual(failed.handler, { type: 'StaticResponseHandler', config: { stauts: 200 } });
    // Without a query filter the collection lists the same.
    assert.deepEqual((await f.call('GET', ['routes'])).json, json);
    await f.routes.stop();
  });

  test('in production a resource carries its status only: a route file may hold credentials', async () => {
    const f = await fixture('production', { 'a.json': staticRoute('a') });
    const listed = (await f.call('GET', ['routes'], { query: { _queryFilter: 'true' } })).json
      .result as Resource[];
    assert.deepEqual(Object.keys(listed[0]!), ['_id', '_status']);
    assert.deepEqual(Object.keys((await f.call('GET', ['routes', 'a'])).json), ['_id', '_status']);
    await f.routes.stop();
  });

  test('routes/<id> gives one; an unknown id, another collection or a longer path is a 404', async () => {
    const f = await fixture('development', { 'a.json': staticRoute('a') });
    const one = await f.call('HEAD', ['routes', 'a']);
    assert.equal(one.status, 200);
    assert.equal(one.json._id, 'a');
    for (const segments of [['routes', 'nope'], ['tables'], ['routes', 'a', 'more'], []]) {
      const missing = await f.call('GET', segments);
      assert.equal(missing.status, 404, segments.join('/'));
      assert.equal(missing.json.code, 404);
      assert.equal(missing.json.reason, 'Not Found');
    }
    assert.equal((await f.call('GET', ['routes', 'nope'])).json.message, 'no route with id "nope"');
    await f.routes.stop();
  });

  test('only _queryFilter=true is a query it answers; other methods on the collection are 405', async () => {
    const f = await fixture('development', { 'a.json': staticRoute('a') });
    const queries: Record<string, string>[] = [
      { _queryFilter: 'name eq "a"' },
      { _queryId: 'all' },
      { _queryExpression: 'x' },
    ];
    for (const query of queries) {
      const refused = await f.call('GET', ['routes'], { query });
      assert.equal(refused.status, 501, JSON.stringify(query));
      assert.equal(refused.json.reason, 'Not Implemented');
    }
    assert.equal((await f.call('POST', ['routes'])).status, 405);
    assert.equal((await f.call('PATCH', ['routes', 'a'])).status, 405);
    await f.routes.stop();
  });

  test('_fields keeps the _id and the paths asked for; _prettyPrint indents', async () => {
    const f = await fixture('development', { 'a.json': staticRoute('a', { name: 'alpha' }) });
    const picked = await f.call('GET', ['routes'], {
      query: { _fields: 'name, handler/type,_status/state,nothing' },
    });
    assert.deepEqual(picked.json.result, [
      { _id: 'a', name: 'alpha', handler: { type: 'StaticResponseHandler' }, _status: { state: 'loaded' } },
    ]);
    await f.call('GET', ['routes', 'a'], {
      query: { _fields: '__proto__/polluted,constructor/prototype/polluted' },
    });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    const pretty = await f.call('GET', ['routes', 'a'], { query: { _prettyPrint: 'true', _fields: 'name' } });
    assert.equal(pretty.text, '{\n  "_id": "a",\n  "name": "alpha"\n}');
    const prettyError = await f.call('GET', ['routes', 'b'], { query: { _prettyPrint: 'true' } });
    assert.match(prettyError.text, /^\{\n {2}"code": 404,\n/);
    await f.routes.stop();
  });
});

describe('deploying routes', () => {
  test('in production PUT and DELETE are 403 and nothing is written', async () => {
    const f = await fixture('production', { 'a.json': staticRoute('a') });
    const put = await f.call('PUT', ['routes', 'b'], { body: staticRoute('b') });
    assert.equal(put.status, 403);
    assert.equal(put.json.reason, 'Forbidden');
    assert.equal((await f.call('DELETE', ['routes', 'a'])).status, 403);
    assert.deepEqual((await readdir(f.dir)).sort(), ['a.json']);
    assert.deepEqual(f.serving(), ['a']);
    await f.routes.stop();
  });

  test('an id that is not a plain file name is a 400, and nothing is written', async () => {
    const f = await fixture('development', {});
    for (const id of ['.hidden', '..', 'a b', 'a/b', 'a\\b', 'nul\u0000', 'é', 'x'.repeat(201)]) {
      const refused = await f.call('PUT', ['routes', id], { body: staticRoute('x') });
      assert.equal(refused.status, 400, id);
      assert.equal(refused.json.reason, 'Bad Request');
    }
    assert.equal((await f.call('DELETE', ['routes', '..'])).status, 400);
    assert.deepEqual(await readdir(f.dir), []);
    await f.routes.stop();
  });

  test('PUT writes <id>.json and serves it before it answers: 201 when new, 200 when replaced', async () => {
    const f = await fixture('development', {});
    const created = await f.call('PUT', ['routes', 'new'], {
      body: { _id: 'ignored', _rev: '1', _status: { state: 'stale' }, ...staticRoute('new') },
    });
    assert.equal(created.status, 201);
    assert.deepEqual(f.serving(), ['new']);
    assert.equal(created.json._id, 'new');
    assert.equal((created.json as Resource)._status.state, 'loaded');
    // Common REST's metadata is not written to the file.
    assert.deepEqual(JSON.parse(await readFile(join(f.dir, 'new.json'), 'utf8')), staticRoute('new'));
    const first = f.tables.at(-1)!.routes[0]!;
    const replaced = await f.call('PUT', ['routes', 'new'], {
      body: staticRoute('new', { name: 'renamed' }),
    });
    assert.equal(replaced.status, 200);
    assert.equal(replaced.json.name, 'renamed');
    const second = f.tables.at(-1)!.routes[0]!;
    assert.notEqual(second, first);
    assert.equal(second.name, 'renamed');
    assert.equal(second.counts, first.counts, 'the file keeps its request counts');
    // The scan the change starts finds the file up to date: the deployed build is the one serving.
    await f.routes.scan();
    assert.equal(f.tables.at(-1)!.routes[0], second);
    assert.deepEqual((await readdir(f.dir)).sort(), ['new.json'], 'no temporary file is left');
    await f.routes.stop();
  });

  test('a body that does not load is a 409 with its coded errors, and the file and route stay as they were', async () => {
    const f = await fixture('development', { 'a.json': staticRoute('a') });
    const before = await readFile(join(f.dir, 'a.json'), 'utf8');
    const serving = f.tables.at(-1)!.routes[0];
    const typo = await f.call('PUT', ['routes', 'a'], {
      body: { handler: { type: 'StaticResponseHandler', config: { status: 200, entiyt: 'x' } } },
    });
    assert.equal(typo.status, 409);
    assert.equal(typo.json.reason, 'Conflict');
    const { errors } = typo.json.detail as {
      errors: { code: string; pointer: string; file: string; message: string }[];
    };
    assert.deepEqual(
      errors.map((e) => `${e.code} ${e.pointer}`),
      ['TG_CONFIG_UNKNOWN_PROPERTY /handler/config/entiyt'],
    );
    assert.equal(errors[0]!.file, join(f.dir, 'a.json'));
    assert.match(errors[0]!.message, /entiyt/);
    assert.equal(await readFile(join(f.dir, 'a.json'), 'utf8'), before);
    assert.equal(f.tables.at(-1)!.routes[0], serving);
    assert.equal(((await f.call('GET', ['routes', 'a'])).json as Resource)._status.state, 'loaded');

    const codeOf = async (id: string, body: unknown): Promise<string> => {
      const answer = await f.call('PUT', ['routes', id], { body });
      assert.equal(answer.status, 409);
      return (answer.json.detail as { errors: { code: string; pointer: string }[] }).errors
        .map((e) => `${e.code} ${e.pointer}`)
        .join(', ');
    };
    assert.equal(await codeOf('b', [staticRoute('b')]), 'TG_CONFIG_SCHEMA ');
    assert.equal(await codeOf('b', null), 'TG_CONFIG_SCHEMA ');
    let deep: unknown = 'bottom';
    for (let level = 0; level < 150; level++) deep = [deep];
    assert.equal(
      await codeOf('b', { ...staticRoute('b'), comment: deep }).then((c) => c.split(' ')[0]),
      'TG_CONFIG_LIMIT',
    );
    assert.deepEqual((await readdir(f.dir)).sort(), ['a.json']);
    await f.routes.stop();
  });

  test('a route name another file serves, or an id another file has, is a 409 and nothing is written', async () => {
    const f = await fixture('development', {
      'a.json': staticRoute('a', { name: 'shared' }),
      'y.yaml': 'handler: { type: StaticResponseHandler, config: { status: 200 } }\n',
    });
    const taken = await f.call('PUT', ['routes', 'b'], { body: staticRoute('b', { name: 'shared' }) });
    assert.equal(taken.status, 409);
    assert.deepEqual(
      (taken.json.detail as { errors: { code: string; pointer: string }[] }).errors.map(
        (e) => `${e.code} ${e.pointer}`,
      ),
      ['TG_CONFIG_DUPLICATE_NAME /name'],
    );
    const yaml = await f.call('PUT', ['routes', 'y'], { body: staticRoute('y') });
    assert.equal(yaml.status, 409);
    assert.match(JSON.stringify(yaml.json.detail), /TG_CONFIG_DUPLICATE_NAME.*y\.yaml/);
    assert.deepEqual((await readdir(f.dir)).sort(), ['a.json', 'y.yaml']);
    assert.deepEqual(f.serving(), ['a', 'y']);
    await f.routes.stop();
  });

  test('a deployment that frees a route name gets the file waiting for it built', async () => {
    const f = await fixture('development', {
      'a.json': staticRoute('a', { name: 'shared' }),
      'b.json': staticRoute('b', { name: 'shared' }),
    });
    assert.deepEqual(f.serving(), ['a']);
    assert.equal(
      (await f.call('PUT', ['routes', 'a'], { body: staticRoute('a', { name: 'other' }) })).status,
      200,
    );
    await eventually(() => assert.deepEqual(f.serving().sort(), ['a', 'b']));
    await f.routes.stop();
  });

  test('a body that is not JSON, or too large, is the client error its code says, in Common REST shape', async () => {
    const f = await fixture('development', {});
    const bad = await f.call('PUT', ['routes', 'a'], {
      body: () => {
        throw new TollgateError('TG_REQUEST_BAD_ENTITY', 'the body is not valid JSON');
      },
    });
    assert.deepEqual(bad.json, {
      code: 400,
      reason: 'Bad Request',
      message: 'the request body cannot be parsed as requested',
    });
    const large = await f.call('PUT', ['routes', 'a'], {
      body: () => {
        throw new TollgateError('TG_REQUEST_ENTITY_TOO_LARGE');
      },
    });
    assert.equal(large.status, 413);
    await f.routes.stop();
  });

  test('DELETE takes the route out of the table and removes its file before it answers', async () => {
    const f = await fixture('development', { 'a.json': staticRoute('a'), 'b.json': staticRoute('b') });
    const removed = await f.call('DELETE', ['routes', 'a']);
    assert.equal(removed.status, 200);
    assert.equal((removed.json as Resource)._status.state, 'removed');
    assert.equal(removed.json.condition, "${find(request.uri.path, '^/a')}");
    assert.deepEqual(f.serving(), ['b']);
    assert.deepEqual(await readdir(f.dir), ['b.json']);
    const listed = (await f.call('GET', ['routes'])).json.result as Resource[];
    assert.deepEqual(
      listed.map((r) => `${r._id} ${r._status.state}`),
      ['b loaded', 'a removed'],
    );
    assert.equal((await f.call('DELETE', ['routes', 'a'])).status, 404);
    await f.routes.stop();
  });

  test('once the directory has stopped, PUT and DELETE are 503', async () => {
    const f = await fixture('development', { 'a.json': staticRoute('a') });
    await f.routes.stop();
    assert.equal((await f.call('PUT', ['routes', 'b'], { body: staticRoute('b') })).status, 503);
    assert.equal((await f.call('DELETE', ['routes', 'a'])).status, 503);
    assert.deepEqual(await readdir(f.dir), ['a.json']);
  });
});
