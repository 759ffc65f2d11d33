import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { after, afterEach, before, describe, test } from 'node:test';
import { ConfigErrors } from '../../../src/errors/tollgate-error.js';
import type { Heap } from '../../../src/heap/heap.js';
import type { Handler } from '../../../src/heap/types.js';
import { textResponse, type Response } from '../../../src/http/message.js';
import { GatewayMetrics } from '../../../src/observability/metrics.js';
import { buildRoute, type Route } from '../../../src/router/route.js';
import { RouteTable } from '../../../src/router/route-table.js';
import { Router } from '../../../src/router/router.js';
import { testExchange } from '../../fixtures/exchange.js';
import { eventually } from '../../fixtures/gateway.js';
import { testHeap } from '../../fixtures/heap.js';
import { probeRoute, probeType } from '../../fixtures/probe.js';

const BOUNDED = { timeout: 30_000 };

async function text(response: Response): Promise<string> {
  await response.entity.load(1 << 20, 'TG_UPSTREAM_RESPONSE_TOO_LARGE');
  return `${response.status} ${response.entity.string}`;
}

describe('Router dispatch', BOUNDED, () => {
  let events: string[];
  let heap: Heap;

  before(() => {
    events = [];
    heap = testHeap({}, { types: [probeType(events)] });
  });

  after(async () => {
    await heap.gateway.configReader.close();
  });

  afterEach(() => {
    events.length = 0;
  });

  /** Builds (and starts) a route from a route file's content, as the route directory does. */
  const route = (id: string, document: Record<string, unknown>): Promise<Route> =>
    buildRoute(document, { id, file: `routes/${id}.json` }, heap);

  const router = (
    routes: readonly Route[],
    defaultHandler?: Handler,
    metrics: GatewayMetrics = new GatewayMetrics(),
  ): Router => {
    const built = new Router({ name: 'main', directory: '/routes', defaultHandler, metrics });
    built.publish(new RouteTable(routes));
    return built;
  };

  test('tries the routes in table order: the first whose condition holds answers, and the exchange names it', async () => {
    const routes = [
      await route('never', probeRoute('never', { condition: '${false}' })),
      await route('picked', probeRoute('picked', { condition: "${request.headers['X-Pick'][0] == 'yes'}" })),
      await route('any', probeRoute('any')),
    ];
    const dispatch = router(routes);
    const picked = testExchange({ headers: { 'X-Pick': 'yes' } });
    assert.equal(await text(await dispatch.handle(picked)), '200 picked');
    const context = picked.contexts.router as Record<string, unknown>;
    assert.deepEqual([context.route, context.routeId, context.remainingUri], ['picked', 'picked', '/']);
    assert.ok(Object.isFrozen(picked.contexts.router));
    const other = testExchange();
    assert.equal(await text(await dispatch.handle(other)), '200 any');
    assert.deepEqual(
      events.filter((e) => e.startsWith('handle')),
      ['handle picked', 'handle any'],
    );
    assert.equal(dispatch.routes, routes);
    await Promise.all(routes.map((r) => r.retire()));
  });

  test('when no condition holds the default handler answers, else an empty 404; both count as "default"', async () => {
    const only = await route('only', probeRoute('only', { condition: "${request.uri.path == '/only'}" }));
    const teapot: Handler = { handle: async () => textResponse(418, 'default') };
    const metrics = new GatewayMetrics();
    assert.equal(await text(await router([only], teapot, metrics).handle(testExchange())), '418 default');
    const bare = await router([only], undefined, metrics).handle(testExchange());
    assert.equal(await text(bare), '404 ');
    assert.equal(bare.headers.has('content-type'), false);
    assert.equal(await text(await router([], undefined, metrics).handle(testExchange())), '404 ');
    await router([only], undefined, metrics).handle(testExchange({ url: 'http://gateway.test/only' }));
    const counts = await metrics.render();
    assert.match(
      counts,
      /^ig_route_response_status_total\{router="main",route="default",name="default",family="client_error"\} 3$/m,
    );
    assert.match(
      counts,
      /^ig_route_response_status_total\{router="main",route="only",name="only",family="successful"\} 1$/m,
    );
    await only.retire();
  });

  test('a handler that throws is counted as an error, timed, and no longer in flight; the error goes on', async () => {
    const metrics = new GatewayMetrics();
    const failing: Handler = { handle: () => Promise.reject(new Error('boom')) };
    await assert.rejects(router([], failing, metrics).handle(testExchange()), /boom/);
    const text = await metrics.render();
    const labels = 'router="main",route="default",name="default"';
    assert.match(text, new RegExp(`^ig_route_response_error_total\\{${labels}\\} 1$`, 'm'));
    assert.match(text, new RegExp(`^ig_route_request_total\\{${labels}\\} 1$`, 'm'));
    assert.match(text, new RegExp(`^ig_route_request_active\\{${labels}\\} 0$`, 'm'));
    assert.match(text, new RegExp(`^ig_route_response_time_seconds_count\\{${labels}\\} 1$`, 'm'));
    assert.match(text, /^tollgate_router_request_active\{router="main"\} 0$/m);
    assert.doesNotMatch(text, /^ig_route_response_status_total\{/m);
  });

  test('a request sees the table it started with to the end, and the next request the new one', async () => {
    const waits = await route(
      'waits',
      probeRoute('waits', { condition: "${request.entity.string == 'go'}" }),
    );
    const fallback = await route('fallback', probeRoute('fallback'));
    const replacement = await route('replacement', probeRoute('replacement'));
    const dispatch = router([waits, fallback]);
    const body = new PassThrough();
    const answered = dispatch.handle(testExchange({ method: 'POST', body }));
    await nextTurn();
    dispatch.publish(new RouteTable([replacement]));
    body.end('no');
    assert.equal(await text(await answered), '200 fallback');
    assert.equal(await text(await dispatch.handle(testExchange())), '200 replacement');
    await Promise.all([waits, fallback, replacement].map((r) => r.retire()));
  });

  test('a build retired while a request waits on its body-reading condition is stopped only after that request is answered', async () => {
    const document = (label: string): Record<string, unknown> =>
      probeRoute(label, { name: 'body', condition: "${request.entity.string == 'go'}" });
    const v1 = await route('body', document('v1'));
    const dispatch = router([v1]);
    const body = new PassThrough();
    const answered = dispatch.handle(testExchange({ method: 'POST', body }));
    await nextTurn();
    // The request now waits for its body in v1's condition. A reload swaps v1 out and retires it.
    const v2 = await route('body', document('v2'));
    dispatch.publish(new RouteTable([v2]));
    await v1.retire();
    await nextTurn();
    assert.deepEqual(events, ['start v1', 'start v2']);
    body.end('go');
    assert.equal(await text(await answered), '200 v1');
    await nextTurn();
    assert.deepEqual(events, ['start v1', 'start v2', 'handle v1', 'stop v1']);
    await v2.retire();
  });

  test('a route tried and passed over, or whose handler throws, lets go of it: retiring it stops it at once', async () => {
    const passed = await route('passed', probeRoute('passed', { condition: '${false}' }));
    const throws = await route('throws', {
      handler: { type: 'Probe', config: { label: 'throws', failHandle: true } },
    });
    const dispatch = router([passed, throws]);
    await assert.rejects(dispatch.handle(testExchange()), /probe throws failed/);
    await passed.retire();
    await throws.retire();
    assert.deepEqual(events, ['start passed', 'start throws', 'handle throws', 'stop passed', 'stop throws']);
  });
});

describe('the Router type', BOUNDED, () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-router-'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const place = { file: 'config.json', pointer: '/heap' };

  test('loads its directory when its heap starts and unloads it when the heap stops', async () => {
    await mkdir(join(dir, 'routes'), { recursive: true });
    await mkdir(join(dir, 'relative'), { recursive: true });
    await mkdir(join(dir, 'from-env'), { recursive: true });
    await writeFile(join(dir, 'routes', 'main.json'), JSON.stringify(probeRoute('main')));
    await writeFile(join(dir, 'relative', 'rel.json'), JSON.stringify(probeRoute('rel')));
    await writeFile(join(dir, 'from-env', 'env.json'), JSON.stringify(probeRoute('env')));
    const events: string[] = [];
    const heap = testHeap(
      { ROUTES: join(dir, 'from-env') },
      { types: [probeType(events)], configDirectory: dir, routesDirectory: join(dir, 'routes') },
    );
    try {
      heap.declare(
        [
          // No directory: the gateway's routes directory.
          { name: 'main', type: 'Router', config: { scanInterval: 'disabled' } },
          // A relative directory is under the config directory.
          { name: 'relative', type: 'Router', config: { directory: 'relative', scanInterval: 'disabled' } },
          { name: 'fromEnv', type: 'Router', config: { directory: "${env['ROUTES']}", scanInterval: 0 } },
        ],
        place,
      );
      heap.createAll();
      const routers = ['main', 'relative', 'fromEnv'].map((name) =>
        heap.resolve<Router>(name, 'Handler', place),
      );
      // Building is no I/O: nothing is read before start.
      assert.deepEqual(
        routers.map((r) => r.routes.length),
        [0, 0, 0],
      );
      await heap.start();
      assert.deepEqual(
        routers.map((r) => r.routes.map((route) => route.name)),
        [['main'], ['rel'], ['env']],
      );
      assert.equal(await text(await routers[1]!.handle(testExchange())), '200 rel');
      await heap.stop();
      assert.deepEqual(
        routers.map((r) => r.routes.length),
        [0, 0, 0],
      );
      assert.deepEqual(events.filter((e) => e.startsWith('stop')).sort(), [
        'stop env',
        'stop main',
        'stop rel',
      ]);
    } finally {
      await heap.stop();
      await heap.gateway.configReader.close();
    }
  });

  test('picks up a new file on its own, by its scanInterval', async () => {
    const routes = join(dir, 'watched');
    await mkdir(routes, { recursive: true });
    const heap = testHeap({}, { types: [probeType([])], routesDirectory: routes });
    try {
      heap.declare([{ name: 'r', type: 'Router', config: { scanInterval: '50 ms' } }], place);
      heap.createAll();
      const router = heap.resolve<Router>('r', 'Handler', place);
      await heap.start();
      assert.equal(router.routes.length, 0);
      await writeFile(join(routes, 'late.json'), JSON.stringify(probeRoute('late')));
      await eventually(() =>
        assert.deepEqual(
          router.routes.map((r) => r.name),
          ['late'],
        ),
      );
    } finally {
      await heap.stop();
      await heap.gateway.configReader.close();
    }
  });

  test('a scanInterval that is not a duration is TG_CONFIG_BAD_DURATION at its pointer', () => {
    const heap = testHeap();
    heap.declare([{ name: 'r', type: 'Router', config: { scanInterval: 'now and then' } }], place);
    assert.throws(
      () => heap.createAll(),
      (error: unknown) => {
        assert.ok(error instanceof ConfigErrors);
        assert.deepEqual(
          error.errors.map((e) => `${e.code} ${e.place?.file}#${e.place?.pointer}`),
          ['TG_CONFIG_BAD_DURATION config.json#/heap/0/config/scanInterval'],
        );
        return true;
      },
    );
  });
});
