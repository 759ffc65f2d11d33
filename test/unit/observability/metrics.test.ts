import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DURATION_BUCKETS, GatewayMetrics, routeLabel } from '../../../src/observability/metrics.js';
import type { Exchange } from '../../../src/http/exchange.js';

/** The value of the one line of `text` that starts with `series`, or undefined. */
function valueOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('route series count by status family, errors and in-flight; a scrape neither resets nor doubles them', async () => {
  const metrics = new GatewayMetrics();
  const api = metrics.route('main', 'api-file', 'api');
  for (const status of [200, 204, 404, 503, 700]) api.end(api.begin(), status);
  api.end(api.begin(), undefined);
  api.begin();
  const labels = 'router="main",route="api-file",name="api"';
  for (let scrape = 0; scrape < 2; scrape++) {
    const text = await metrics.render();
    assert.equal(valueOf(text, `ig_route_response_status_total{${labels},family="successful"}`), 2);
    assert.equal(valueOf(text, `ig_route_response_status_total{${labels},family="client_error"}`), 1);
    assert.equal(valueOf(text, `ig_route_response_status_total{${labels},family="server_error"}`), 1);
    assert.equal(valueOf(text, `ig_route_response_status_total{${labels},family="unknown"}`), 1);
    assert.equal(valueOf(text, `ig_route_response_status_total{${labels},family="redirection"}`), undefined);
    assert.equal(valueOf(text, `ig_route_response_error_total{${labels}}`), 1);
    assert.equal(valueOf(text, `ig_route_request_total{${labels}}`), 6);
    assert.equal(valueOf(text, `ig_route_request_active{${labels}}`), 1);
    assert.equal(valueOf(text, `ig_route_response_time_seconds_count{${labels}}`), 6);
    assert.equal(valueOf(text, `ig_route_response_time_seconds_bucket{${labels},le="+Inf"}`), 6);
  }
  assert.equal(metrics.route('main', 'api-file', 'api'), api, 'one series per label set');
});

test('a histogram counts each observation in its bucket and every bucket above, with the sum', async () => {
  const metrics = new GatewayMetrics();
  const series = { route: 'r', filter: 'f' };
  metrics.tokenExchange(series.route, series.filter, null, 'exchanged', 0.003);
  metrics.tokenExchange(series.route, series.filter, null, 'exchanged', 0.2);
  metrics.tokenExchange(series.route, series.filter, null, 'exchanged', 60);
  const text = await metrics.render();
  const name = 'tollgate_token_exchange_duration_seconds';
  const labels = 'route="r",filter="f",source="exchanged"';
  const expected = DURATION_BUCKETS.map((bound) => [0.003, 0.2, 60].filter((v) => v <= bound).length);
  DURATION_BUCKETS.forEach((bound, i) => {
    assert.equal(valueOf(text, `${name}_bucket{${labels},le="${bound}"}`), expected[i], `le=${bound}`);
  });
  assert.equal(valueOf(text, `${name}_bucket{${labels},le="+Inf"}`), 3);
  assert.equal(valueOf(text, `${name}_count{${labels}}`), 3);
  assert.ok(Math.abs(valueOf(text, `${name}_sum{${labels}}`)! - 60.203) < 1e-9);
  assert.match(text, new RegExp(`^# TYPE ${name} histogram$`, 'm'));
});

test('exchanges count by route, filter, outcome, error and source; cache gets by result', async () => {
  const metrics = new GatewayMetrics();
  metrics.tokenExchange('a', 'exchange', null, 'cached', 0);
  metrics.tokenExchange('a', 'exchange', 'invalid_grant', 'exchanged', 0.01);
  metrics.tokenExchange('a', 'exchange', 'invalid_grant', 'exchanged', 0.01);
  metrics.tokenExchange('a', 'exchange', null, 'shared', 0.01);
  metrics.tokenExchange('b', 'exchange', null, 'uncached', 0.01);
  const text = await metrics.render();
  const exchanges = 'tollgate_token_exchanges_total';
  assert.equal(
    valueOf(text, `${exchanges}{route="a",filter="exchange",outcome="success",error="",source="cached"}`),
    1,
  );
  assert.equal(
    valueOf(
      text,
      `${exchanges}{route="a",filter="exchange",outcome="failure",error="invalid_grant",source="exchanged"}`,
    ),
    2,
  );
  assert.equal(
    valueOf(text, `${exchanges}{route="b",filter="exchange",outcome="success",error="",source="uncached"}`),
    1,
  );
  const gets = 'tollgate_token_exchange_cache_gets_total';
  assert.equal(valueOf(text, `${gets}{route="a",filter="exchange",result="hit"}`), 1);
  assert.equal(valueOf(text, `${gets}{route="a",filter="exchange",result="miss"}`), 2);
  assert.equal(valueOf(text, `${gets}{route="a",filter="exchange",result="shared"}`), 1);
  assert.doesNotMatch(text, /cache_gets_total\{route="b"/, 'no cache, no cache gets');
});

test('label values that share words do not share a count', async () => {
  const metrics = new GatewayMetrics();
  metrics.tokenExchange('r', 'c', 'a b', 'exchanged', 0);
  metrics.tokenExchange('r', 'b c', 'a', 'exchanged', 0);
  const text = await metrics.render();
  assert.match(text, /filter="c",outcome="failure",error="a b",source="exchanged"\} 1\n/);
  assert.match(text, /filter="b c",outcome="failure",error="a",source="exchanged"\} 1\n/);
});

test('cache sizes and route states are read at each scrape, until withdrawn', async () => {
  const metrics = new GatewayMetrics();
  let size = 2;
  const withdrawCache = metrics.exchangeCache('api', 'exchange', () => size);
  const statuses = [
    { id: 'a', name: 'alpha', state: 'loaded' },
    { id: 'b', name: undefined, state: 'failed' },
  ];
  const withdrawStates = metrics.routeStates('main', () => statuses);
  let text = await metrics.render();
  assert.equal(valueOf(text, 'tollgate_token_exchange_cache_entries{route="api",filter="exchange"}'), 2);
  assert.equal(valueOf(text, 'tollgate_route_state{router="main",route="alpha",id="a",state="loaded"}'), 1);
  assert.equal(valueOf(text, 'tollgate_route_state{router="main",route="alpha",id="a",state="failed"}'), 0);
  assert.equal(valueOf(text, 'tollgate_route_state{router="main",route="b",id="b",state="failed"}'), 1);
  size = 5;
  statuses[0] = { id: 'a', name: 'alpha', state: 'loaded-with-previous-version' };
  text = await metrics.render();
  assert.equal(valueOf(text, 'tollgate_token_exchange_cache_entries{route="api",filter="exchange"}'), 5);
  assert.equal(
    valueOf(
      text,
      'tollgate_route_state{router="main",route="alpha",id="a",state="loaded-with-previous-version"}',
    ),
    1,
  );
  assert.equal(valueOf(text, 'tollgate_route_state{router="main",route="alpha",id="a",state="loaded"}'), 0);
  withdrawCache();
  withdrawStates();
  text = await metrics.render();
  assert.doesNotMatch(text, /^tollgate_token_exchange_cache_entries\{/m);
  assert.doesNotMatch(text, /^tollgate_route_state\{/m);
});

test('upstream errors and router in-flight requests', async () => {
  const metrics = new GatewayMetrics();
  metrics.upstreamError('api', 'proxy', 'TG_UPSTREAM_UNREACHABLE');
  metrics.upstreamError('api', 'proxy', 'TG_UPSTREAM_UNREACHABLE');
  metrics.routerRequests('main').value += 3;
  const text = await metrics.render();
  assert.equal(
    valueOf(
      text,
      'tollgate_upstream_errors_total{route="api",handler="proxy",code="TG_UPSTREAM_UNREACHABLE"}',
    ),
    2,
  );
  assert.equal(valueOf(text, 'tollgate_router_request_active{router="main"}'), 3);
});

test('process and GC metrics join only when asked for, in the gateway registry', async () => {
  assert.doesNotMatch(await new GatewayMetrics().render(), /^process_cpu_seconds_total /m);
  const first = new GatewayMetrics({ processMetrics: true });
  const second = new GatewayMetrics({ processMetrics: true });
  for (const metrics of [first, second, first]) {
    const text = await metrics.render();
    assert.match(text, /^process_cpu_seconds_total /m);
    assert.match(text, /^# TYPE nodejs_gc_duration_seconds histogram$/m);
    assert.match(text, /^nodejs_eventloop_lag_seconds /m);
  }
});

test('the route label is the route of the request, or none outside a route', () => {
  const exchange = (contexts: Record<string, unknown>): Exchange => ({ contexts }) as unknown as Exchange;
  assert.equal(routeLabel(exchange({ router: { route: 'api', routeId: 'api-file' } })), 'api');
  assert.equal(routeLabel(exchange({})), 'none');
});
