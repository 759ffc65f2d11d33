import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatewayMetrics } from '../../../src/observability/metrics.js';

test('counts by label set, and a scrape neither resets nor doubles them', async () => {
  const metrics = new GatewayMetrics();
  metrics.routeRequest('api', 200);
  metrics.routeRequest('api', 204);
  metrics.routeRequest('api', 404);
  metrics.tokenExchange('exchange', null, 'cached');
  metrics.tokenExchange('exchange', 'invalid_grant', 'exchanged');
  metrics.tokenExchange('exchange', 'invalid_grant', 'exchanged');
  for (let scrape = 0; scrape < 2; scrape++) {
    const text = await metrics.render();
    assert.match(text, /tollgate_route_requests_total\{route="api",status="2xx"\} 2\n/);
    assert.match(text, /tollgate_route_requests_total\{route="api",status="4xx"\} 1\n/);
    assert.match(
      text,
      /tollgate_token_exchanges_total\{filter="exchange",outcome="success",error="",source="cached"\} 1\n/,
    );
    assert.match(
      text,
      /tollgate_token_exchanges_total\{filter="exchange",outcome="failure",error="invalid_grant",source="exchanged"\} 2\n/,
    );
  }
});

test('label values that share words do not share a count', async () => {
  const metrics = new GatewayMetrics();
  metrics.tokenExchange('c', 'a b', 'exchanged');
  metrics.tokenExchange('b c', 'a', 'exchanged');
  const text = await metrics.render();
  assert.match(text, /filter="c",outcome="failure",error="a b",source="exchanged"\} 1\n/);
  assert.match(text, /filter="b c",outcome="failure",error="a",source="exchanged"\} 1\n/);
});
