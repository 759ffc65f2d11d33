import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ElSyntaxError, isKeyword, Lexer, type Token } from '../../../src/el/lexer.js';

/** Every token of `source` from `start`, the final eof included. */
function tokens(source: string, start = 0): Token[] {
  const lexer = new Lexer(source, start);
  const all: Token[] = [];
  for (let token = lexer.next(); ; token = lexer.next()) {
    all.push(token);
    if (token.kind === 'eof') return all;
  }
}

/** `kind:text` of each token before the eof, the compact form the tables below use. */
function shapes(source: string): string[] {
  return tokens(source)
    .slice(0, -1)
    .map((token) => `${token.kind}:${token.text}`);
}

function syntaxError(source: string): ElSyntaxError {
  try {
    tokens(source);
  } catch (error) {
    assert.ok(error instanceof ElSyntaxError, String(error));
    return error;
  }
  assert.fail(`${source} was scanned`);
}

describe('Lexer', () => {
  test('each token carries its kind, text and the span it was read from', () => {
    assert.deepEqual(tokens("a.b <= 'x'"), [
      { kind: 'identifier', text: 'a', number: 0, start: 0, end: 1 },
      { kind: 'punctuator', text: '.', number: 0, start: 1, end: 2 },
      { kind: 'identifier', text: 'b', number: 0, start: 2, end: 3 },
      { kind: 'punctuator', text: '<=', number: 0, start: 4, end: 6 },
      { kind: 'string', text: 'x', number: 0, start: 7, end: 10 },
      { kind: 'eof', text: '', number: 0, start: 10, end: 10 },
    ]);
  });

  test('scanning starts where it is told, so spans are indexes in the whole config string', () => {
    // The parser hands the lexer the text after `${`: errors must point into the original string.
    assert.deepEqual(
      tokens('id: ${x}', 6).map((token) => [token.text, token.start]),
      [
        ['x', 6],
        ['}', 7],
        ['', 8],
      ],
    );
  });

  test('past the end it keeps answering eof', () => {
    const lexer = new Lexer('a', 0);
    lexer.next();
    assert.equal(lexer.next().kind, 'eof');
    assert.equal(lexer.next().kind, 'eof');
  });

  test('two-character operators are read whole, and only when written together', () => {
    assert.deepEqual(shapes('a&&b||c==d!=e<=f>=g'), [
      'identifier:a',
      'punctuator:&&',
      'identifier:b',
      'punctuator:||',
      'identifier:c',
      'punctuator:==',
      'identifier:d',
      'punctuator:!=',
      'identifier:e',
      'punctuator:<=',
      'identifier:f',
      'punctuator:>=',
      'identifier:g',
    ]);
    assert.equal(syntaxError('a < = b').index, 4);
  });

  test('single & | = and # are not EL: each is an unexpected character where it stands', () => {
    for (const [source, index] of [
      ['a & b', 2],
      ['a | b', 2],
      ['a = 1', 2],
      ['#x', 0],
      ['a@b', 1],
    ] as const) {
      const error = syntaxError(source);
      assert.equal(error.index, index, source);
      assert.equal(error.code, 'TG_CONFIG_BAD_EXPRESSION');
      assert.match(error.message, /^unexpected character '.'$/);
    }
  });

  test('braces are scanned so the parser can report a map literal where it stands', () => {
    assert.deepEqual(shapes('{}'), ['punctuator:{', 'punctuator:}']);
  });

  test('the word operators are keywords; a longer word that starts with one is an identifier', () => {
    for (const word of ['null', 'true', 'false', 'empty', 'div', 'mod', 'not', 'and', 'or', 'instanceof']) {
      assert.deepEqual(shapes(word), [`keyword:${word}`], word);
      assert.equal(isKeyword(word), true, word);
    }
    for (const word of ['le', 'lt', 'eq', 'ne', 'ge', 'gt']) assert.equal(isKeyword(word), true, word);
    assert.deepEqual(shapes('nota emptyList Or'), [
      'identifier:nota',
      'identifier:emptyList',
      'identifier:Or',
    ]);
    assert.equal(isKeyword('Null'), false);
    assert.equal(isKeyword('function'), false);
  });

  test('identifiers are Java identifiers: $, _, letters of any script, astral letters, joiners', () => {
    assert.deepEqual(shapes('$x _y ünï 名前 𝑥1 x\u200dy a1'), [
      'identifier:$x',
      'identifier:_y',
      'identifier:ünï',
      'identifier:名前',
      'identifier:𝑥1',
      'identifier:x\u200dy',
      'identifier:a1',
    ]);
    // An emoji is not a letter, so it cannot start a name; the error shows the whole code point.
    assert.match(syntaxError('😀').message, /unexpected character '😀'/);
  });

  test("whitespace is Java's: em space and \\x1C-\\x1F separate tokens, the no-break spaces do not", () => {
    assert.deepEqual(shapes('a\u2003b\u001cc\td\ne\r\nf'), [
      'identifier:a',
      'identifier:b',
      'identifier:c',
      'identifier:d',
      'identifier:e',
      'identifier:f',
    ]);
    for (const space of ['\u00a0', '\u2007', '\u202f', '\ufeff']) {
      assert.equal(syntaxError(`a${space}b`).index, 1, JSON.stringify(space));
    }
  });

  describe('numbers', () => {
    const cases: [source: string, text: string, value: number][] = [
      ['0', '0', 0],
      ['42', '42', 42],
      ['3.25', '3.25', 3.25],
      ['.5', '.5', 0.5],
      ['1.', '1.', 1],
      ['1e3', '1e3', 1000],
      ['1E+2', '1E+2', 100],
      ['25e-2', '25e-2', 0.25],
      ['1e400', '1e400', Number.POSITIVE_INFINITY],
      ['9007199254740991', '9007199254740991', Number.MAX_SAFE_INTEGER],
      ['9007199254740993.0', '9007199254740993.0', 9007199254740992],
    ];
    for (const [source, text, value] of cases) {
      test(`${source} is the number ${value}`, () => {
        const [token] = tokens(source);
        assert.equal(token?.kind, 'number');
        assert.equal(token?.text, text);
        assert.equal(token?.number, value);
      });
    }

    test('an exponent without digits is not part of the number', () => {
      assert.deepEqual(shapes('1e'), ['number:1', 'identifier:e']);
      assert.deepEqual(shapes('2e+x'), ['number:2', 'identifier:e', 'punctuator:+', 'identifier:x']);
      assert.deepEqual(shapes('.5.5'), ['number:.5', 'number:.5']);
    });

    test('an integer literal past 2^53 - 1 is refused rather than rounded', () => {
      const error = syntaxError('x + 9007199254740992');
      assert.equal(error.index, 4);
      assert.equal(error.message, 'integer literal 9007199254740992 is too large');
    });
  });

  describe('strings', () => {
    test('either quote; the only escapes are \\\\ and the enclosing quote', () => {
      assert.deepEqual(shapes(`'it\\'s' "say \\"hi\\"" 'back\\\\slash' 'a"b' "a'b"`), [
        "string:it's",
        'string:say "hi"',
        'string:back\\slash',
        'string:a"b',
        "string:a'b",
      ]);
    });

    test('the token spans the quotes while its text is the decoded content', () => {
      const [token] = tokens("'a\\'b'");
      assert.deepEqual([token?.text, token?.start, token?.end], ["a'b", 0, 6]);
      assert.deepEqual(shapes("''"), ['string:']);
    });

    test('any other escape is an error at its backslash, naming what is allowed', () => {
      // JUEL's rule: a regex such as '\d' must be written '\\d' inside the expression.
      const error = syntaxError("x '12\\d'");
      assert.equal(error.index, 5);
      assert.equal(error.message, "invalid escape '\\d' in a string (only \\\\ and \\')");
      assert.equal(syntaxError("'\\\"'").message, "invalid escape '\\\"' in a string (only \\\\ and \\')");
      assert.equal(syntaxError('"\\\'"').message, "invalid escape '\\'' in a string (only \\\\ and \\\")");
    });

    test('a string with no closing quote is an error at its opening quote', () => {
      for (const source of ["a + 'abc", "a + 'abc\\", "a + 'abc\\'"]) {
        const error = syntaxError(source);
        assert.equal(error.message, 'unterminated string', source);
        assert.equal(error.index, 4, source);
      }
    });
  });
});

describe('ElSyntaxError', () => {
  test('is a bad expression unless told otherwise, and keeps its index', () => {
    const error = new ElSyntaxError('no good', 7);
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'ElSyntaxError');
    assert.equal(error.message, 'no good');
    assert.equal(error.index, 7);
    assert.equal(error.code, 'TG_CONFIG_BAD_EXPRESSION');
    assert.equal(new ElSyntaxError('bad regex', 0, 'TG_CONFIG_BAD_REGEX').code, 'TG_CONFIG_BAD_REGEX');
  });
});
