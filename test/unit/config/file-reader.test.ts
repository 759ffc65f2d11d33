import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigFileReader } from '../../../src/config/file-reader.js';
import { CONFIG_LIMITS } from '../../../src/config/limits.js';
import { TollgateError } from '../../../src/errors/tollgate-error.js';

async function rejection(promise: Promise<unknown>): Promise<TollgateError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof TollgateError, String(error));
    return error;
  }
  assert.fail('the read succeeded');
}

describe('ConfigFileReader', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-reader-'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('reads JSON and YAML off the event loop; a byte-order mark is skipped', async () => {
    const reader = new ConfigFileReader();
    try {
      await writeFile(join(dir, 'a.json'), '\ufeff{"handler": "h"}');
      await writeFile(join(dir, 'b.yaml'), 'handler: h\n');
      assert.deepEqual(await reader.read(join(dir, 'a.json')), { handler: 'h' });
      assert.deepEqual(await reader.readIfPresent(join(dir, 'b.yaml')), { value: { handler: 'h' } });
    } finally {
      await reader.close();
    }
  });

  test('a warning of the file goes to onWarning, with the file, before its data is returned', async () => {
    const warnings: TollgateError[] = [];
    const reader = new ConfigFileReader(CONFIG_LIMITS, (warning) => warnings.push(warning));
    try {
      const file = join(dir, 'trailing.json');
      await writeFile(file, '{"handler": "h"} x');
      assert.deepEqual(await reader.read(file), { handler: 'h' });
      assert.deepEqual(
        warnings.map((warning) => [warning.code, warning.place, warning.source?.column]),
        [['TG_CONFIG_TRAILING_CONTENT', { file, pointer: '' }, 18]],
      );
    } finally {
      await reader.close();
    }
  });

  test('a missing file is "missing" to readIfPresent and TG_CONFIG_READ to read', async () => {
    const reader = new ConfigFileReader();
    try {
      assert.equal(await reader.readIfPresent(join(dir, 'gone.json')), 'missing');
      const error = await rejection(reader.read(join(dir, 'gone.json')));
      assert.equal(error.code, 'TG_CONFIG_READ');
      assert.equal((await rejection(reader.read(dir))).code, 'TG_CONFIG_READ');
    } finally {
      await reader.close();
    }
  });

  test('a file past the size limit is refused before it is read', async () => {
    const reader = new ConfigFileReader({ ...CONFIG_LIMITS, maxFileBytes: 100 });
    try {
      await writeFile(join(dir, 'big.json'), JSON.stringify({ a: 'x'.repeat(200) }));
      const error = await rejection(reader.read(join(dir, 'big.json')));
      assert.equal(error.code, 'TG_CONFIG_LIMIT');
      assert.match(error.message, /at most 100 are read/);
    } finally {
      await reader.close();
    }
  });

  test('a parse past the time or memory limit loses its thread, and the next file gets a new one', async () => {
    await writeFile(join(dir, 'slow.yaml'), Array.from({ length: 40_000 }, (_, i) => `k${i}: v`).join('\n'));
    await writeFile(join(dir, 'fine.json'), '{"ok": true}');
    const slow = new ConfigFileReader({ ...CONFIG_LIMITS, parseTimeoutMs: 1 });
    try {
      const error = await rejection(slow.read(join(dir, 'slow.yaml')));
      assert.equal(error.code, 'TG_CONFIG_LIMIT');
      assert.match(error.message, /longer than 1 ms/);
    } finally {
      await slow.close();
    }
    const small = new ConfigFileReader({ ...CONFIG_LIMITS, parseMemoryMb: 8 });
    try {
      await writeFile(
        join(dir, 'wide.json'),
        JSON.stringify({ _x: Array.from({ length: 200_000 }, () => [0]) }),
      );
      const error = await rejection(small.read(join(dir, 'wide.json')));
      assert.equal(error.code, 'TG_CONFIG_LIMIT');
      assert.match(error.message, /more than 8 MiB/);
      assert.deepEqual(await small.read(join(dir, 'fine.json')), { ok: true });
    } finally {
      await small.close();
    }
  });

  test('files read one after the other keep their order; after close, reads are refused', async () => {
    const reader = new ConfigFileReader();
    await writeFile(join(dir, 'one.json'), '{"n": 1}');
    await writeFile(join(dir, 'two.json'), '{"n": 2}');
    const values = await Promise.all([
      reader.read(join(dir, 'one.json')),
      reader.read(join(dir, 'two.json')),
    ]);
    assert.deepEqual(values, [{ n: 1 }, { n: 2 }]);
    await reader.close();
    assert.equal((await rejection(reader.read(join(dir, 'one.json')))).code, 'TG_CONFIG_READ');
  });
});
