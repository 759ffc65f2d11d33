import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { readJson, type JsonReading } from '../../../src/config/json-reader.js';

const DEPTH = 100;

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function valueOf(reading: JsonReading): unknown {
  assert.ok('value' in reading, JSON.stringify(reading));
  return reading.value;
}

describe('readJson', () => {
  test('each kind of mistake has its offset and its words', () => {
    const cases: [text: string, offset: number, problem: RegExp][] = [
      ['', 0, /^the file is empty/],
      ['// only a comment\n', 18, /^the file is empty/],
      ['{"a": 1', 7, /^the file ends before its JSON value does \(1 bracket still open\)$/],
      ['{"a": [1', 8, /\(2 brackets still open\)$/],
      ['{"a": }', 6, /^expected a value, found '\}'$/],
      ['{"a": tru}', 6, /^expected a value, found "tru"$/],
      ['{a: 1}', 1, /^expected a property name in quotes, found "a"$/],
      ['{"a" 1}', 5, /^expected ':' after the property name, found "1"$/],
      ['{"a": 1 "b": 2}', 8, /^expected ',' or '\}', found '"'$/],
      ['[1 2]', 3, /^expected ',' or '\]', found "2"$/],
      ['{"a": 1,}', 7, /^a comma before '\}' \(JSON allows no trailing comma\)$/],
      ['[1, /* c */ ]', 2, /^a comma before '\]'/],
      ['{"a": 01}', 7, /^a number is malformed/],
      ['{"a": 1.}', 7, /^a number is malformed/],
      ['{"a": 1e}', 7, /^a number is malformed/],
      ['{"a": -}', 6, /^a number is malformed$/],
      ['{"a": "\\q"}', 7, /^a backslash in a string must start an escape/],
      ['{"a": "\\u12"}', 7, /^a \\u escape needs four hexadecimal digits$/],
      ['{"a": "open', 6, /^a string that is never closed$/],
      ["{'a': 'open}", 6, /^a string that is never closed$/],
      ['{"a": 1 /* open', 8, /^a comment that is never closed/],
      ['{"a": 1 / 2}', 8, /^a '\/' outside a string must start a comment/],
      ['{"a": 1 # yaml}', 8, /^expected ',' or '\}', found '#'$/],
    ];
    for (const [text, offset, problem] of cases) {
      const reading = readJson(text, DEPTH);
      assert.ok('error' in reading, text);
      assert.equal(reading.error.offset, offset, text);
      assert.match(reading.error.problem, problem, text);
    }
  });

  test('comments go wherever white space may be, and end a line or at */', () => {
    const text = [
      '/* a route */ {',
      '  // the name',
      '  "name": /* inline */ "a", // after',
      '  "list": [1, /* two */ 2 // three',
      '  ], "s": "// not a comment /* either */"',
      '}',
    ].join('\n');
    assert.deepEqual(valueOf(readJson(text, DEPTH)), {
      name: 'a',
      list: [1, 2],
      s: '// not a comment /* either */',
    });
    assert.deepEqual(valueOf(readJson('{"a": 1 // a carriage return ends it too\r, "b": 2}', DEPTH)), {
      a: 1,
      b: 2,
    });
  });

  test("single quotes, \\' and raw control characters read as Jackson reads them", () => {
    assert.deepEqual(valueOf(readJson(`{'a': 'say "hi"', "b": 'it\\'s', "c": "it\\'s"}`, DEPTH)), {
      a: 'say "hi"',
      b: "it's",
      c: "it's",
    });
    assert.deepEqual(valueOf(readJson('{"a\tb": "line one\nline two\r\x00"}', DEPTH)), {
      'a\tb': 'line one\nline two\r\x00',
    });
  });

  test('text after the value is read no further and its offset given; trailing comments are no text', () => {
    const reading = readJson('{"a": 1}\n}\ngarbage', DEPTH);
    assert.deepEqual(reading, { value: { a: 1 }, trailingAt: 9 });
    assert.deepEqual(readJson('{"a": 1} // done\n/* end */ ', DEPTH), {
      value: { a: 1 },
      trailingAt: undefined,
    });
    assert.deepEqual(readJson('[] /* open', DEPTH), { value: [], trailingAt: 3 });
    assert.deepEqual(readJson('1 2', DEPTH), { value: 1, trailingAt: 2 });
  });

  test('a key named __proto__ is a key, and the last of two equal keys wins, as in JSON.parse', () => {
    const text = '{"__proto__": {"x": 1}, "a": 1, "a": 2} // c';
    const value = valueOf(readJson(text, DEPTH)) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.deepEqual(Object.keys(value), ['__proto__', 'a']);
    assert.deepEqual(value, JSON.parse(text.replace(' // c', '')));
  });

  test('nesting past the depth stops there, with the pointer of the container too deep', () => {
    assert.deepEqual(readJson('{"a": [{"b": [[]]}]} //', 4), { tooDeep: ['a', '0', 'b', '0'] });
    assert.ok('value' in readJson('{"a": [{"b": [[]]}]} //', 5));
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    assert.ok('value' in readJson(deep, 200_000));
  });

  test('for JSON, the reader gives what JSON.parse gives', () => {
    for (const text of [
      '{}',
      '[]',
      ' \r\n\t{"a": [1, -0.5e+3, "\\u00e9\\n", true, false, null, {}]} ',
      '"x"',
      '0',
    ])
      assert.deepEqual(readJson(text, DEPTH), { value: JSON.parse(text), trailingAt: undefined }, text);
    fc.assert(
      fc.property(fc.json({ depthSize: 'medium' }), (text) => {
        assert.deepEqual(readJson(text, 1000), { value: JSON.parse(text), trailingAt: undefined });
      }),
      { numRuns: 2000 },
    );
  });

  test('comments between the tokens of any JSON leave its value as it was', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        // JSON.stringify breaks lines between tokens only, so every line may take a comment at each end.
        const lines = JSON.stringify(value, null, 2).split('\n');
        const text = lines.map((line, index) => `/* ${index} */${line} // line ${index}`).join('\n');
        assert.deepEqual(valueOf(readJson(text, 1000)), JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 1000 },
    );
  });

  test('the reader and JSON.parse agree on which texts are JSON, once comments, quotes and trailing text are apart', () => {
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
      '"',
      '\\',
    );
    const text = fc.array(piece, { maxLength: 14 }).map((pieces) => pieces.join(''));
    fc.assert(
      fc.property(text, (candidate) => {
        const reading = readJson(candidate, DEPTH);
        const strict = 'value' in reading && reading.trailingAt === undefined;
        // A line break is white space between tokens and, raw inside a string, what Jackson allows.
        assert.equal(strict, parses(candidate.replaceAll('\n', ' ')), candidate);
        if (strict && parses(candidate)) assert.deepEqual(reading.value, JSON.parse(candidate));
      }),
      { numRuns: 5000 },
    );
  });
});
