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

test('a 50 MiB response streams through the gateway with flat memory', async () => {
  const baseline = await gateway.peakRss();
  const res = await request(`${gateway.url}/big?mib=50`);
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-length'], String(50 * MIB));
  let received = 0;
  for await (const chunk of res.body) received += (chunk as Buffer).length;
  assert.equal(received, 50 * MIB);
  const growth = (await gateway.peakRss()) - baseline;
  // Buffering the body would add at least 50 MiB to the gateway's peak.
  assert.ok(growth < 32 * MIB, `gateway peak RSS grew by ${(growth / MIB).toFixed(1)} MiB`);
});

test('a 50 MiB request body streams to the upstream with flat memory', async () => {
  const baseline = await gateway.peakRss();
  const res = await request(`${gateway.url}/upload`, {
    method: 'POST',
    body: zeroes(50 * MIB),
    headers: { 'content-type': 'application/octet-stream' },
  });
  assert.equal(res.statusCode, 200);
  const echoed = (await res.body.json()) as { bodyBytes: number };
  assert.equal(echoed.bodyBytes, 50 * MIB);
  const growth = (await gateway.peakRss()) - baseline;
  assert.ok(growth < 32 * MIB, `gateway peak RSS grew by ${(growth / MIB).toFixed(1)} MiB`);
});
