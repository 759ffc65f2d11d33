import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startBackend, type Backend } from '../fixtures/backend.js';
import { eventually, memoryLogger, type LogLine } from '../fixtures/gateway.js';
import { startGatewayProcess, type GatewayProcess } from '../fixtures/gateway-process.js';
import { send, type Outcome } from '../fixtures/keep-alive-client.js';
import { startGateway, type Gateway } from '../../src/index.js';

const tls = resolve(dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/tls');
const isAnswered = (outcome: Outcome): outcome is Extract<Outcome, { kind: 'answered' }> =>
  outcome.kind === 'answered';

/** A raw keep-alive connection that had one request answered and then stays idle. */
async function openIdleConnection(url: string): Promise<{
  /** Resolves when the other side ends the connection. */
  readonly ended: Promise<void>;
  /** Bytes received after the first answer. */
  later(): string;
  destroy(): void;
}> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let received = '';
  let answered = false;
  let later = '';
  const ended = new Promise<void>((done) => socket.once('end', done));
  await new Promise<void>((done, fail) => {
    socket.once('error', fail);
    socket.on('data', (chunk: Buffer) => {
      if (answered) {
        later += chunk.toString('latin1');
        return;
      }
      received += chunk.toString('latin1');
      if (received.endsWith('Pong')) {
        answered = true;
        done();
      }
    });
    socket.write('GET /openig/ping HTTP/1.1\r\nHost: gateway\r\n\r\n');
  });
  assert.match(received, /^HTTP\/1\.1 200 .*\r\nConnection: keep-alive\r\n/s);
  return { ended, later: () => later, destroy: () => socket.destroy() };
}

test(
  'SIGTERM under keep-alive load loses no request and closes every connection',
  { timeout: 60_000 },
  async (t) => {
    const connections = 20;
    const backend = await startBackend();
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-shutdown-'));
    const agent = new Agent({ keepAlive: true, maxSockets: connections });
    const slowAgent = new Agent({ keepAlive: true });
    let gateway: GatewayProcess | undefined;
    let idle: Awaited<ReturnType<typeof openIdleConnection>> | undefined;
    try {
      await mkdir(join(dir, 'routes'));
      await writeFile(
        join(dir, 'admin.json'),
        JSON.stringify({ connectors: [{ port: 0, host: '127.0.0.1' }] }),
      );
      await writeFile(
        join(dir, 'routes', 'proxy.json'),
        JSON.stringify({ baseURI: backend.url, handler: 'ReverseProxyHandler' }),
      );
      gateway = await startGatewayProcess(['--config-dir', dir]);
      const { url } = gateway;
      idle = await openIdleConnection(url);

      // Each loop sends its next request as soon as the previous answer is in, as wrk does. A refused
      // connect means the listener is closed: that loop is done. The deadline and the count only
      // bound a gateway that never stops.
      const deadline = Date.now() + 20_000;
      const perLoop: Outcome[][] = Array.from({ length: connections }, () => []);
      const loops = perLoop.map(async (outcomes) => {
        while (Date.now() < deadline && outcomes.length < 5_000) {
          const outcome = await send(`${url}/slow?ms=5`, agent);
          outcomes.push(outcome);
          if (outcome.kind === 'refused') break;
        }
      });
      await eventually(() => assert.ok(perLoop.every((outcomes) => outcomes.length >= 25)), 15_000);
      const slow = send(`${url}/slow?ms=1500`, slowAgent);
      await eventually(() => assert.ok(backend.requests.some((r) => r.url === '/slow?ms=1500')));
      const signalledAt = Date.now();
      const exitCode = await gateway.stop();
      await Promise.all(loops);
      const outcomes = perLoop.flat();
      const slowOutcome = await slow;

      const lost = outcomes.filter((o) => o.kind === 'lost');
      const refused = outcomes.filter((o) => o.kind === 'refused');
      const answered = [...outcomes, slowOutcome].filter(isAnswered);
      const drainLine = gateway
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as LogLine)
        .find((line) => line.msg === 'tollgate is draining');
      // The gateway acts on the signal when its event loop gets to it; the log line's time marks
      // that moment. A request sent after it, or answered by the backend after it, was answered by
      // a draining gateway.
      const drainingAt = Date.parse(String(drainLine?.time));
      const sentWhileDraining = answered.filter((o) => o.sentAt > drainingAt);
      const finishedWhileDraining = answered.filter((o) => Number(o.headers['x-answered-at']) > drainingAt);
      t.diagnostic(
        `sent ${outcomes.length + 1 - refused.length}, answered ${answered.length}, ` +
          `answered by the backend while draining ${finishedWhileDraining.length}, ` +
          `sent while draining ${sentWhileDraining.length}, refused connects ${refused.length}, lost ${lost.length}`,
      );

      assert.deepEqual(lost, [], 'no request sent on a connection went unanswered');
      assert.ok(answered.filter((o) => o.sentAt < signalledAt).length >= 25 * connections, 'the load ran');
      assert.ok(answered.every((o) => o.status === 200 && o.body === 'slow'));
      assert.ok(Number.isFinite(drainingAt), 'the gateway logged when it began to drain');
      assert.ok(finishedWhileDraining.length > 0);
      for (const outcome of [...finishedWhileDraining, ...sentWhileDraining]) {
        assert.equal(
          outcome.headers.connection,
          'close',
          'every answer sent while draining closes its connection',
        );
      }
      for (const loop of perLoop) {
        const [beforeLast, last] = loop.slice(-2);
        if (last?.kind !== 'refused') continue;
        assert.ok(beforeLast && isAnswered(beforeLast));
        assert.equal(
          beforeLast.headers.connection,
          'close',
          'a connection ends after an answer that says so',
        );
      }
      assert.ok(isAnswered(slowOutcome), 'the request in flight at the signal finished');
      assert.deepEqual(
        [slowOutcome.status, slowOutcome.body, slowOutcome.headers.connection],
        [200, 'slow', 'close'],
      );
      await idle.ended;
      assert.equal(idle.later(), '', 'the idle connection was closed without an answer to nothing');
      assert.equal(exitCode, 0);
    } finally {
      idle?.destroy();
      agent.destroy();
      slowAgent.destroy();
      if (gateway?.child.exitCode === null) gateway.child.kill('SIGKILL');
      await backend.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
);

/** Starts a gateway in this process over a temp directory with these files and routes. */
async function startWith(
  files: Record<string, unknown>,
  routes: Record<string, unknown>,
): Promise<{ gateway: Gateway; logs: LogLine[]; cleanUp(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-shutdown-'));
  await mkdir(join(dir, 'routes'));
  for (const [name, content] of Object.entries(files))
    await writeFile(join(dir, name), JSON.stringify(content));
  for (const [name, content] of Object.entries(routes)) {
    await writeFile(join(dir, 'routes', name), JSON.stringify(content));
  }
  const { logger, logs } = memoryLogger();
  const gateway = await startGateway({ configDir: dir, logger, env: {} });
  return { gateway, logs, cleanUp: () => rm(dir, { recursive: true, force: true }) };
}

test('a request that follows at once on an idle connection when close() begins is answered with Connection: close', async () => {
  const { gateway, logs, cleanUp } = await startWith(
    {
      'admin.json': {
        connectors: [
          { port: 0, host: '127.0.0.1' },
          {
            port: 0,
            host: '127.0.0.1',
            tls: { keyFile: join(tls, 'key.pem'), certFile: join(tls, 'cert.pem') },
          },
        ],
      },
    },
    {
      'static.json': {
        condition: "${request.uri.path == '/static'}",
        handler: { type: 'StaticResponseHandler', config: { status: 200, entity: 'static' } },
      },
      'down.json': {
        condition: "${request.uri.path == '/down'}",
        baseURI: 'http://127.0.0.1:1',
        handler: 'ReverseProxyHandler',
      },
    },
  );
  const ca = await readFile(join(tls, 'cert.pem'));
  // One keep-alive connection per listener and kind of answer: routed, admin, error.
  const clients = gateway.urls.flatMap((url) =>
    ['/static', '/openig/ping', '/down'].map((path) => ({
      url: `${url}${path}`,
      agent: url.startsWith('https:')
        ? new HttpsAgent({ keepAlive: true, maxSockets: 1, ca })
        : new Agent({ keepAlive: true, maxSockets: 1 }),
    })),
  );
  try {
    const first = await Promise.all(clients.map((client) => send(client.url, client.agent)));
    for (const outcome of first)
      assert.equal(isAnswered(outcome) && outcome.headers.connection, 'keep-alive');
    const started = performance.now();
    const closed = gateway.close();
    const second = await Promise.all(clients.map((client) => send(client.url, client.agent)));
    assert.deepEqual(
      second.map((o) => (isAnswered(o) ? `${o.status} ${o.headers.connection}` : o.kind)),
      ['200 close', '200 close', '502 close', '200 close', '200 close', '502 close'],
    );
    await closed;
    assert.ok(performance.now() - started < 3000, 'close() ends once the connections are closed');
    assert.ok(logs.some((line) => line.msg === 'tollgate stopped'));
  } finally {
    for (const client of clients) client.agent.destroy();
    await gateway.close();
    await cleanUp();
  }
});

async function startProxy(
  backend: Backend,
  gracePeriod: string,
): Promise<Awaited<ReturnType<typeof startWith>>> {
  return startWith(
    { 'admin.json': { connectors: [{ port: 0, host: '127.0.0.1', gracePeriod }] } },
    { 'proxy.json': { baseURI: backend.url, handler: 'ReverseProxyHandler' } },
  );
}

test('close() cuts a request longer than the grace period and ends about then', async () => {
  const backend = await startBackend();
  const { gateway, logs, cleanUp } = await startProxy(backend, '300 ms');
  const agent = new Agent({ keepAlive: true });
  try {
    const outcome = send(`${gateway.urls[0]}/slow?ms=5000`, agent);
    await eventually(() => assert.equal(backend.requests.length, 1));
    const started = performance.now();
    await gateway.close();
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 290 && elapsed < 2000, `close() took ${elapsed} ms`);
    assert.equal((await outcome).kind, 'lost');
    assert.ok(logs.some((line) => line.level === 40 && line.connections === 1));
  } finally {
    agent.destroy();
    await gateway.close();
    await backend.close();
    await cleanUp();
  }
});

test('an unlimited grace period lets a long request finish', async () => {
  const backend = await startBackend();
  const { gateway, cleanUp } = await startProxy(backend, 'unlimited');
  const agent = new Agent({ keepAlive: true });
  try {
    const outcome = send(`${gateway.urls[0]}/slow?ms=800`, agent);
    await eventually(() => assert.equal(backend.requests.length, 1));
    const started = performance.now();
    await gateway.close();
    assert.ok(performance.now() - started >= 600);
    const answer = await outcome;
    assert.ok(isAnswered(answer));
    assert.deepEqual([answer.status, answer.body, answer.headers.connection], [200, 'slow', 'close']);
  } finally {
    agent.destroy();
    await gateway.close();
    await backend.close();
    await cleanUp();
  }
});
