import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { startBackend } from '../fixtures/backend.js';
import { eventually } from '../fixtures/gateway.js';
import { startGatewayProcess } from '../fixtures/gateway-process.js';
import { hostileRoutes } from '../fixtures/hostile-routes.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = join(root, 'dist/src/cli.js');
const badRoutes = join(root, 'test/fixtures/routes-bad');

test('validate lists every error with its code, file and pointer, and exits 1', () => {
  const result = spawnSync(process.execPath, [cli, 'validate', badRoutes], { encoding: 'utf8' });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /TG_CONFIG_UNKNOWN_PROPERTY .*10-typo\.json#\/handler\/config\/entitty/);
  assert.match(result.stderr, /TG_CONFIG_PARSE .*20-broken\.yaml#/);
  for (const line of result.stderr.trim().split('\n')) {
    // A parse error's excerpt follows it on indented lines: the line of the file, then a caret.
    if (line.startsWith(' ')) {
      assert.match(line, /^ {4}(\d+ \| .*| +\| +\^)$/, line);
      continue;
    }
    assert.match(line, /^TG_[A-Z_]+ \S+#\S*: /, line);
    assert.equal(line.match(/TG_[A-Z_]+/g)?.length, 1, `the code once per line: ${line}`);
  }
});

test('validate shows where a JSON or YAML file stops parsing: line, column, the line and a caret', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-cli-'));
  try {
    await writeFile(
      join(dir, 'a.json'),
      '{\n  "handler": {\n    "type": "StaticResponseHandler",\n    "config": { "status": 200, }\n  }\n}\n',
    );
    await writeFile(
      join(dir, 'b.yaml'),
      'handler:\n  type: StaticResponseHandler\n  config:\n    status: 200\n   entity: x\n',
    );
    const result = spawnSync(process.execPath, [cli, 'validate', dir], { encoding: 'utf8' });
    assert.equal(result.status, 1, result.stderr);
    const lines = result.stderr.trimEnd().split('\n');
    const json = lines.findIndex((line) => line.includes('a.json#'));
    assert.match(lines[json]!, /^TG_CONFIG_PARSE \S+a\.json#: a comma before '\}' .* at line 4, column 30$/);
    assert.equal(lines[json + 1], '    4 |     "config": { "status": 200, }');
    assert.equal(lines[json + 2], `      | ${' '.repeat(29)}^`);
    const yaml = lines.findIndex((line) => line.includes('b.yaml#'));
    assert.match(lines[yaml]!, /^TG_CONFIG_PARSE \S+b\.yaml#: .* same column at line 5, column 1$/);
    assert.equal(lines[yaml + 1], '    5 |    entity: x');
    assert.equal(lines[yaml + 2], '      | ^');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('validate reports each hostile route file with its code and exits 1, never 2', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-cli-'));
  try {
    const routes = hostileRoutes();
    for (const route of routes) await writeFile(join(dir, route.name), route.content);
    const result = spawnSync(process.execPath, [cli, 'validate', dir], { encoding: 'utf8' });
    assert.equal(result.status, 1, result.stderr);
    const lines = result.stderr.trim().split('\n');
    for (const route of routes) {
      const line = lines.find((l) => l.includes(`/${route.name}#`));
      assert.ok(line, `${route.name} is reported`);
      assert.ok(line.startsWith(`${route.code} `), line);
      if (route.pointer !== undefined) assert.ok(line.includes(`${route.name}#${route.pointer}`), line);
    }
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('validate exits 0 on good files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-cli-'));
  try {
    await writeFile(
      join(dir, 'ok.json'),
      JSON.stringify({ handler: { type: 'StaticResponseHandler', config: { status: 204 } } }),
    );
    const result = spawnSync(process.execPath, [cli, 'validate', dir], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^ok .*ok\.json$/m);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Writes `files` (path → JSON value) under a new directory and returns it. */
async function instanceWith(files: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-cli-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), JSON.stringify(content));
  }
  return dir;
}

const greeting = { type: 'StaticResponseHandler', config: { status: '&{code}', entity: '&{greeting}' } };

test('validate DIR checks the config directory as start loads it, and start serves what validate passed', async () => {
  const dir = await instanceWith({
    'admin.json': { properties: { greeting: 'hello' } },
    'config.json': { heap: [{ name: 'Greeting', ...greeting }], properties: { code: 201 } },
    'routes/10-heap.json': { name: 'heap', condition: "${request.uri.path == '/heap'}", handler: 'Greeting' },
    'routes/20-again.json': { name: 'heap', handler: 'Greeting' },
    'routes/30-typo.json': { handler: { type: 'StaticResponseHandler', config: { stauts: 200 } } },
  });
  try {
    const result = spawnSync(process.execPath, [cli, 'validate', dir], { encoding: 'utf8' });
    assert.equal(result.status, 1, result.stderr);
    assert.deepEqual(result.stdout.trim().split('\n'), [
      `ok ${join(dir, 'admin.json')}`,
      `ok ${join(dir, 'config.json')}`,
      `ok ${join(dir, 'routes', '10-heap.json')}`,
    ]);
    assert.deepEqual(
      result.stderr
        .trim()
        .split('\n')
        .map((line) => line.split(':')[0]),
      [
        `TG_CONFIG_DUPLICATE_NAME ${join(dir, 'routes', '20-again.json')}#/name`,
        `TG_CONFIG_UNKNOWN_PROPERTY ${join(dir, 'routes', '30-typo.json')}#/handler/config/stauts`,
      ],
    );
    const alone = spawnSync(process.execPath, [cli, 'validate', join(dir, 'routes', '10-heap.json')], {
      encoding: 'utf8',
    });
    assert.equal(alone.status, 0, alone.stderr);

    const gateway = await startGatewayProcess(['--config-dir', dir, '--port', '0', '--host', '127.0.0.1']);
    try {
      const res = await request(`${gateway.url}/heap`);
      assert.equal(res.statusCode, 201);
      assert.equal(await res.body.text(), 'hello');
    } finally {
      await gateway.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("validate exits 1 on an unknown type in config.json's heap", async () => {
  const dir = await instanceWith({ 'config.json': { heap: [{ name: 'X', type: 'NoSuchType' }] } });
  try {
    const result = spawnSync(process.execPath, [cli, 'validate', dir], { encoding: 'utf8' });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^TG_CONFIG_UNKNOWN_TYPE \S+config\.json#\/heap\/0\/type: /m);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a literal status that is no HTTP status fails validate; one a request decides is a logged 500', async () => {
  const dir = await instanceWith({
    'routes/literal.json': { handler: { type: 'StaticResponseHandler', config: { status: 'two hundred' } } },
    'routes/decided.json': {
      name: 'decided',
      handler: { type: 'StaticResponseHandler', config: { status: "${request.headers['X-Status'][0]}" } },
    },
  });
  try {
    const result = spawnSync(process.execPath, [cli, 'validate', join(dir, 'routes')], { encoding: 'utf8' });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^TG_CONFIG_BAD_VALUE \S+literal\.json#\/handler\/config\/status: /m);
    assert.match(result.stdout, /^ok \S+decided\.json$/m);

    const gateway = await startGatewayProcess(['--config-dir', dir, '--port', '0', '--host', '127.0.0.1']);
    try {
      const res = await request(gateway.url, { headers: { 'x-status': 'two hundred' } });
      assert.equal(res.statusCode, 500);
      await res.body.dump();
      await eventually(() => {
        const line = gateway
          .output()
          .split('\n')
          .find((l) => l.includes('TG_RESPONSE_BAD_STATUS'));
        assert.ok(line, gateway.output());
        assert.equal(JSON.parse(line).route, 'decided');
      });
    } finally {
      await gateway.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('start serves routes from --config-dir and stops cleanly on SIGTERM', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-cli-'));
  try {
    await mkdir(join(dir, 'config', 'routes'), { recursive: true });
    await writeFile(
      join(dir, 'config', 'admin.json'),
      JSON.stringify({ connectors: [{ port: 0, host: '127.0.0.1' }], prefix: 'admin' }),
    );
    await writeFile(
      join(dir, 'config', 'routes', 'hello.json'),
      JSON.stringify({
        handler: { type: 'StaticResponseHandler', config: { status: 200, entity: 'hello' } },
      }),
    );
    const child = spawn(process.execPath, [cli, 'start', '--config-dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const url = await new Promise<string>((done, fail) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /"urls":\["([^"]+)"\]/.exec(output);
        if (match) done(match[1]!);
      });
      child.once('exit', (code) => fail(new Error(`exited ${code}: ${output}`)));
    });
    const res = await request(`${url}/anything`);
    assert.equal(await res.body.text(), 'hello');
    const ping = await request(`${url}/admin/ping`);
    assert.equal(ping.statusCode, 200);
    await ping.body.dump();
    const exited = new Promise<number | null>((done) => child.once('exit', done));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('SIGTERM lets in-flight requests finish before the process exits 0', async () => {
  const backend = await startBackend();
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-cli-'));
  try {
    await mkdir(join(dir, 'routes'));
    await writeFile(
      join(dir, 'routes', 'proxy.json'),
      JSON.stringify({ baseURI: backend.url, handler: 'ReverseProxyHandler' }),
    );
    const gateway = await startGatewayProcess(['--config-dir', dir, '--port', '0', '--host', '127.0.0.1']);
    const inFlight = request(`${gateway.url}/slow?ms=600`);
    await new Promise((done) => setTimeout(done, 150));
    const exitCode = gateway.stop();
    const res = await inFlight;
    assert.equal(res.statusCode, 200);
    assert.equal(await res.body.text(), 'slow');
    assert.equal(await exitCode, 0);
  } finally {
    await backend.close();
    await rm(dir, { recursive: true, force: true });
  }
});
