import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { eventually } from '../fixtures/gateway.js';
import { startGatewayProcess, type GatewayProcess } from '../fixtures/gateway-process.js';

/**
 * Request data against patterns that a backtracking engine takes minutes, hours or longer on.
 * The gateway runs in its own process, so a gateway stuck in a regex shows as requests that miss
 * their deadline here (the test fails) rather than as a stuck test; nothing here measures time.
 */

/** Long enough for any linear-time answer on a loaded machine, far too short for backtracking. */
const DEADLINE_MS = 5000;

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, unknown>;
}

let gateway: GatewayProcess;
let dir: string;

async function send(
  path: string,
  options: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  const res = await request(`${gateway.url}${path}`, {
    ...options,
    signal: AbortSignal.timeout(DEADLINE_MS),
  });
  return { status: res.statusCode, body: await res.body.text(), headers: res.headers };
}

const post = (path: string, body: string): Promise<Answer> =>
  send(path, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });

/** The attack and an ordinary request to another route, sent at the same time: both are answered. */
async function alongsideOrdinary<T>(attack: Promise<T>): Promise<T> {
  const [answer, ordinary] = await Promise.all([attack, send('/ordinary')]);
  assert.equal(ordinary.status, 200);
  assert.equal(ordinary.body, 'ordinary');
  return answer;
}

const staticResponse = (entity: string): unknown => ({
  type: 'StaticResponseHandler',
  config: { status: 200, headers: { 'Content-Type': ['text/plain'] }, entity },
});

const routes: Record<string, unknown> = {
  '10-evil-header.json': {
    condition: "${find(request.headers['X-Evil'][0], '^(a+)+$')}",
    handler: staticResponse('only a'),
  },
  '20-trailing-space.json': {
    condition: "${request.uri.path == '/trailing-space'}",
    handler: staticResponse("${find(request.entity.string, '\\\\s+$')}"),
  },
  '30-csv.json': {
    condition: "${request.uri.path == '/csv'}",
    handler: {
      type: 'Chain',
      config: {
        filters: [
          {
            type: 'HeaderFilter',
            config: {
              messageType: 'RESPONSE',
              add: { 'X-Csv-Match': ["${matchesWithRegex(request.entity.string, '(.*,)*x')}"] },
            },
          },
        ],
        handler: staticResponse('csv'),
      },
    },
  },
  '40-ordinary.json': {
    condition: "${request.uri.path == '/ordinary'}",
    handler: staticResponse('ordinary'),
  },
  '50-lookahead.json': {
    condition: "${find(request.uri.path, '^/api(?!/internal)')}",
    handler: staticResponse('api'),
  },
  '60-backref.json': {
    condition: "${request.uri.path == '/backref'}",
    handler: staticResponse("${matchesWithRegex(request.uri.path, '(a)\\\\1')}"),
  },
};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tollgate-regex-'));
  await mkdir(join(dir, 'routes'));
  for (const [name, route] of Object.entries(routes)) {
    await writeFile(join(dir, 'routes', name), JSON.stringify(route, null, 2));
  }
  gateway = await startGatewayProcess(['--config-dir', dir, '--port', '0', '--host', '127.0.0.1']);
});

after(async () => {
  // A gateway stuck in a regex cannot run its SIGTERM handler: it is killed after the deadline.
  const killer = setTimeout(() => gateway.child.kill('SIGKILL'), DEADLINE_MS);
  await gateway.stop();
  clearTimeout(killer);
  await rm(dir, { recursive: true, force: true });
});

describe('request data against catastrophic patterns', () => {
  test("a condition find(header, '^(a+)+$') answers for 48 a's and a '!'", async () => {
    const miss = await alongsideOrdinary(send('/evil', { headers: { 'X-Evil': `${'a'.repeat(48)}!` } }));
    assert.equal(miss.status, 404);
    const hit = await alongsideOrdinary(send('/evil', { headers: { 'X-Evil': 'a'.repeat(48) } }));
    assert.deepEqual([hit.status, hit.body], [200, 'only a']);
  });

  test("an entity find(body, '\\s+$') answers for 64 KiB of spaces and an 'x', eight at a time", async () => {
    const spaces = ' '.repeat(64 * 1024 - 1);
    const answers = await alongsideOrdinary(
      Promise.all(Array.from({ length: 8 }, () => post('/trailing-space', `${spaces}x`))),
    );
    for (const answer of answers) assert.deepEqual([answer.status, answer.body], [200, 'false']);
    const trailing = await post('/trailing-space', `x${spaces}`);
    assert.deepEqual([trailing.status, trailing.body], [200, 'true']);
  });

  test("a header filter matchesWithRegex(body, '(.*,)*x') answers for 1,000 and 60,000 commas", async () => {
    for (const commas of [','.repeat(1000), ','.repeat(60_000)]) {
      const miss = await alongsideOrdinary(post('/csv', commas));
      assert.deepEqual([miss.status, miss.body, miss.headers['x-csv-match']], [200, 'csv', 'false']);
      const hit = await post('/csv', `${commas}x`);
      assert.equal(hit.headers['x-csv-match'], 'true');
    }
  });
});

describe('patterns that need a backtracking engine', () => {
  const logged = (): { code?: string; place?: string; msg?: string }[] =>
    gateway
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { code?: string; place?: string; msg?: string });

  test('a lookahead or a back reference in a route is TG_CONFIG_BAD_REGEX at its place', async () => {
    await eventually(() =>
      assert.equal(logged().filter((line) => line.code === 'TG_CONFIG_BAD_REGEX').length, 2),
    );
    const errors = logged().filter((line) => line.code === 'TG_CONFIG_BAD_REGEX');
    const lookahead = errors.find((line) => line.place?.endsWith('50-lookahead.json#/condition'));
    assert.ok(lookahead, JSON.stringify(errors));
    assert.match(lookahead.msg ?? '', /negative lookahead \(\?!…\) needs a backtracking engine/);
    assert.match(lookahead.msg ?? '', /not find\(/);
    assert.match(lookahead.msg ?? '', /at column 3 of /);
    const backReference = errors.find((line) =>
      line.place?.endsWith('60-backref.json#/handler/config/entity'),
    );
    assert.ok(backReference, JSON.stringify(errors));
    assert.match(backReference.msg ?? '', /back reference \(\\1\) needs a backtracking engine/);
  });

  test('the routes that loaded keep serving, and the refused ones serve nothing', async () => {
    assert.deepEqual([(await send('/ordinary')).body, (await send('/api/x')).status], ['ordinary', 404]);
    assert.equal((await send('/backref')).status, 404);
  });
});
