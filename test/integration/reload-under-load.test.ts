import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { startBackend, type Backend } from '../fixtures/backend.js';
import { startTestGateway, type TestGateway } from '../fixtures/gateway.js';

let backend: Backend;
let tg: TestGateway;

const proxyRoute = (version: number): unknown => ({
  condition: "${find(request.uri.path, '^/slow')}",
  baseURI: backend.url,
  handler: {
    type: 'Chain',
    config: {
      filters: [
        {
          type: 'HeaderFilter',
          config: { messageType: 'RESPONSE', add: { 'X-Version': [String(version)] } },
        },
      ],
      handler: { type: 'ReverseProxyHandler' },
    },
  },
});

before(async () => {
  backend = await startBackend();
  tg = await startTestGateway({ routes: { 'proxy.json': proxyRoute(0) } });
});

after(async () => {
  await tg.close();
  await backend.close();
});

test('reloading a route while requests are in flight fails none of them', async () => {
  const failures: string[] = [];
  const versions = new Set<string>();
  let stop = false;
  const worker = async (): Promise<void> => {
    while (!stop) {
      try {
        const res = await request(`${tg.url}/slow?ms=40`);
        const text = await res.body.text();
        if (res.statusCode !== 200 || text !== 'slow') failures.push(`${res.statusCode} ${text}`);
        versions.add(String(res.headers['x-version']));
      } catch (error) {
        failures.push(String(error));
      }
    }
  };
  const workers = Array.from({ length: 8 }, worker);
  for (let version = 1; version <= 10; version++) {
    await tg.writeRoute('proxy.json', proxyRoute(version));
    await new Promise((done) => setTimeout(done, 120));
  }
  stop = true;
  await Promise.all(workers);
  assert.deepEqual(failures, []);
  assert.ok(versions.size > 2, `saw versions ${[...versions].join(',')}`);
});
