// The admin endpoints (admin-endpoints.ts) and who may call them (api-protection.ts, whose
// behaviour is what these endpoints answer to whom).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigErrors, type TollgateError } from '../../../src/errors/tollgate-error.js';
import type { Exchange } from '../../../src/http/exchange.js';
import { jsonResponse, textResponse, type Response } from '../../../src/http/message.js';
import type { EndpointRequest, Filter } from '../../../src/heap/types.js';
import { GatewayMetrics } from '../../../src/observability/metrics.js';
import { AdminEndpoints, type GatewayPhase } from '../../../src/server/admin-endpoints.js';
import { apiProtection, isLoopback, loopbackOnly, protectAdmin } from '../../../src/server/api-protection.js';
import { testExchange } from '../../fixtures/exchange.js';
import { testHeap } from '../../fixtures/heap.js';

function exchange(
  init: { url?: string; method?: string; remoteAddress?: string; body?: string } = {},
): Exchange {
  return testExchange({
    url: 'http://gateway.test/openig/ping',
    ...init,
    maxEntityBytes: 1024,
    transactionId: 'tx-1',
  });
}

async function read(response: Response): Promise<{ status: number; body: string; type: string | undefined }> {
  await response.entity.load(1 << 20, 'TG_REQUEST_ENTITY_TOO_LARGE');
  return {
    status: response.status,
    body: response.entity.string ?? '',
    type: response.headers.get('content-type')?.[0],
  };
}

describe('AdminEndpoints', () => {
  test('ping answers Pong, with or without the trailing slash', async () => {
    const endpoints = new AdminEndpoints({ metrics: new GatewayMetrics() });
    for (const path of ['ping', 'ping/']) {
      assert.deepEqual(await read(await endpoints.handle(path, exchange())), {
        status: 200,
        body: 'Pong',
        type: 'text/plain; charset=utf-8',
      });
    }
  });

  test('the probes follow the phase: live always, ready and startup only while serving', async () => {
    let phase: GatewayPhase = 'starting';
    const endpoints = new AdminEndpoints({ metrics: new GatewayMetrics(), phase: () => phase });
    const probe = async (path: string): Promise<string> => {
      const { status, body } = await read(await endpoints.handle(path, exchange()));
      return `${status} ${body}`;
    };
    assert.equal(await probe('health/live'), '200 {"status":"UP","phase":"starting"}');
    assert.equal(await probe('health/ready'), '503 {"status":"DOWN","phase":"starting"}');
    assert.equal(await probe('health/startup'), '503 {"status":"DOWN","phase":"starting"}');
    phase = 'serving';
    assert.equal(await probe('health/ready'), '200 {"status":"UP","phase":"serving"}');
    assert.equal(await probe('health/startup/'), '200 {"status":"UP","phase":"serving"}');
    phase = 'draining';
    assert.equal(await probe('health/live'), '200 {"status":"UP","phase":"draining"}');
    assert.equal(await probe('health/ready'), '503 {"status":"DOWN","phase":"draining"}');
    assert.equal(await probe('health/startup'), '503 {"status":"DOWN","phase":"draining"}');
    assert.equal(await probe('health/other'), '404 ');
  });

  test('a heap built only to check files answers the probes as serving', async () => {
    const endpoints = new AdminEndpoints({ metrics: new GatewayMetrics() });
    assert.equal((await endpoints.handle('health/ready', exchange())).status, 200);
  });

  test('the metrics are served as Prometheus text under both of PingGateway paths', async () => {
    const metrics = new GatewayMetrics();
    const series = metrics.route('main', 'r', 'r');
    series.end(series.begin(), 200);
    const endpoints = new AdminEndpoints({ metrics });
    for (const path of ['metrics/prometheus', 'metrics/prometheus/0.0.4']) {
      const { status, body, type } = await read(await endpoints.handle(path, exchange()));
      assert.equal(status, 200);
      assert.equal(type, metrics.contentType);
      assert.match(
        body,
        /ig_route_response_status_total\{router="main",route="r",name="r",family="successful"\} 1/,
      );
    }
  });

  test('a unit of several serves the text it is given, every unit’s sum, in place of its own', async () => {
    const metrics = new GatewayMetrics();
    const series = metrics.route('main', 'r', 'r');
    series.end(series.begin(), 200);
    const endpoints = new AdminEndpoints({ metrics, render: () => Promise.resolve('summed 2\n') });
    const { status, body, type } = await read(await endpoints.handle('metrics/prometheus', exchange()));
    assert.deepEqual([status, body, type], [200, 'summed 2\n', metrics.contentType]);
  });

  test('an exposed object answers under its name, or its name in lower case, with the request decoded', async () => {
    const endpoints = new AdminEndpoints({ metrics: new GatewayMetrics() });
    const seen: EndpointRequest[] = [];
    const withdraw = endpoints.expose('ApiRouter', {
      async handle(request) {
        seen.push(request);
        return jsonResponse(200, { body: await request.json() });
      },
    });
    const put = exchange({
      method: 'PUT',
      url: 'http://gateway.test/openig/api/system/objects/ApiRouter/routes/a%20b?_fields=name',
      body: '{"x":1}',
    });
    const answered = await read(await endpoints.handle('api/system/objects/ApiRouter/routes/a%20b', put));
    assert.deepEqual(answered, {
      status: 200,
      body: '{"body":{"x":1}}',
      type: 'application/json; charset=utf-8',
    });
    assert.equal(seen[0]!.method, 'PUT');
    assert.deepEqual(seen[0]!.segments, ['routes', 'a b']);
    assert.deepEqual({ ...seen[0]!.query }, { _fields: ['name'] });
    assert.equal((await endpoints.handle('api/system/objects/apirouter/routes', exchange())).status, 200);
    assert.equal((await endpoints.handle('api/system/objects/APIROUTER/routes', exchange())).status, 404);
    withdraw();
    const gone = await read(await endpoints.handle('api/system/objects/ApiRouter/routes', exchange()));
    assert.deepEqual(gone, {
      status: 404,
      body: '{"code":404,"reason":"Not Found"}',
      type: 'application/json; charset=utf-8',
    });
  });

  test('any other path is an empty 404', async () => {
    const endpoints = new AdminEndpoints({ metrics: new GatewayMetrics() });
    for (const path of ['', 'pong', 'api/system', 'metrics']) {
      assert.deepEqual(await read(await endpoints.handle(path, exchange())), {
        status: 404,
        body: '',
        type: undefined,
      });
    }
  });
});

describe('api protection (api-protection.ts)', () => {
  test('loopback addresses are 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])
      assert.ok(isLoopback(address), address);
    for (const address of [
      '10.0.0.1',
      '::ffff:10.0.0.1',
      '128.0.0.1',
      '1127.0.0.1',
      '::2',
      '',
      'localhost',
    ]) {
      assert.ok(!isLoopback(address), address);
    }
  });

  test('the default filter lets loopback clients on and refuses others with an empty 403', async () => {
    const next = { handle: async () => textResponse(200, 'on') };
    assert.equal(
      (await read(await loopbackOnly.filter(exchange({ remoteAddress: '::1' }), next))).body,
      'on',
    );
    const refused = await read(await loopbackOnly.filter(exchange({ remoteAddress: '192.168.1.20' }), next));
    assert.deepEqual(refused, { status: 403, body: '', type: undefined });
  });

  test('ping, the probes and the metrics are open; every other admin path passes the filter', async () => {
    const refuse: Filter = { filter: async () => textResponse(403) };
    const answered: string[] = [];
    const admin = protectAdmin(refuse, async (path) => {
      answered.push(path);
      return textResponse(200);
    });
    const open = [
      'ping',
      'ping/',
      'health/live',
      'health/ready/',
      'health/startup',
      'metrics/prometheus',
      'metrics/prometheus/0.0.4',
    ];
    for (const path of open) assert.equal((await admin(path, exchange())).status, 200, path);
    const guarded = [
      'api/system/objects/_router/routes',
      'api/info',
      'health/other',
      'pingx',
      'nothing',
      '',
      'metrics/prometheus/x',
    ];
    for (const path of guarded) assert.equal((await admin(path, exchange())).status, 403, path);
    assert.deepEqual(answered, open);
  });

  test('a filter that lets the request on hands the admin endpoints the exchange it passes on', async () => {
    const tagging: Filter = {
      filter: (passed, next) => {
        passed.attributes.tagged = true;
        return next.handle(passed);
      },
    };
    const admin = protectAdmin(tagging, async (path, passed) =>
      textResponse(200, `${path} ${String(passed.attributes.tagged)}`),
    );
    assert.equal((await read(await admin('api/x', exchange()))).body, 'api/x true');
  });

  test("admin.json's apiProtectionFilter is built in the heap it is given; none means the loopback default", async () => {
    const heap = testHeap();
    assert.equal(
      apiProtection(undefined, { file: 'admin.json', pointer: '/apiProtectionFilter' }, heap),
      loopbackOnly,
    );
    const filter = apiProtection(
      {
        type: 'ConditionEnforcementFilter',
        config: { condition: "${contexts.client.remoteAddress == '10.1.2.3'}" },
      },
      { file: 'admin.json', pointer: '/apiProtectionFilter' },
      heap,
    );
    const next = { handle: async () => textResponse(200, 'on') };
    assert.equal((await filter.filter(exchange({ remoteAddress: '10.1.2.3' }), next)).status, 200);
    assert.equal((await filter.filter(exchange({ remoteAddress: '127.0.0.1' }), next)).status, 403);
    await heap.stop();
  });

  test('a bad declaration is a config error at its place in admin.json', () => {
    const place = { file: 'admin.json', pointer: '/apiProtectionFilter' };
    const errorsOf = (declaration: Record<string, unknown>): string[] => {
      try {
        apiProtection(declaration, place, testHeap());
        return [];
      } catch (error) {
        assert.ok(error instanceof ConfigErrors);
        return error.errors.map((e: TollgateError) => `${e.code} ${e.place?.file}#${e.place?.pointer}`);
      }
    };
    assert.deepEqual(errorsOf({ type: 'NoSuchFilter' }), [
      'TG_CONFIG_UNKNOWN_TYPE admin.json#/apiProtectionFilter/type',
    ]);
    assert.deepEqual(errorsOf({ type: 'StaticResponseHandler', config: { status: 200 } }), [
      'TG_CONFIG_WRONG_KIND admin.json#/apiProtectionFilter',
    ]);
    assert.deepEqual(errorsOf({ type: 'ConditionEnforcementFilter', config: { conditon: true } }), [
      'TG_CONFIG_MISSING_PROPERTY admin.json#/apiProtectionFilter/config/condition',
      'TG_CONFIG_UNKNOWN_PROPERTY admin.json#/apiProtectionFilter/config/conditon',
    ]);
  });
});
