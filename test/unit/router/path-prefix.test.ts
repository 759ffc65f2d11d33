import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createBuiltinFunctions, extendFunctions } from '../../../src/el/index.js';
import { conditionPathPrefix } from '../../../src/router/path-prefix.js';

const builtins = createBuiltinFunctions();
const prefix = (condition: unknown): string | undefined => conditionPathPrefix(condition, builtins);

describe('the literal path prefix of a route condition', () => {
  const cases: [unknown, string | undefined][] = [
    ["${find(request.uri.path, '^/token-exchange')}", '/token-exchange'],
    ["${find(request.uri.path, '^/api/v1(/.*)?$')}", '/api/v1'],
    ["${find(request.uri.path, '^/ab?')}", '/a'],
    ["${find(request.uri.path, '^/ab*c')}", '/a'],
    ["${find(request.uri.path, '^/a{2}')}", '/'],
    ["${find(request.uri.path, '^/ab+')}", '/ab'],
    ["${find(request.uri.path, '^/a.b')}", '/a'],
    ["${find(request.uri.path, '^/a|/b')}", undefined],
    ["${find(request.uri.path, '/api')}", undefined],
    ["${find(request.uri.path, '^\\\\d')}", undefined],
    ["${request.uri.path.startsWith('/rs/')}", '/rs/'],
    ["${request.uri.path.startsWith('')}", undefined],
    ["${find(request.uri.rawPath, '^/x')}", undefined],
    ["${find(request.uri.path, '^/x') && request.method == 'GET'}", undefined],
    ["${find(request.uri.path, '^/x')} ", '/x'],
    ["x ${find(request.uri.path, '^/x')}", undefined],
    [true, undefined],
    [{ expression: "${find(request.uri.path, '^/x')}" }, undefined],
    ['${find(request.uri.path,', undefined],
  ];
  for (const [condition, expected] of cases) {
    test(`${JSON.stringify(condition)} → ${String(expected)}`, () => {
      assert.equal(prefix(condition), expected);
    });
  }

  test('a function table with its own find gives no prefix', () => {
    const table = extendFunctions(builtins, { other: () => null });
    assert.equal(conditionPathPrefix("${find(request.uri.path, '^/x')}", table), '/x');
    const replaced = { ...builtins, find: () => true };
    assert.equal(conditionPathPrefix("${find(request.uri.path, '^/x')}", replaced), undefined);
  });
});
