import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** routes/ and every examples/<name>/routes/ directory. */
function shippedRouteDirs(): string[] {
  const examples = join(root, 'examples');
  const dirs = readdirSync(examples, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(examples, e.name, 'routes')))
    .map((e) => join(examples, e.name, 'routes'));
  return [join(root, 'routes'), ...dirs];
}

test('`tollgate validate` passes on every shipped route', () => {
  const dirs = shippedRouteDirs();
  const result = spawnSync(process.execPath, [join(root, 'dist/src/cli.js'), 'validate', ...dirs], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  });
  assert.equal(result.status, 0, result.stderr);
  assert.ok((result.stdout.match(/^ok /gm) ?? []).length >= 2, result.stdout);
});
