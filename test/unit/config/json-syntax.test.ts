import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { findJsonSyntaxError } from '../../../src/config/json-syntax.js';

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('findJsonSyntaxError', () => {
  test('each kind of mistake has its offset and its words', () => {
    const cases: [text: string, offset: number, problem: RegExp][] = [
      ['', 0, /^the file is empty/],
      ['{"a": 1', 7, /^the file ends before its JSON value does \(1 bracket still open\)$/],
      ['{"a": [1', 8, /\(2 brackets still open\)$/],
      ['{"a": }', 6, /^expected a value, found '\}'$/],
      ['{"a": tru}', 6, /^expected a value, found "tru"$/],
      ["{'a': 1}", 1, /^expected a property name in double quotes, found "'"$/],
      ['{"a": \'x\'}', 6, /JSON strings take double quotes/],
      ['{"a" 1}', 5, /^expected ':' after the property name, found "1"$/],
      ['{"a": 1 "b": 2}', 8, /^expected ',' or '\}', found '"'$/],
      ['[1 2]', 3, /^expected ',' or '\]', found "2"$/],
      ['{"a": 1,}', 7, /^a comma before '\}' \(JSON allows no trailing comma\)$/],
      ['[1, ]', 2, /^a comma before '\]'/],
      ['{"a": 1}}', 8, /^unexpected '\}' after the JSON value$/],
      ['{"a": 01}', 7, /^a number is malformed/],
      ['{"a": 1.}', 7, /^a number is malformed/],
      ['{"a": -}', 6, /^a number is malformed$/],
      ['{"a": "x\ny"}', 8, /^a line break inside a string/],
      ['{"a": "x\ty"}', 8, /^a control character inside a string/],
      ['{"a": "\\q"}', 7, /^a backslash in a string must start an escape/],
      ['{"a": "\\u12"}', 7, /^a \\u escape needs four hexadecimal digits$/],
      ['{"a": "open', 6, /^a string that is never closed$/],
    ];
    for (const [text, offset, problem] of cases) {
      assert.equal(parses(text), false, text);
      const found = findJsonSyntaxError(text);
      assert.ok(found, text);
      assert.equal(found.offset, offset, text);
      assert.match(found.problem, problem, text);
    }
  });

  test('JSON that parses has no error, however it is spaced or nested', () => {
    for (const text of [
      '{}',
      '[]',
      ' \r\n\t{"a": [1, -0.5e+3, "\\u00e9\\n", true, false, null, {}]} ',
      '"x"',
      '0',
    ])
      assert.equal(findJsonSyntaxError(text), undefined, text);
    assert.equal(findJsonSyntaxError(`${'['.repeat(100_000)}${']'.repeat(100_000)}`), undefined);
    fc.assert(fc.property(fc.json(), (text) => findJsonSyntaxError(text) === undefined));
  });

  test('the scan and JSON.parse agree on which texts are JSON', () => {
    const piece = fc.constantFrom(
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      ' ',
      '\n',
      '"a"',
      '"b"',
      '1',
      '-',
      '0',
      '01',
      '1.5',
      '1e',
      '2E-3',
      '.',
      'true',
      'tru',
      'null',
      'nul',
      '"x\\n"',
      '"\\q"',
      '"\\u12"',
      '"\\u00e9"',
      "'a'",
      '"',
      '"\t"',
      '\\',
    );
    const text = fc.array(piece, { maxLength: 14 }).map((pieces) => pieces.join(''));
    fc.assert(
      fc.property(text, (candidate) => (findJsonSyntaxError(candidate) === undefined) === parses(candidate)),
      { numRuns: 5000 },
    );
  });
});
