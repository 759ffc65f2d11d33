import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { startBackend, type Backend } from '../fixtures/backend.js';
import { startGatewayProcess, type GatewayProcess } from '../fixtures/gateway-process.js';

const MIB = 1024 * 1024;
/**
 * A streamed body's cost does not grow with its size; a buffered one's does. The collector's
 * heap sizing adds tens of MiB the first time large bodies flow (about 70 MiB on Node 24), so
 * one large body of each direction is sent before measuring, and then a body far larger than the
 * bound (the benchmark's target) must leave the peak within it.
 */
const WARM_UP_MIB = 100;
const BODY_MIB = 300;
const MAX_GROWTH = 64 * MIB;
let backend: Backend;
let gateway: GatewayProcess;
let dir: string;

before(async () => {
  backend = await startBackend();
  dir = await mkdtemp(join(tmpdir(), 'tollgate-stream-'));
  await mkdir(join(dir, 'routes'));
  await writeFile(
    join(dir, 'routes', 'proxy.json'),
    JSON.stringify({ baseURI: backend.url, handler: 'ReverseProxyHandler' }),
  );
  gateway = await startGatewayProcess(['--config-dir', dir, '--port', '0', '--host', '127.0.0.1']);
  // Warm up: the pool, the JIT and the first buffers are part of the baseline, not of the stream.
  for (let i = 0; i < 20; i++) await (await request(`${gateway.url}/big?mib=1`)).body.dump();
  await (await request(`${gateway.url}/big?mib=${WARM_UP_MIB}`)).body.dump();
  const upload = await request(`${gateway.url}/upload`, { method: 'POST', body: zeroes(WARM_UP_MIB * MIB) });
  await upload.body.dump();
});

after(async () => {
  assert.equal(await gateway.stop(), 0);
  await backend.close();
  await rm(dir, { recursive: true, force: true });
});

/** `total` bytes in 64 KiB chunks, produced lazily so the test itself holds none of it. */
function zeroes(total: number): Readable {
  let sent = 0;
  const chunk = Buffer.alloc(64 * 1024);
  return new Readable({
    read() {
      if (sent >= total) this.push(null);
      else {
        sent += chunk.length;
        this.push(chunk);
      }
    },
  });
}

test('a 300 MiB response streams through the gateway with bounded memory', async (t) => {
  const baseline = await gateway.peakRss();
  const res = await request(`${gateway.url}/big?mib=${BODY_MIB}`);
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-length'], String(BODY_MIB * MIB));
  let received = 0;
  for await (const chunk of res.body) received += (chunk as Buffer).length;
  assert.equal(received, BODY_MIB * MIB);
  const growth = (await gateway.peakRss()) - baseline;
  t.diagnostic(`gateway peak RSS grew by ${(growth / MIB).toFixed(1)} MiB`);
  assert.ok(growth < MAX_GROWTH, `gateway peak RSS grew by ${(growth / MIB).toFixed(1)} MiB`);
});

test('a 300 MiB request body streams to the upstream with bounded memory', async (t) => {
  const baseline = await gateway.peakRss();
  const res = await request(`${gateway.url}/upload`, {
    method: 'POST',
    body: zeroes(BODY_MIB * MIB),
    headers: { 'content-type': 'application/octet-stream' },
  });
  assert.equal(res.statusCode, 200);
  const echoed = (await res.body.json()) as { bodyBytes: number };
  assert.equal(echoed.bodyBytes, BODY_MIB * MIB);
  const growth = (await gateway.peakRss()) - baseline;
  t.diagnostic(`gateway peak RSS grew by ${(growth / MIB).toFixed(1)} MiB`);
  assert.ok(growth < MAX_GROWTH, `gateway peak RSS grew by ${(growth / MIB).toFixed(1)} MiB`);
});
