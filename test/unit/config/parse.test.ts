import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CONFIG_LIMITS, type ConfigLimits } from '../../../src/config/limits.js';
import { parseConfigText } from '../../../src/config/parse.js';
import { TollgateError } from '../../../src/errors/tollgate-error.js';

function failure(text: string, file: string, limits: ConfigLimits = CONFIG_LIMITS): TollgateError {
  try {
    parseConfigText(text, file, limits);
  } catch (error) {
    assert.ok(error instanceof TollgateError, String(error));
    return error;
  }
  assert.fail(`${file} parsed`);
}

describe('parseConfigText', () => {
  test('JSON and YAML give the same data', () => {
    const expected = { handler: 'ReverseProxyHandler', heap: [{ name: 'a', type: 'Chain' }] };
    assert.deepEqual(parseConfigText(JSON.stringify(expected), 'r.json', CONFIG_LIMITS), expected);
    const yaml = 'handler: ReverseProxyHandler\nheap:\n  - name: a\n    type: Chain\n';
    assert.deepEqual(parseConfigText(yaml, 'r.yaml', CONFIG_LIMITS), expected);
  });

  test('syntax errors are TG_CONFIG_PARSE with the line, the column and the line of the file', () => {
    const json = failure('{\n  "a": 1,\n  "b": }', 'r.json');
    assert.equal(json.code, 'TG_CONFIG_PARSE');
    assert.equal(json.detail, "expected a value, found '}' at line 3, column 8");
    assert.deepEqual(json.source, { line: 3, column: 8, excerpt: '  "b": }', caret: 8 });
    const duplicate = failure('a: 1\nb:\n  c: 2\n  c: 3\n', 'r.yaml');
    assert.equal(duplicate.code, 'TG_CONFIG_PARSE');
    assert.match(duplicate.message, /duplicate key "c" at line 4, column 3/);
    assert.deepEqual(duplicate.source, { line: 4, column: 3, excerpt: '  c: 3', caret: 3 });
  });

  test("a YAML syntax error is the library's message on one line, without its code frame", () => {
    const error = failure('handler:\n  type: StaticResponseHandler\n  config: { status: 200\n', 'r.yaml');
    assert.equal(error.code, 'TG_CONFIG_PARSE');
    assert.match(error.detail ?? '', /^Flow map .* at line 3, column 24$/);
    assert.deepEqual(error.source, { line: 3, column: 24, excerpt: '  config: { status: 200', caret: 24 });
    const tab = failure('a:\n\t- x\n', 'r.yaml');
    assert.match(tab.detail ?? '', /^Tabs are not allowed as indentation at line 2, column 1$/);
    assert.equal(tab.source?.excerpt, ' - x');
  });

  test('JSON errors read the same on every Node version: the scan finds the place, not V8', () => {
    // V8 gives no position for an unexpected token, and quotes the text, line breaks and all.
    const text = '{\n  "routes": [\n    { "name": "a" }\n    { "name": "b" }\n  ]\n}';
    const error = failure(text, 'config.json');
    assert.equal(error.detail, "expected ',' or ']', found '{' at line 4, column 5");
    assert.equal(error.source?.excerpt, '    { "name": "b" }');
    assert.doesNotMatch(error.message, /\n/);
  });

  test('JSON as PingGateway reads it: comments, single quotes and raw tabs, the same data', () => {
    const text = '// a route\n{\n  /* its name */ \'name\': \'a\', // then\n  "condition": "${true}\t"\n}\n';
    const warnings: TollgateError[] = [];
    const value = parseConfigText(text, 'r.json', CONFIG_LIMITS, (warning) => warnings.push(warning));
    assert.deepEqual(value, { name: 'a', condition: '${true}\t' });
    assert.deepEqual(warnings, []);
  });

  test('text after the JSON value is read past, with one warning of its place', () => {
    const warnings: TollgateError[] = [];
    const text = '{\n  "handler": "h"\n}\n  "heap": []\n}\n';
    const value = parseConfigText(text, 'r.json', CONFIG_LIMITS, (warning) => warnings.push(warning));
    assert.deepEqual(value, { handler: 'h' });
    assert.equal(warnings.length, 1);
    const [warning] = warnings;
    assert.equal(warning?.code, 'TG_CONFIG_TRAILING_CONTENT');
    assert.deepEqual(warning?.place, { file: 'r.json', pointer: '' });
    assert.equal(warning?.detail, 'the text after the JSON value is ignored, from line 4, column 3');
    assert.deepEqual(warning?.source, { line: 4, column: 3, excerpt: '  "heap": []', caret: 3 });
  });

  test('an error in a file with comments is placed by line and column as in any other', () => {
    const error = failure('// c\n{\n  /* x */ "a": 1,\n  "b": }', 'r.json');
    assert.equal(error.code, 'TG_CONFIG_PARSE');
    assert.equal(error.detail, "expected a value, found '}' at line 4, column 8");
    assert.deepEqual(error.source, { line: 4, column: 8, excerpt: '  "b": }', caret: 8 });
  });

  test('a file with comments nested too deeply gets the limit and pointer a strict one gets', () => {
    const nested = `{"a": ${'['.repeat(300)}${']'.repeat(300)}}`;
    const strict = failure(nested, 'r.json');
    const lenient = failure(`// deep\n${nested}`, 'r.json');
    assert.equal(lenient.code, 'TG_CONFIG_LIMIT');
    assert.equal(lenient.place?.pointer, `/a${'/0'.repeat(99)}`);
    assert.equal(lenient.message, strict.message);
  });

  test('YAML anchors and aliases work; the ones that cannot are errors', () => {
    assert.deepEqual(parseConfigText('a: &x [1, 2]\nb: *x\n', 'r.yaml', CONFIG_LIMITS), {
      a: [1, 2],
      b: [1, 2],
    });
    const missing = failure('_x: *nope\nhandler: h', 'r.yaml');
    assert.equal(missing.code, 'TG_CONFIG_PARSE');
    assert.match(missing.message, /alias \*nope has no anchor &nope before it at line 1, column 5/);
    const cycle = failure('a:\n  b: &x [*x]\n', 'r.yaml');
    assert.equal(cycle.code, 'TG_CONFIG_LIMIT');
    assert.equal(cycle.place?.pointer, '/a/b/0');
    const key = failure('? [a, b]\n: c\n', 'r.yaml');
    assert.match(key.message, /a key must be a plain value/);
    assert.equal(failure('x: !!binary aGVsbG8=', 'r.yaml').place?.pointer, '/x');
  });

  test('aliases that expand too much stop at the alias limit', () => {
    const lines = ['a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]'];
    for (const [name, previous] of [
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
    ])
      lines.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(', ')}]`);
    assert.equal(failure(lines.join('\n'), 'r.yaml').code, 'TG_CONFIG_LIMIT');
  });

  test('depth, objects and expressions are checked, with the pointer of the first value past a limit', () => {
    const deep = failure(`{"a": ${'['.repeat(300_000)}${']'.repeat(300_000)}}`, 'r.json');
    assert.equal(deep.code, 'TG_CONFIG_LIMIT');
    assert.equal(deep.place?.pointer, `/a${'/0'.repeat(99)}`);
    const small = { ...CONFIG_LIMITS, maxObjects: 2, maxExpressions: 2, maxExpressionLength: 10 };
    const objects = JSON.stringify({ heap: [{ type: 'A' }, { type: 'B' }, { type: 'C' }] });
    assert.equal(failure(objects, 'r.json', small).place?.pointer, '/heap/2');
    const expressions = JSON.stringify({ a: ['${1}', '#{2}', '${3}'] });
    assert.equal(failure(expressions, 'r.json', small).place?.pointer, '/a/2');
    const long = JSON.stringify({ a: { 'b/c': '${12345678}' } });
    assert.equal(failure(long, 'r.json', small).place?.pointer, '/a/b~1c');
    assert.deepEqual(parseConfigText(JSON.stringify({ a: 'no expression '.repeat(10) }), 'r.json', small), {
      a: 'no expression '.repeat(10),
    });
  });

  test('a YAML document nested past what its parser can take is a coded error, not a crash', () => {
    const error = failure(`a: ${'['.repeat(200_000)}${']'.repeat(200_000)}`, 'r.yaml');
    assert.equal(error.code, 'TG_CONFIG_PARSE');
    assert.match(error.message, /call stack/);
  });
});
