// The Prometheus endpoint of a real gateway after real requests: token exchanges against the dev
// authorization server, an upstream that is down, one that is slow, and a route file that fails.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { startDevAs, type DevAs } from '../../examples/dev-as/server.js';
import { startBackend, type Backend } from '../fixtures/backend.js';
import { eventually, startTestGateway, type TestGateway } from '../fixtures/gateway.js';
import { getText } from '../fixtures/requests.js';
import { basicAuthEndpointHandler } from '../fixtures/exchange-routes.js';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** A route named `name` at `/<name>` whose chain is an unnamed exchange filter, cache on. */
function exchangeRoute(name: string, amUrl = '&{am.url}'): unknown {
  return {
    name,
    condition: `\${request.uri.path == '/${name}'}`,
    heap: [
      { name: 'Env', type: 'SystemAndEnvSecretStore' },
      { name: 'Am', type: 'AmService', config: { url: amUrl } },
    ],
    handler: {
      type: 'Chain',
      config: {
        filters: [
          {
            type: 'OAuth2TokenExchangeFilter',
            config: {
              amService: 'Am',
              endpointHandler: basicAuthEndpointHandler(),
              subjectToken: "${request.headers['X-Subject'][0]}",
              scopes: ['mail'],
              cache: { enabled: true },
            },
          },
        ],
        handler: { type: 'StaticResponseHandler', config: { status: 200, entity: 'exchanged' } },
      },
    },
  };
}

/** The value of the one series `series` (name and labels, as written) in `text`, or undefined. */
function valueOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('the Prometheus endpoint after real traffic', () => {
  let devAs: DevAs;
  let backend: Backend;
  let tg: TestGateway;
  let subjectToken: string;
  const FILTER = 'OAuth2TokenExchangeFilter/handler/config/filters/0';

  const scrape = async (): Promise<string> => {
    const res = await getText(`${tg.url}/openig/metrics/prometheus/0.0.4`);
    assert.equal(res.status, 200);
    return res.body;
  };

  before(async () => {
    devAs = await startDevAs({ port: 0 });
    backend = await startBackend();
    const probe = createServer();
    await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
    const closedPort = (probe.address() as AddressInfo).port;
    await new Promise((done) => probe.close(done));
    tg = await startTestGateway({
      files: { 'config.json': { properties: { am: { url: devAs.url } } } },
      env: { CLIENT_SECRET_ID: b64('password') },
      routes: {
        'exchange-a.json': exchangeRoute('exchange-a'),
        'exchange-b.json': exchangeRoute('exchange-b'),
        'as-down.json': exchangeRoute('as-down', `http://127.0.0.1:${closedPort}/openam/`),
        'down.json': {
          condition: "${request.uri.path == '/down'}",
          baseURI: `http://127.0.0.1:${closedPort}`,
          handler: { type: 'ReverseProxyHandler' },
        },
        'slow.json': {
          name: 'slow-route',
          condition: "${request.uri.path == '/slow'}",
          baseURI: backend.url,
          handler: { type: 'ReverseProxyHandler' },
        },
        'broken.json': { handler: { type: 'NoSuchHandler' } },
      },
    });
    const answer = await request(devAs.tokenEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${b64('client-application:password')}`,
      },
      body: new URLSearchParams({
        grant_type: 'password',
        username: 'demo',
        password: 'Ch4ng31t',
        scope: 'mail',
      }).toString(),
    });
    assert.equal(answer.statusCode, 200);
    subjectToken = ((await answer.body.json()) as { access_token: string }).access_token;
  });

  after(async () => {
    await tg?.close();
    await backend?.close();
    await devAs?.close();
  });

  test('exchanges, cache gets and sizes, durations, upstream errors and route states, each naming its route', async () => {
    const at = (path: string, token = subjectToken) => getText(`${tg.url}${path}`, { 'X-Subject': token });
    assert.equal((await at('/exchange-a')).status, 200);
    assert.equal((await at('/exchange-a')).status, 200);
    assert.equal((await at('/exchange-b')).status, 200);
    assert.notEqual((await at('/exchange-b', 'not-a-token')).status, 200);
    assert.equal((await getText(`${tg.url}/down`)).status, 502);
    assert.equal((await at('/as-down')).status, 502);
    assert.equal((await getText(`${tg.url}/nowhere`)).status, 404);
    const text = await scrape();

    // Two routes of the same shape: the same generated filter name, apart by route.
    const exchanges = (route: string, outcome: string, error: string, source: string): number | undefined =>
      valueOf(
        text,
        `tollgate_token_exchanges_total{route="${route}",filter="${FILTER}",outcome="${outcome}",error="${error}",source="${source}"}`,
      );
    assert.equal(exchanges('exchange-a', 'success', '', 'exchanged'), 1);
    assert.equal(exchanges('exchange-a', 'success', '', 'cached'), 1);
    assert.equal(exchanges('exchange-b', 'success', '', 'exchanged'), 1);
    assert.equal(exchanges('exchange-b', 'failure', 'invalid_grant', 'exchanged'), 1);
    assert.doesNotMatch(
      text,
      /^tollgate_token_exchanges_total\{filter=/m,
      'no exchange series without a route',
    );

    const gets = (route: string, result: string): number | undefined =>
      valueOf(
        text,
        `tollgate_token_exchange_cache_gets_total{route="${route}",filter="${FILTER}",result="${result}"}`,
      );
    assert.equal(gets('exchange-a', 'hit'), 1);
    assert.equal(gets('exchange-a', 'miss'), 1);
    assert.equal(gets('exchange-b', 'miss'), 2);
    // The failed exchange (invalid_grant) is kept for a few seconds too, so a burst costs one call.
    assert.equal(
      valueOf(text, `tollgate_token_exchange_cache_entries{route="exchange-a",filter="${FILTER}"}`),
      1,
    );
    assert.equal(
      valueOf(text, `tollgate_token_exchange_cache_entries{route="exchange-b",filter="${FILTER}"}`),
      2,
    );

    const durations = `route="exchange-a",filter="${FILTER}",source="exchanged"`;
    assert.equal(valueOf(text, `tollgate_token_exchange_duration_seconds_count{${durations}}`), 1);
    assert.ok(valueOf(text, `tollgate_token_exchange_duration_seconds_sum{${durations}}`)! > 0);
    assert.equal(valueOf(text, `tollgate_token_exchange_duration_seconds_bucket{${durations},le="+Inf"}`), 1);

    assert.equal(
      valueOf(
        text,
        'tollgate_upstream_errors_total{route="down",handler="ReverseProxyHandler/handler",code="TG_UPSTREAM_UNREACHABLE"}',
      ),
      1,
    );

    assert.equal(exchanges('as-down', 'failure', 'temporarily_unavailable', 'none'), 1);
    assert.equal(
      valueOf(
        text,
        'tollgate_upstream_errors_total{route="as-down",handler="ForgeRockClientHandler",code="TG_UPSTREAM_UNREACHABLE"}',
      ),
      1,
    );

    const route = (id: string, name = id): string => `router="_router",route="${id}",name="${name}"`;
    assert.equal(valueOf(text, `ig_route_request_total{${route('exchange-a')}}`), 2);
    assert.equal(
      valueOf(text, `ig_route_response_status_total{${route('exchange-a')},family="successful"}`),
      2,
    );
    assert.equal(valueOf(text, `ig_route_response_time_seconds_count{${route('exchange-a')}}`), 2);
    assert.equal(valueOf(text, `ig_route_response_time_seconds_bucket{${route('exchange-a')},le="+Inf"}`), 2);
    assert.equal(valueOf(text, `ig_route_response_status_total{${route('down')},family="server_error"}`), 1);
    assert.equal(
      valueOf(text, `ig_route_response_status_total{${route('default')},family="client_error"}`),
      1,
    );
    assert.equal(valueOf(text, `ig_route_request_active{${route('exchange-a')}}`), 0);

    const state = (id: string, value: string): number | undefined =>
      valueOf(text, `tollgate_route_state{router="_router",route="${id}",id="${id}",state="${value}"}`);
    assert.equal(state('broken', 'failed'), 1);
    assert.equal(state('broken', 'loaded'), 0);
    assert.equal(state('exchange-a', 'loaded'), 1);
    assert.equal(state('exchange-a', 'failed'), 0);
    assert.equal(
      valueOf(text, `tollgate_route_state{router="_router",route="slow-route",id="slow",state="loaded"}`),
      1,
    );

    assert.match(text, /^process_cpu_seconds_total \d/m);
    assert.match(text, /^process_resident_memory_bytes \d/m);
    assert.match(text, /^nodejs_heap_size_used_bytes \d/m);
    assert.match(text, /^# TYPE nodejs_gc_duration_seconds histogram$/m);
  });

  test('a request in flight shows in the route and router gauges until it is answered', async () => {
    const slow = getText(`${tg.url}/slow?ms=1500`);
    const active = `ig_route_request_active{router="_router",route="slow",name="slow-route"}`;
    await eventually(async () => {
      const text = await scrape();
      assert.equal(valueOf(text, active), 1);
      assert.ok(valueOf(text, 'tollgate_router_request_active{router="_router"}')! >= 1);
    });
    assert.equal((await slow).status, 200);
    const text = await scrape();
    assert.equal(valueOf(text, active), 0);
    assert.equal(
      valueOf(
        text,
        `ig_route_response_status_total{router="_router",route="slow",name="slow-route",family="successful"}`,
      ),
      1,
    );
  });
});
