import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { startBackend } from '../fixtures/backend.js';
import { eventually } from '../fixtures/gateway.js';
import { startGatewayProcess } from '../fixtures/gateway-process.js';
import { hostileRoutes } from '../fixtures/hostile-routes.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = join(root, 'dist/src/cli.js');
const badRoutes = join(root, 'test/fixtures/routes-bad');
const tls = join(root, 'test/fixtures/tls');

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
    const exited = new Promise<number | null>((done) => child.once('close', done));
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

/** `tollgate ARGS` run to its end. */
function run(args: readonly string[], env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ...env },
    timeout: 20_000,
  });
}

/** A temporary directory for one test, removed after it. */
async function scratch(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A `tollgate start` process and its output so far, read line by line. */
function startProcess(t: TestContext, args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [cli, 'start', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // One unit unless a test says otherwise: one per CPU would depend on the machine.
    env: { PATH: process.env.PATH, TOLLGATE_UNITS: '1', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
  // A test that fails half-way must not leave a gateway running.
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const lines = (): Record<string, unknown>[] =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    child,
    exited,
    lines,
    stderr: () => stderr,
    /** The first log line `match` accepts, once it is written. */
    async line(match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
      let found: Record<string, unknown> | undefined;
      await eventually(() => {
        found = lines().find(match);
        assert.ok(found, `no such line yet:\n${stdout}${stderr}`);
      }, 15_000);
      return found!;
    },
    async stop(): Promise<number | null> {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

const hello = { handler: { type: 'StaticResponseHandler', config: { status: 200, entity: 'hello' } } };

test('--version and -v print the version in package.json and exit 0', async () => {
  const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-v']) {
    const result = run([flag]);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, `${version}\n`);
  }
});

test('-h and --help print the usage of the tool or of a command on stdout and exit 0', () => {
  for (const [args, first] of [
    [['--help'], 'Usage: tollgate <command> [options]'],
    [['-h'], 'Usage: tollgate <command> [options]'],
    [['help'], 'Usage: tollgate <command> [options]'],
    [['start', '--help'], 'Usage: tollgate start [options]'],
    [['start', '-h', '--port', 'x'], 'Usage: tollgate start [options]'],
    [['help', 'start'], 'Usage: tollgate start [options]'],
    [['validate', '--help'], 'Usage: tollgate validate [options] FILE|DIR...'],
    [['help', 'validate'], 'Usage: tollgate validate [options] FILE|DIR...'],
  ] as const) {
    const result = run(args);
    assert.equal(result.status, 0, `${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.stderr, '', args.join(' '));
    assert.equal(result.stdout.split('\n')[0], first, args.join(' '));
  }
  const start = run(['start', '--help']).stdout;
  for (const option of [
    '--config-dir DIR',
    '--routes DIR',
    '--port N',
    '--host ADDR',
    '--log-format',
    '--log-level',
  ]) {
    assert.ok(start.includes(option), option);
  }
  assert.match(start, /TOLLGATE_PORT/);
});

test('a usage mistake is one line naming what is wrong and where help is, with exit 2', () => {
  for (const [args, env, expected] of [
    [['start', '--frob'], {}, "TG_CLI_USAGE: unknown option --frob (see 'tollgate start --help')"],
    [['start', '--port'], {}, "TG_CLI_USAGE: --port needs a value (N) (see 'tollgate start --help')"],
    [
      ['start', '--log-level', 'loud'],
      {},
      'TG_CLI_USAGE: --log-level is "loud"; it must be one of trace, debug, info, warn, error, fatal, silent (see \'tollgate start --help\')',
    ],
    [
      ['start'],
      { TOLLGATE_LOG_FORMAT: 'xml' },
      'TG_CLI_USAGE: TOLLGATE_LOG_FORMAT is "xml"; it must be json or pretty (see \'tollgate start --help\')',
    ],
    [
      ['start'],
      { TOLLGATE_PORT: '80a' },
      'TG_CLI_USAGE: TOLLGATE_PORT is "80a"; it must be a port number from 0 to 65535 (see \'tollgate start --help\')',
    ],
    [
      ['validate', '--strict', 'x.json'],
      {},
      "TG_CLI_USAGE: unknown option --strict (see 'tollgate validate --help')",
    ],
    [['serve'], {}, 'TG_CLI_USAGE: unknown command "serve" (see \'tollgate --help\')'],
  ] as const) {
    const result = run(args, env);
    assert.equal(result.status, 2, args.join(' '));
    assert.equal(result.stderr, `${expected}\n`);
    assert.equal(result.stdout, '');
  }
  const bare = run([]);
  assert.equal(bare.status, 2);
  assert.match(bare.stderr, /^Usage: tollgate <command>/);
});

test('validate skips hidden files and editor temporaries, and takes a name after -- as a file', async (t) => {
  const dir = await scratch(t);
  await writeFile(join(dir, 'a.json'), JSON.stringify(hello));
  for (const name of ['.a.json', '.#a.json', '#a.json#', 'a.json~', '.a.json.swp']) {
    await writeFile(join(dir, name), '{ "broken": ');
  }
  const result = run(['validate', dir]);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, `ok ${join(dir, 'a.json')}\n`);
  await writeFile(join(dir, '--help'), JSON.stringify(hello));
  const named = spawnSync(process.execPath, [cli, 'validate', '--', '--help'], {
    cwd: dir,
    encoding: 'utf8',
  });
  assert.equal(named.status, 0, named.stderr);
  assert.equal(named.stdout, 'ok --help\n');
});

test('the TOLLGATE_* variables stand in for the flags, a flag wins, and without a host every interface is bound', async (t) => {
  const dir = await scratch(t);
  await mkdir(join(dir, 'routes'));
  await mkdir(join(dir, 'other'));
  await writeFile(join(dir, 'routes', 'hello.json'), JSON.stringify(hello));
  await writeFile(
    join(dir, 'other', 'other.json'),
    JSON.stringify({ handler: { type: 'StaticResponseHandler', config: { status: 200, entity: 'other' } } }),
  );
  const env = {
    TOLLGATE_CONFIG_DIR: dir,
    TOLLGATE_ROUTES_DIR: join(dir, 'other'),
    TOLLGATE_PORT: '0',
  };
  const gateway = startProcess(t, ['--routes', join(dir, 'routes')], env);
  const listening = await gateway.line((line) => String(line.msg).includes(' failed, listening on '));
  const [url] = listening.urls as string[];
  const port = new URL(url!).port;
  assert.deepEqual(listening.listening, [`0.0.0.0:${port}`]);
  assert.equal(listening.routes, join(dir, 'routes'));
  const res = await request(`${url}/`);
  assert.equal(await res.body.text(), 'hello');
  assert.equal(await gateway.stop(), 0);
});

test('a port from a &{} token in admin.json is a number: "port": "&{listen.port|8085}"', async (t) => {
  const dir = await scratch(t);
  await mkdir(join(dir, 'routes'));
  await writeFile(join(dir, 'routes', 'hello.json'), JSON.stringify(hello));
  await writeFile(
    join(dir, 'admin.json'),
    JSON.stringify({ connectors: [{ port: '&{listen.port|8085}', host: '127.0.0.1' }] }),
  );
  const gateway = startProcess(t, ['--config-dir', dir], { LISTEN_PORT: '0' });
  const listening = await gateway.line((line) => String(line.msg).includes(' failed, listening on '));
  const [url] = listening.urls as string[];
  assert.equal(await (await request(`${url}/`)).body.text(), 'hello');
  assert.equal(await gateway.stop(), 0);

  const bad = run(['start', '--config-dir', dir], { LISTEN_PORT: 'eighty' });
  assert.equal(bad.status, 1);
  assert.equal(
    bad.stderr,
    `TG_CONFIG_BAD_VALUE ${join(dir, 'admin.json')}#/connectors/0/port: the configuration token gives "eighty" where an integer is expected\n`,
  );
});

test('a routes directory given that does not exist is one coded line and exit 1, before anything opens', async (t) => {
  const dir = await scratch(t);
  for (const args of [['--routes', join(dir, 'nope')], []] as const) {
    const result = run(['start', '--port', '0', '--host', '127.0.0.1', ...args], {
      TOLLGATE_ROUTES_DIR: join(dir, 'nope'),
    });
    assert.equal(result.status, 1);
    assert.equal(
      result.stderr,
      `TG_START_ROUTES_DIRECTORY <command line>#/routes: the routes directory ${join(dir, 'nope')} does not exist\n`,
    );
    assert.doesNotMatch(result.stdout, /listening/);
  }
});

test('a default routes directory that does not exist is one warning: the gateway serves, and loads the routes once it is made', async (t) => {
  const dir = await scratch(t);
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({ handler: { type: 'Router', config: { scanInterval: '100 ms' } } }),
  );
  const gateway = startProcess(t, ['--config-dir', dir, '--port', '0', '--host', '127.0.0.1']);
  const listening = await gateway.line((line) => String(line.msg).includes(' failed, listening on '));
  const [url] = listening.urls as string[];
  const warnings = gateway.lines().filter((line) => ['warn', 'error', 'fatal'].includes(String(line.level)));
  assert.deepEqual(
    warnings.map((line) => [line.code, line.directory]),
    [['TG_ROUTES_DIRECTORY_MISSING', join(dir, 'routes')]],
  );
  assert.ok(
    warnings.every((line) => line.err === undefined),
    'no stack trace',
  );
  assert.equal((await request(`${url}/`)).statusCode, 404);
  await mkdir(join(dir, 'routes'));
  await writeFile(join(dir, 'routes', 'hello.json'), JSON.stringify(hello));
  await eventually(async () => assert.equal(await (await request(`${url}/`)).body.text(), 'hello'));
  assert.equal(gateway.stderr(), '');
  assert.equal(await gateway.stop(), 0);
});

test('a secret id no store can give is a warning at start-up naming the route, and the route still loads', async (t) => {
  const dir = await scratch(t);
  await mkdir(join(dir, 'routes'));
  await writeFile(
    join(dir, 'routes', 'api.json'),
    JSON.stringify({
      name: 'api',
      handler: {
        type: 'Chain',
        config: {
          filters: [
            {
              type: 'ClientSecretBasicAuthenticationFilter',
              config: {
                clientId: 'svc',
                clientSecretId: 'client.secret.id',
                secretsProvider: { type: 'SystemAndEnvSecretStore' },
              },
            },
          ],
          handler: { type: 'StaticResponseHandler', config: { status: 200, entity: 'api' } },
        },
      },
    }),
  );
  const gateway = startProcess(t, ['--config-dir', dir, '--port', '0', '--host', '127.0.0.1']);
  await gateway.line((line) => String(line.msg).includes(' failed, listening on '));
  const warning = await gateway.line((line) => line.code === 'TG_SECRET_NOT_FOUND');
  assert.equal(warning.route, 'api');
  assert.equal(warning.secretId, 'client.secret.id');
  assert.equal(gateway.lines().filter((line) => line.code === 'TG_SECRET_NOT_FOUND').length, 1);
  assert.equal(await gateway.stop(), 0);

  const given = startProcess(t, ['--config-dir', dir, '--port', '0', '--host', '127.0.0.1'], {
    CLIENT_SECRET_ID: Buffer.from('secret').toString('base64'),
  });
  await given.line((line) => String(line.msg).includes(' failed, listening on '));
  assert.equal(given.lines().filter((line) => line.code === 'TG_SECRET_NOT_FOUND').length, 0);
  assert.equal(await given.stop(), 0);

  // TOLLGATE_LOG_LEVEL stands in for --log-level: at warn, the warning is all there is.
  const quiet = startProcess(t, ['--config-dir', dir, '--port', '0', '--host', '127.0.0.1'], {
    TOLLGATE_LOG_LEVEL: 'warn',
  });
  await quiet.line((line) => line.code === 'TG_SECRET_NOT_FOUND');
  assert.equal(await quiet.stop(), 0);
  assert.deepEqual(
    quiet.lines().filter((line) => !['warn', 'error', 'fatal'].includes(String(line.level))),
    [],
  );
});

test('SIGTERM during start-up is logged, what start-up opened is closed, and the process exits 0', async (t) => {
  const dir = await scratch(t);
  await mkdir(join(dir, 'routes'));
  await writeFile(join(dir, 'routes', 'hello.json'), JSON.stringify(hello));
  // Start-up reads the TLS key before any socket opens; a FIFO holds it there until the test writes.
  const key = join(dir, 'key.pem');
  assert.equal(spawnSync('mkfifo', [key]).status, 0, 'mkfifo');
  await writeFile(
    join(dir, 'admin.json'),
    JSON.stringify({
      connectors: [{ port: 0, host: '127.0.0.1', tls: { keyFile: key, certFile: join(tls, 'cert.pem') } }],
    }),
  );
  const gateway = startProcess(t, ['--config-dir', dir]);
  let fifo: number | undefined;
  t.after(() => {
    if (fifo !== undefined) closeSync(fifo);
  });
  // Opening the write end without blocking succeeds once the gateway has the read end open.
  await eventually(() => {
    fifo = openSync(key, constants.O_WRONLY | constants.O_NONBLOCK);
  }, 15_000);
  gateway.child.kill('SIGTERM');
  writeSync(fifo!, await readFile(join(tls, 'key.pem')));
  closeSync(fifo!);
  fifo = undefined;
  assert.equal(await gateway.exited, 0, gateway.stderr());
  const messages = gateway.lines().map((line) => [line.code, line.msg]);
  const interrupted = messages.findIndex(([code]) => code === 'TG_START_INTERRUPTED');
  assert.ok(interrupted >= 0, JSON.stringify(messages));
  assert.deepEqual(messages.at(-1), [undefined, 'tollgate stopped']);
});
