import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { request } from 'undici';
import { eventually } from '../fixtures/gateway.js';
import { cliPath, startGatewayProcess } from '../fixtures/gateway-process.js';

/**
 * Files written as PingGateway users write them, with comments, single quotes, a raw tab in a
 * string and a brace too many at the end: `tollgate validate` passes them, printing the one
 * warning with its place, and `tollgate start` serves them, logging the same warning.
 */

const config = `{
  // The top heap: one handler every route may name.
  "heap": [
    {
      "name": "Hello",
      "type": "StaticResponseHandler",
      "config": { 'status': 200, "headers": { "Content-Type": ["text/plain"] }, "entity": "hello\tthere" }
    }
  ]
}
`;

const route = `/*
 * A route as PingGateway's guides write them.
 */
{
  "name": "hello",
  'condition': "\${request.uri.path == '/hello'}", // the only path
  "handler": 'Hello'
}
}
`;

test('files with comments, single quotes and text after the value validate with a warning and are served', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-pinggateway-json-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'routes'));
  await writeFile(join(dir, 'config.json'), config);
  await writeFile(join(dir, 'routes', 'hello.json'), route);
  const routeFile = join(dir, 'routes', 'hello.json');

  const result = spawnSync(process.execPath, [cliPath, 'validate', dir], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(result.stdout.trim().split('\n'), [`ok ${join(dir, 'config.json')}`, `ok ${routeFile}`]);
  assert.deepEqual(result.stderr.trimEnd().split('\n'), [
    `warning TG_CONFIG_TRAILING_CONTENT ${routeFile}#: the text after the JSON value is ignored, from line 9, column 1`,
    '    9 | }',
    '      | ^',
  ]);

  const gateway = await startGatewayProcess(['--config-dir', dir, '--port', '0', '--host', '127.0.0.1']);
  try {
    const res = await request(`${gateway.url}/hello`);
    assert.equal(res.statusCode, 200);
    assert.equal(await res.body.text(), 'hello\tthere');
    let logged: Record<string, unknown> | undefined;
    await eventually(() => {
      const line = gateway
        .output()
        .split('\n')
        .find((each) => each.includes('TG_CONFIG_TRAILING_CONTENT'));
      assert.ok(line, gateway.output());
      logged = JSON.parse(line) as Record<string, unknown>;
    });
    assert.equal(logged?.level, 'warn');
    assert.equal(logged?.place, `${routeFile}#`);
    assert.deepEqual(logged?.source, { line: 9, column: 1, excerpt: '}', caret: 1 });
  } finally {
    await gateway.stop();
  }
});
