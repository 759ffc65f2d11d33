import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { startGateway } from '../../src/index.js';
import { TollgateError, ConfigErrors } from '../../src/errors/tollgate-error.js';
import { memoryLogger } from '../fixtures/gateway.js';

/** A port that was free a moment ago, and a server holding another one. */
async function listening(): Promise<Server> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return server;
}

function portOf(server: Server): number {
  return (server.address() as { port: number }).port;
}

/** What a gateway leaves behind when it leaks: timers, directory watchers, listening and open sockets. */
const LASTING = new Set(['Timeout', 'FSEventWrap', 'TCPServerWrap', 'TCPSocketWrap']);

function resources(): string[] {
  return process.getActiveResourcesInfo().filter((kind) => LASTING.has(kind));
}

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tollgate-startup-'));
  await mkdir(join(dir, 'routes'));
  await writeFile(
    join(dir, 'routes', 'r.json'),
    JSON.stringify({ handler: { type: 'StaticResponseHandler', config: { status: 204 } } }),
  );
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(admin: unknown): Promise<TollgateError> {
  await writeFile(join(dir, 'admin.json'), JSON.stringify(admin));
  const { logger } = memoryLogger();
  try {
    const gateway = await startGateway({ configDir: dir, logger, env: {} });
    await gateway.close();
  } catch (error) {
    const [first] = error instanceof ConfigErrors ? error.errors : [error];
    assert.ok(first instanceof TollgateError, String(error));
    return first;
  }
  assert.fail('the gateway started');
}

test('a bad grace period is an error at its pointer, found before any socket opens', async () => {
  const free = await listening();
  const port = portOf(free);
  await new Promise((done) => free.close(done));
  const before = resources();
  const error = await failure({ connectors: [{ port, host: '127.0.0.1', gracePeriod: 'two shakes' }] });
  assert.equal(error.code, 'TG_CONFIG_BAD_DURATION');
  assert.match(String(error.place?.file), /admin\.json$/);
  assert.equal(error.place?.pointer, '/connectors/0/gracePeriod');
  // Nothing was left open: the port is free, and no timer, watcher or thread outlived the failure.
  const again = createServer();
  await new Promise<void>((done, fail) => again.once('error', fail).listen(port, '127.0.0.1', done));
  await new Promise((done) => again.close(done));
  assert.deepEqual(resources(), before);
});

test('a TLS file that cannot be read fails start-up with its pointer and nothing opened', async () => {
  const before = resources();
  const error = await failure({
    connectors: [
      { port: 0, host: '127.0.0.1', tls: { keyFile: join(dir, 'no.key'), certFile: join(dir, 'no.pem') } },
    ],
  });
  assert.equal(error.code, 'TG_START_TLS');
  assert.equal(error.place?.pointer, '/connectors/0/tls');
  assert.deepEqual(resources(), before);
});

test('a listener that cannot open undoes everything opened before it, the other listeners and the routes included', async () => {
  const taken = await listening();
  try {
    const before = resources();
    const error = await failure({
      connectors: [
        { port: 0, host: '127.0.0.1' },
        { port: portOf(taken), host: '127.0.0.1' },
      ],
    });
    assert.equal(error.code, 'TG_START_LISTEN');
    assert.equal(error.place?.pointer, '/connectors/1/port');
    assert.deepEqual(resources(), before);
  } finally {
    await new Promise((done) => taken.close(done));
  }
});
