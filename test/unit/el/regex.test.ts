import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  compileJavaPattern,
  findFirst,
  javaReplace,
  javaSplit,
  matchesWhole,
  PatternCache,
  REGEX_INPUT_LIMIT,
  RegexSyntaxError,
} from '../../../src/el/regex.js';
import { TollgateError } from '../../../src/errors/tollgate-error.js';

describe('Java patterns on JavaScript RegExp', () => {
  const finds: [pattern: string, input: string, expected: boolean][] = [
    ['\\Aabc\\z', 'abc', true],
    ['\\Aabc\\z', 'abcd', false],
    ['abc\\Z', 'abc\n', true],
    ['\\Qa.b\\E', 'a.b', true],
    ['\\Qa.b\\E', 'axb', false],
    ['\\Qa.b', 'xa.b', true],
    ['(?i)^bearer ', 'BEARER x', true],
    ['(?s)a.b', 'a\nb', true],
    ['a.b', 'a\nb', false],
    ['\\p{Alpha}+', '123abc', true],
    ['^[\\p{Digit}-]+$', '12-34', true],
    ['\\P{Digit}', '123', false],
    ['\\p{L}', 'é', true],
    ['\\p{IsLatin}', 'é', true],
    ['\\p{Lu}', 'É', true],
    ['\\h', 'a\tb', true],
    ['\\x41', 'A', true],
    ['\\x{1F600}', '😀', true],
    ['\\0101', 'A', true],
    ['a]', 'a]', true],
    ['a}', 'a}', true],
    ['[]a]', ']', true],
    ['a{2}', 'aa', true],
    ['(?<word>\\w+)\\k<word>', 'abab', true],
    ['(?<=x)y', 'xy', true],
    ['\\/\\-\\#\\@', '/-#@', true],
    ['[\\-a]', '-', true],
    ['\\e', '\u001b', true],
  ];
  for (const [pattern, input, expected] of finds) {
    test(`find ${pattern} in ${JSON.stringify(input)} → ${expected}`, () => {
      assert.equal(findFirst(compileJavaPattern(pattern), input) !== null, expected);
    });
  }

  const unsupported = [
    'a++',
    'a*+',
    '(?>a)',
    '[a-z&&[^b]]',
    '[a[b]]',
    'a(?i)b',
    '(?x)a b',
    '\\G',
    '\\y',
    '\\p{InGreek}',
    'a{',
    '(',
    '\\',
  ];
  for (const pattern of unsupported) {
    test(`${pattern} is refused`, () => {
      assert.throws(() => compileJavaPattern(pattern), RegexSyntaxError);
    });
  }

  test('a whole match backtracks into later alternatives, like String.matches', () => {
    assert.equal(matchesWhole(compileJavaPattern('a|ab'), 'ab'), true);
    assert.equal(matchesWhole(compileJavaPattern('(?m)a$'), 'a\nb'), false);
  });

  test('split follows String.split', () => {
    const split = (input: string, pattern: string, limit?: number): string[] =>
      javaSplit(compileJavaPattern(pattern), input, limit);
    assert.deepEqual(split('boo:and:foo', ':'), ['boo', 'and', 'foo']);
    assert.deepEqual(split('boo:and:foo', ':', 2), ['boo', 'and:foo']);
    assert.deepEqual(split('boo:and:foo', ':', 5), ['boo', 'and', 'foo']);
    assert.deepEqual(split('boo:and:foo', ':', -2), ['boo', 'and', 'foo']);
    assert.deepEqual(split('boo:and:foo', 'o', 5), ['b', '', ':and:f', '', '']);
    assert.deepEqual(split('boo:and:foo', 'o', -2), ['b', '', ':and:f', '', '']);
    assert.deepEqual(split('boo:and:foo', 'o'), ['b', '', ':and:f']);
    assert.deepEqual(split('😀😀', ''), ['😀', '😀']);
  });

  test('replace uses Java replacement syntax', () => {
    const replace = (input: string, pattern: string, replacement: string): string =>
      javaReplace(compileJavaPattern(pattern), input, replacement, true);
    assert.equal(replace('ab', '', '-'), '-a-b-');
    assert.equal(replace('a1', '(?<d>\\d)', '<${d}>'), 'a<1>');
    assert.equal(replace('a1', '\\d', '\\$'), 'a$');
    assert.equal(replace('abcdefghijk', '(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)', '$11$10'), 'kj');
    assert.equal(replace('ab', '(a)', '$12'), 'a2b');
    assert.throws(() => replace('a', 'a', '$2'), TollgateError);
    assert.throws(() => replace('a', 'a', 'x\\'), TollgateError);
  });

  test('inputs past the limit are refused, so a slow pattern cannot take a large body', () => {
    const pattern = compileJavaPattern('a');
    assert.throws(
      () => findFirst(pattern, 'b'.repeat(REGEX_INPUT_LIMIT + 1)),
      (error: unknown) => error instanceof TollgateError && error.code === 'TG_EL_EVALUATION',
    );
    assert.equal(findFirst(pattern, 'b'.repeat(REGEX_INPUT_LIMIT)), null);
  });

  test('the cache compiles a pattern once and reports bad patterns as evaluation errors', () => {
    const cache = new PatternCache();
    assert.equal(cache.get('a+'), cache.get('a+'));
    assert.throws(
      () => cache.get('('),
      (error: unknown) => error instanceof TollgateError && error.code === 'TG_EL_EVALUATION',
    );
  });
});
