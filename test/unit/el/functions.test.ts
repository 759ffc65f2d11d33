import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBuiltinFunctions, extendFunctions, isBuiltinFunction } from '../../../src/el/index.js';
import { PatternCache } from '../../../src/el/regex.js';

/** Runs `body`, recording the cache each regex lookup goes to. */
function cachesUsedBy(body: () => void): PatternCache[] {
  const used: PatternCache[] = [];
  const get = PatternCache.prototype.get;
  PatternCache.prototype.get = function (this: PatternCache, pattern: string) {
    used.push(this);
    return get.call(this, pattern);
  };
  try {
    body();
  } finally {
    PatternCache.prototype.get = get;
  }
  return used;
}

test('each function table keeps its own regex cache: two tables in one process share none', () => {
  const first = createBuiltinFunctions();
  const second = createBuiltinFunctions();
  // Called directly, as an expression with a computed pattern calls it: through the cache.
  const used = cachesUsedBy(() => {
    assert.equal(first.find!('abc', 'b+'), true);
    assert.equal(first.find!('abc', 'x+'), false);
    assert.equal(second.find!('abc', 'b+'), true);
  });
  assert.equal(used.length, 3);
  assert.equal(used[0], used[1]);
  assert.notEqual(used[0], used[2]);
});

test('a built-in is recognised in every table, and a replacement is not', () => {
  const table = createBuiltinFunctions();
  assert.equal(isBuiltinFunction(table.find, 'find'), true);
  assert.equal(isBuiltinFunction(createBuiltinFunctions().find, 'find'), true);
  assert.equal(isBuiltinFunction(extendFunctions(table, { other: () => null }).find, 'find'), true);
  assert.equal(isBuiltinFunction(table.matches, 'find'), false);
  assert.equal(
    isBuiltinFunction(() => true, 'find'),
    false,
  );
  assert.equal(isBuiltinFunction(undefined, 'find'), false);
});
