// The logs as an operator reads them: from a real `tollgate start` process (its JSON lines, the
// start-up summary, the drain at shutdown) and a real gateway's route directory changing.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { request } from 'undici';
import { eventually, startTestGateway } from '../fixtures/gateway.js';
import { startGatewayProcess } from '../fixtures/gateway-process.js';

const ok = (text: string): unknown => ({
  handler: { type: 'StaticResponseHandler', config: { status: 200, entity: text } },
});

test('a gateway process writes JSON lines with ISO times and level names, a start-up summary, and the drain at shutdown', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-logs-'));
  try {
    await mkdir(join(dir, 'routes'));
    await writeFile(
      join(dir, 'routes', 'a.json'),
      JSON.stringify({ name: 'a', condition: "${request.uri.path == '/a'}", ...(ok('a') as object) }),
    );
    await writeFile(
      join(dir, 'routes', 'b.json'),
      JSON.stringify({ name: 'b', condition: "${request.uri.path == '/b'}", ...(ok('b') as object) }),
    );
    await writeFile(join(dir, 'routes', 'broken.json'), '{ "handler": ');
    const gateway = await startGatewayProcess(['--config-dir', dir, '--port', '0', '--host', '127.0.0.1']);
    let answer: string;
    try {
      const res = await request(`${gateway.url}/b`, { reset: true });
      answer = await res.body.text();
    } finally {
      assert.equal(await gateway.stop(), 0);
    }
    assert.equal(answer, 'b');

    const lines = gateway
      .output()
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const line of lines) {
      assert.match(String(line.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, JSON.stringify(line));
      assert.ok(
        ['debug', 'info', 'warn', 'error', 'fatal'].includes(String(line.level)),
        JSON.stringify(line),
      );
    }
    const messages = lines.map((line) => String(line.msg));
    const summary = lines.find((line) => String(line.msg).includes('listening on'));
    const bound = new URL(gateway.url).host;
    assert.equal(summary?.msg, `2 routes loaded, 1 failed, listening on ${bound}`);
    assert.equal(summary?.level, 'info');
    assert.deepEqual(
      [summary?.routesLoaded, summary?.routesFailed, summary?.urls, summary?.listening],
      [2, 1, [gateway.url], [bound]],
    );
    const failure = lines.find((line) => line.code === 'TG_CONFIG_PARSE');
    assert.equal(failure?.level, 'error');
    const order = ['tollgate is draining', 'tollgate is drained', 'tollgate stopped'].map((msg) =>
      messages.indexOf(msg),
    );
    assert.ok(
      order.every((at, i) => at > messages.indexOf(String(summary?.msg)) && (i === 0 || at > order[i - 1]!)),
      messages.join('\n'),
    );
    const drained = lines[order[1]!]!;
    assert.deepEqual([drained.connectionsCut, typeof drained.ms], [0, 'number']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a route's first load, a changed file and a removed file each say so", async () => {
  const tg = await startTestGateway({
    routes: { 'a.json': { name: 'a', ...(ok('one') as object) } },
    scanInterval: '100 ms',
  });
  try {
    const said = (): string[] =>
      tg.logs
        .filter((line) => ['route loaded', 'route reloaded', 'route removed'].includes(line.msg))
        .map((line) => `${line.msg} ${String(line.route)}`);
    assert.deepEqual(said(), ['route loaded a']);
    await tg.writeRoute('a.json', { name: 'a', ...(ok('two, longer') as object) });
    await eventually(() => assert.deepEqual(said(), ['route loaded a', 'route reloaded a']));
    await unlink(join(tg.routesDir, 'a.json'));
    await eventually(() =>
      assert.deepEqual(said(), ['route loaded a', 'route reloaded a', 'route removed a']),
    );
  } finally {
    await tg.close();
  }
});
