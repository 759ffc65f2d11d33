import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { startBackend, type Backend } from '../fixtures/backend.js';
import { startTestGateway, type LogLine, type TestGateway } from '../fixtures/gateway.js';
import { getText } from '../fixtures/requests.js';

const TOKEN = 'opaque-t0ken-s3cret';

describe('decorators over real sockets', () => {
  let backend: Backend;
  let tg: TestGateway;

  before(async () => {
    backend = await startBackend();
    tg = await startTestGateway({
      files: {
        'config.json': {
          heap: [
            {
              name: 'gw-capture',
              type: 'CaptureDecorator',
              config: { masks: { headers: ['x-session-.*'] } },
            },
          ],
          globalDecorators: { 'gw-capture': 'request' },
        },
      },
      routes: {
        'captured.json': {
          name: 'captured',
          condition: "${request.uri.path == '/captured'}",
          heap: [{ name: 'route-capture', type: 'CaptureDecorator', config: { captureEntity: true } }],
          'route-capture': 'all',
          baseURI: backend.url,
          handler: { type: 'ReverseProxyHandler' },
        },
        'token.json': {
          name: 'token',
          condition: "${request.uri.path == '/token'}",
          heap: [{ name: 'route-capture', type: 'CaptureDecorator', config: { captureEntity: true } }],
          handler: {
            type: 'StaticResponseHandler',
            'route-capture': 'response',
            config: {
              status: 200,
              headers: { 'Content-Type': ['application/json'] },
              entity: `{"access_token":"${TOKEN}","token_type":"Bearer","expires_in":60}`,
            },
          },
        },
        'quiet.json': {
          name: 'quiet',
          monitor: false,
          condition: "${request.uri.path == '/quiet'}",
          handler: { type: 'StaticResponseHandler', config: { status: 204 } },
        },
      },
    });
  });

  after(async () => {
    await tg.close();
    await backend.close();
  });

  const captures = (decorator: string): LogLine[] => tg.logs.filter((l) => l.decorator === decorator);
  const header = (line: LogLine, name: string): unknown => {
    const headers = ((line.request ?? line.response) as { headers: Record<string, unknown> }).headers;
    return Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  };

  test('config.json globalDecorators and a route’s named CaptureDecorator log with masks and never the token', async () => {
    const answer = await request(`${tg.url}/captured`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TOKEN}`,
        'x-session-id': 'session-42',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ subject_token: TOKEN, q: 1 }),
    });
    assert.equal(answer.statusCode, 200);
    const echoed = (await answer.body.json()) as { headers: Record<string, string> };
    assert.equal(echoed.headers.authorization, `Bearer ${TOKEN}`, 'the backend got the request as sent');

    // The global decoration reaches the Router in config.json and the handler in the route.
    const global = captures('gw-capture');
    assert.deepEqual(global.map((l) => [l.object, l.capture]).sort(), [
      ['ReverseProxyHandler/handler', 'request'],
      ['_router', 'request'],
    ]);
    for (const line of global) {
      assert.deepEqual(header(line, 'x-session-id'), ['*****']);
      assert.deepEqual(header(line, 'authorization'), ['[REDACTED]']);
    }

    const [captured, returned] = captures('route-capture');
    assert.equal(captured?.capture, 'request');
    assert.equal((captured!.request as { entity: string }).entity, '{"subject_token":"[REDACTED]","q":1}');
    assert.deepEqual(header(captured!, 'x-session-id'), ['session-42'], 'masks are the decorator’s own');
    assert.equal(returned?.capture, 'response');
    // The backend's answer is chunked: reading it all for the log could refuse a large one.
    assert.equal((returned!.response as { entity: string }).entity, '[entity not captured: streamed]');

    const issued = await getText(`${tg.url}/token`);
    assert.equal(JSON.parse(issued.body).access_token, TOKEN);
    const [onToken] = captures('route-capture').filter((l) => l.object !== returned!.object);
    assert.equal(
      (onToken!.response as { entity: string }).entity,
      // Every field named like a credential is redacted, token_type too.
      '{"access_token":"[REDACTED]","token_type":"[REDACTED]","expires_in":60}',
    );
    assert.doesNotMatch(JSON.stringify(tg.logs), /s3cret/);
  });

  test('a route with monitor false answers and is left out of the route metrics', async () => {
    assert.equal((await getText(`${tg.url}/quiet`)).status, 204);
    const metrics = (await getText(`${tg.url}/openig/metrics/prometheus/0.0.4`)).body;
    const requests = metrics.split('\n').filter((line) => line.startsWith('ig_route_request_total{'));
    assert.ok(
      requests.some((line) => line.includes('name="captured"')),
      metrics,
    );
    assert.ok(!requests.some((line) => line.includes('name="quiet"')), metrics);
  });
});
