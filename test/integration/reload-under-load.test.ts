import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { startBackend, type Backend } from '../fixtures/backend.js';
import { eventually, startTestGateway, type TestGateway } from '../fixtures/gateway.js';

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

test('a route replaced while a request waits on its body-reading condition still answers that request', async () => {
  // The route's own heap holds the proxy, so retiring the old build closes its connection pool.
  const bodyRoute = (version: number): unknown => ({
    name: 'body-condition',
    condition: "${request.entity.string == 'go'}",
    baseURI: backend.url,
    heap: [{ name: 'proxy', type: 'ReverseProxyHandler' }],
    handler: {
      type: 'Chain',
      config: {
        filters: [
          {
            type: 'HeaderFilter',
            config: { messageType: 'RESPONSE', add: { 'X-Version': [String(version)] } },
          },
        ],
        handler: 'proxy',
      },
    },
  });
  await tg.writeRoute('body.json', bodyRoute(1));
  const loaded = (): number =>
    tg.logs.filter(
      (l) => (l.msg === 'route loaded' || l.msg === 'route reloaded') && String(l.file).endsWith('body.json'),
    ).length;
  await eventually(() => assert.equal(loaded(), 1));
  const port = Number(new URL(tg.url).port);
  const socket = connect(port, '127.0.0.1');
  let answer = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (answer += chunk));
  const closed = new Promise<void>((done) => socket.on('close', () => done()));
  socket.write(`POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\n`);
  // The request now waits in the Router for its body, on the first build's condition.
  await new Promise((done) => setTimeout(done, 200));
  await tg.writeRoute('body.json', bodyRoute(2));
  await eventually(() => assert.equal(loaded(), 2));
  // Time for the replaced build to be retired, which stops its heap unless a request holds it.
  await new Promise((done) => setTimeout(done, 200));
  socket.write('go');
  await closed;
  assert.match(answer, /^HTTP\/1\.1 200 /);
  assert.match(answer, /x-version: 1/i);
  assert.match(answer, /x-backend: yes/i);
});
