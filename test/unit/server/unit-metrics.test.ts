import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatewayMetrics } from '../../../src/observability/metrics.js';
import { aggregateUnitMetrics } from '../../../src/server/unit-metrics.js';

function answered(metrics: GatewayMetrics, route: string, statuses: readonly number[]): void {
  const series = metrics.route('_router', route, route);
  for (const status of statuses) series.end(series.begin(), status);
}

test("the instance's metrics add up every unit's series, each request once", async () => {
  const one = new GatewayMetrics();
  const two = new GatewayMetrics();
  answered(one, 'api', [200, 200, 404]);
  answered(two, 'api', [200, 500]);
  answered(two, 'other', [200]);
  const text = await aggregateUnitMetrics([await one.snapshot(), await two.snapshot()]);
  const line = (start: string): string | undefined => text.split('\n').find((l) => l.startsWith(start));
  assert.equal(
    line('ig_route_request_total{router="_router",route="api",name="api"}'),
    'ig_route_request_total{router="_router",route="api",name="api"} 5',
  );
  assert.equal(
    line('ig_route_request_total{router="_router",route="other",name="other"}')?.split(' ')[1],
    '1',
  );
  assert.equal(
    line(
      'ig_route_response_status_total{router="_router",route="api",name="api",family="successful"}',
    )?.split(' ')[1],
    '3',
  );
  assert.equal(
    line('ig_route_response_time_seconds_count{router="_router",route="api",name="api"}')?.split(' ')[1],
    '5',
  );
});

test('no unit answered: no series', async () => {
  assert.equal((await aggregateUnitMetrics([])).trim(), '');
});
