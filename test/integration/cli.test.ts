import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { startBackend } from '../fixtures/backend.js';
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
