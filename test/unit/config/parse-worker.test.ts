import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { CONFIG_LIMITS, type ConfigLimits } from '../../../src/config/limits.js';
import type { ParseAnswer, ParseRequest } from '../../../src/config/parse-worker.js';

/**
 * The parse worker as ConfigFileReader runs it: a real thread on the compiled module, spoken to
 * only through ParseRequest and ParseAnswer messages. file-reader.test.ts covers what the reader
 * makes of the answers (time and memory limits, replacing the thread); this is the thread's side.
 */
describe('parse worker', () => {
  let dir: string;
  let worker: Worker;
  let nextId = 100;
  const waiting = new Map<number, (answer: ParseAnswer) => void>();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-parse-worker-'));
    worker = new Worker(new URL('../../../src/config/parse-worker.js', import.meta.url));
    worker.on('message', (answer: ParseAnswer) => {
      waiting.get(answer.id)?.(answer);
      waiting.delete(answer.id);
    });
  });

  after(async () => {
    await worker.terminate();
    await rm(dir, { recursive: true, force: true });
  });

  function ask(file: string, limits: ConfigLimits = CONFIG_LIMITS): Promise<ParseAnswer> {
    const request: ParseRequest = { id: nextId++, file, limits };
    return new Promise((resolve) => {
      waiting.set(request.id, resolve);
      worker.postMessage(request);
    });
  }

  async function file(name: string, content: string | Buffer): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  }

  test('each answer carries the id of its request, with several requests in flight', async () => {
    const json = await file('a.json', '{"handler": "h"}');
    const yaml = await file('b.yaml', 'handler: h\nheap: []\n');
    const first = nextId;
    const answers = await Promise.all([ask(json), ask(yaml), ask(join(dir, 'none.json'))]);
    assert.deepEqual(answers, [
      { id: first, value: { handler: 'h' }, warnings: [] },
      { id: first + 1, value: { handler: 'h', heap: [] }, warnings: [] },
      { id: first + 2, missing: true },
    ]);
  });

  test('a file read with a warning has its data and the warning, coded, with where in the text', async () => {
    const answer = await ask(await file('trailing.json', '// a route\n{"handler": "h"}\n}\n'));
    assert.deepEqual(answer, {
      id: nextId - 1,
      value: { handler: 'h' },
      warnings: [
        {
          code: 'TG_CONFIG_TRAILING_CONTENT',
          pointer: '',
          detail: 'the text after the JSON value is ignored, from line 3, column 1',
          source: { line: 3, column: 1, excerpt: '}', caret: 1 },
        },
      ],
    });
  });

  test('a byte-order mark is not part of the text', async () => {
    const path = await file('bom.json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('[1]')]));
    const answer = await ask(path);
    assert.ok('value' in answer, JSON.stringify(answer));
    assert.deepEqual(answer.value, [1]);
  });

  test('a parse error is answered as plain data: code, pointer, detail and where in the text', async () => {
    const broken = await ask(await file('broken.json', '{\n  "a": 1,\n  "b": }'));
    assert.ok('error' in broken);
    assert.deepEqual(broken.error, {
      code: 'TG_CONFIG_PARSE',
      pointer: '',
      detail: "expected a value, found '}' at line 3, column 8",
      source: { line: 3, column: 8, excerpt: '  "b": }', caret: 8 },
    });
    // A structural problem found after parsing keeps the pointer to where it is.
    const cycle = await ask(await file('cycle.yaml', 'a:\n  b: &x [*x]\n'));
    assert.ok('error' in cycle);
    assert.deepEqual(cycle.error, {
      code: 'TG_CONFIG_LIMIT',
      pointer: '/a/b/0',
      detail: 'an alias refers to a value that contains it',
    });
  });

  test('a directory is not read: TG_CONFIG_READ', async () => {
    const answer = await ask(dir);
    assert.ok('error' in answer);
    assert.deepEqual(answer.error, { code: 'TG_CONFIG_READ', pointer: '', detail: 'not a regular file' });
  });

  test('a path that cannot be opened, other than a missing file, is TG_CONFIG_READ with the reason', async () => {
    const beneath = join(await file('plain.json', '{}'), 'child.json');
    const answer = await ask(beneath);
    assert.ok('error' in answer, JSON.stringify(answer));
    assert.equal(answer.error.code, 'TG_CONFIG_READ');
    assert.match(answer.error.detail, /^ENOTDIR: not a directory, open /);
  });

  test('a file larger than the limit its request carries is refused before it is read', async () => {
    const text = JSON.stringify({ a: 'x'.repeat(100) });
    const path = await file('big.json', text);
    const refused = await ask(path, { ...CONFIG_LIMITS, maxFileBytes: 50 });
    assert.ok('error' in refused);
    assert.deepEqual(refused.error, {
      code: 'TG_CONFIG_LIMIT',
      pointer: '',
      detail: `the file has ${text.length} bytes; at most 50 are read`,
    });
    // The limits belong to each request, not to the thread: the next one may allow more.
    assert.ok('value' in (await ask(path, { ...CONFIG_LIMITS, maxFileBytes: text.length })));
  });

  test(
    'a file that holds more than its size said is cut off at the limit',
    { skip: !existsSync('/proc/self/status') },
    async () => {
      // Files under /proc report a size of 0 and then give more: the same as a file that grew
      // between stat and read. The read stops one byte past the limit instead of trusting stat.
      const answer = await ask('/proc/self/status', { ...CONFIG_LIMITS, maxFileBytes: 16 });
      assert.ok('error' in answer);
      assert.deepEqual(answer.error, {
        code: 'TG_CONFIG_LIMIT',
        pointer: '',
        detail: 'the file has more than 16 bytes',
      });
    },
  );
});
