import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileCondition, createBuiltinFunctions } from '../../../src/el/index.js';
import {
  compileAtLoad,
  compileJavaPattern,
  findsIn,
  firstGroups,
  firstGroupsInLines,
  javaReplace,
  javaSplit,
  linesOf,
  matchesWhole,
  PatternCache,
  REGEX_INPUT_LIMIT,
} from '../../../src/el/regex.js';
import { RegexRefusal, RegexSyntaxError } from '../../../src/el/regex-translate.js';
import { TollgateError } from '../../../src/errors/tollgate-error.js';

const find = (pattern: string, input: string): boolean => findsIn(compileJavaPattern(pattern), input);
const whole = (pattern: string, input: string): boolean => matchesWhole(compileJavaPattern(pattern), input);
const groups = (pattern: string, input: string): (string | null)[] | null =>
  firstGroups(compileJavaPattern(pattern), input);
const split = (input: string, pattern: string, limit?: number): string[] =>
  javaSplit(compileJavaPattern(pattern), input, limit);
const replaceAll = (input: string, pattern: string, replacement: string): string =>
  javaReplace(compileJavaPattern(pattern), input, replacement, true);
const replaceFirst = (input: string, pattern: string, replacement: string): string =>
  javaReplace(compileJavaPattern(pattern), input, replacement, false);

describe('Java patterns on RE2', () => {
  const finds: [pattern: string, input: string, expected: boolean][] = [
    ['\\Aabc\\z', 'abc', true],
    ['\\Aabc\\z', 'abcd', false],
    ['abc\\Z', 'abc\n', true],
    ['abc\\Z', 'abc\r\n', true],
    ['abc\\Z', 'abc\n\n', false],
    ['abc$', 'abc\n', false],
    ['\\Qa.b\\E', 'a.b', true],
    ['\\Qa.b\\E', 'axb', false],
    ['\\Qa.b', 'xa.b', true],
    ['(?i)^bearer ', 'BEARER x', true],
    ['a(?i)b', 'aB', true],
    ['a(?i)b', 'AB', false],
    ['(?i:a)b', 'Ab', true],
    ['(?i:a)b', 'AB', false],
    ['(?i)a(?-i)b', 'AB', false],
    ['(?m)^b$', 'a\nb\nc', true],
    ['^b$', 'a\nb\nc', false],
    ['(?s)a.b', 'a\nb', true],
    ['a.b', 'a\nb', false],
    ['a.b', 'a\rb', false],
    ['a.b', 'a\u0085b', false],
    ['a.b', 'a\u2028b', false],
    ['(?d)a.b', 'a\rb', true],
    ['a.b', 'a😀b', true],
    ['\\s', '\u000b', true],
    ['\\s', '\u00a0', false],
    ['\\s', '\u2003', false],
    ['[\\S]', '\u000b', false],
    ['\\v', '\u000b', true],
    ['\\v', '\u2028', true],
    ['\\V', '\n', false],
    ['\\h', 'a\tb', true],
    ['\\h', '\u00a0', true],
    ['\\h', '\n', false],
    ['a\\Rb', 'a\r\nb', true],
    ['a\\Rb', 'a\u0085b', true],
    ['\\p{Alpha}+', '123abc', true],
    ['\\p{Alpha}', 'é', false],
    ['^[\\p{Digit}-]+$', '12-34', true],
    ['\\P{Digit}', '123', false],
    ['\\p{L}', 'é', true],
    ['\\p{IsLatin}', 'é', true],
    ['\\p{IsGreek}', 'é', false],
    ['\\p{sc=Greek}', 'λ', true],
    ['\\p{Lu}', 'É', true],
    ['\\p{javaLowerCase}', 'ß', true],
    ['\\p{javaWhitespace}', '\u001c', true],
    ['\\p{javaWhitespace}', '\u00a0', false],
    ['\\p{IsWhite_Space}', '\u00a0', true],
    ['[\\P{javaWhitespace}x]', ' ', false],
    ['\\x41', 'A', true],
    ['\\x{1F600}', '😀', true],
    ['\\uD83D\\uDE00', '😀', true],
    ['\\0101', 'A', true],
    ['\\cA', '\u0001', true],
    ['\\e', '\u001b', true],
    ['a]', 'a]', true],
    ['a}', 'a}', true],
    ['[]a]', ']', true],
    ['[^a]', '\n', true],
    ['a{2}', 'aa', true],
    ['(?<=x)y', 'xy', true],
    ['(?<=x)y', 'zy', false],
    ['(?<!x)y', 'xy', false],
    ['(?<=^/api/)v\\d', '/api/v2', true],
    ['\\/\\-\\#\\@', '/-#@', true],
    ['[\\-a]', '-', true],
    ['\\bword\\b', 'a word.', true],
    ['\\bword\\b', 'swordfish', false],
  ];
  for (const [pattern, input, expected] of finds) {
    test(`find ${pattern} in ${JSON.stringify(input)} → ${expected}`, () => {
      assert.equal(find(pattern, input), expected);
    });
  }

  test('a whole match is String.matches: any way through the pattern, ending at the end', () => {
    assert.equal(whole('a|ab', 'ab'), true);
    assert.equal(whole('(?m)a$', 'a\nb'), false);
    assert.equal(whole('abc\\Z', 'abc\n'), false);
    assert.equal(whole('abc\\Z', 'abc'), true);
    assert.equal(whole('^/api$', '/api'), true);
    assert.equal(whole('/api', '/api/x'), false);
  });

  test('groups that did not take part are null; a group keeps its last value, as in Java', () => {
    assert.deepEqual(groups('a(b)?c', 'ac'), ['ac', null]);
    assert.deepEqual(groups('(a)|(b)', 'b'), ['b', null, 'b']);
    assert.deepEqual(groups('(?:(a)|b)*', 'ab'), ['ab', 'a']);
    assert.deepEqual(groups('x(y)?', 'abc'), null);
    assert.deepEqual(groups('(?<year>\\d{4})-(\\d\\d)', 'on 2024-05-01'), ['2024-05', '2024', '05']);
    assert.deepEqual(groups('^/api', '/api/x'), ['/api']);
  });

  test('a final \\Z leaves the line break out of the match', () => {
    assert.deepEqual(groups('(b)c\\Z', 'abc\r\n'), ['bc', 'b']);
    assert.deepEqual(split('aa\n', 'a*\\Z'), ['', '', '\n']);
    assert.equal(replaceAll('aa\n', 'a*\\Z', '-'), '--\n-');
  });

  test('plain literals (optionally anchored) match as the engine would', () => {
    for (const [pattern, input] of [
      ['^/api', '/api/x'],
      ['^/api', '/x/api'],
      ['api$', '/x/api'],
      ['api$', '/api/x'],
      ['^/api$', '/api'],
      ['^/api$', '/api/'],
      ['\\.example\\.com$', 'a.example.com'],
      ['a.b', 'axb'],
      ['', 'x'],
    ] as const) {
      assert.equal(find(pattern, input), find(`(?:${pattern})`, input), `${pattern} in ${input}`);
    }
    assert.deepEqual(split('a,b,,c,,', ','), ['a', 'b', '', 'c']);
    assert.deepEqual(split('abc', '^'), ['abc']);
    assert.equal(replaceAll('abc', '^', '>'), '>abc');
    assert.equal(replaceAll('abc', '$', '<'), 'abc<');
    assert.equal(replaceAll('a.b.c', '\\.', '/'), 'a/b/c');
  });

  test('split follows String.split', () => {
    assert.deepEqual(split('boo:and:foo', ':'), ['boo', 'and', 'foo']);
    assert.deepEqual(split('boo:and:foo', ':', 2), ['boo', 'and:foo']);
    assert.deepEqual(split('boo:and:foo', ':', 5), ['boo', 'and', 'foo']);
    assert.deepEqual(split('boo:and:foo', ':', -2), ['boo', 'and', 'foo']);
    assert.deepEqual(split('boo:and:foo', 'o', 5), ['b', '', ':and:f', '', '']);
    assert.deepEqual(split('boo:and:foo', 'o', -2), ['b', '', ':and:f', '', '']);
    assert.deepEqual(split('boo:and:foo', 'o'), ['b', '', ':and:f']);
    assert.deepEqual(split('😀😀', ''), ['😀', '😀']);
    assert.deepEqual(split('abc', ''), ['a', 'b', 'c']);
    assert.deepEqual(split('a1b22c', '\\d+'), ['a', 'b', 'c']);
    assert.deepEqual(split('x', 'y'), ['x']);
    assert.deepEqual(split('', ','), ['']);
    assert.deepEqual(split('a,b;c', '(?<=,)|;'), ['a,', 'b', 'c']);
  });

  test('an empty match right after a match counts, as in Java (RE2 iteration would skip it)', () => {
    assert.equal(replaceAll('baaac', 'a*', '-'), '-b--c-');
    assert.deepEqual(split('baaac', 'a*', -1), ['b', '', 'c', '']);
  });

  test('replace uses Java replacement syntax', () => {
    assert.equal(replaceAll('ab', '', '-'), '-a-b-');
    assert.equal(replaceAll('a1', '(?<d>\\d)', '<${d}>'), 'a<1>');
    assert.equal(replaceAll('a1', '\\d', '\\$'), 'a$');
    assert.equal(replaceAll('abcdefghijk', '(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)', '$11$10'), 'kj');
    assert.equal(replaceAll('ab', '(a)', '$12'), 'a2b');
    assert.equal(replaceAll('ac', 'a(b)?', '[$1]'), '[]c');
    assert.equal(replaceAll('2024-01-05', '(\\d+)-(\\d+)-(\\d+)', '$3/$2/$1'), '05/01/2024');
    assert.equal(replaceFirst('aaa', 'a', 'b'), 'baa');
    assert.equal(replaceAll('xyz', 'a', '$9'), 'xyz');
    assert.throws(() => replaceAll('a', 'a', '$2'), TollgateError);
    assert.throws(() => replaceAll('a', 'a', '${nope}'), TollgateError);
    assert.throws(() => replaceAll('a', 'a', 'x\\'), TollgateError);
  });

  test('patterns that backtrack catastrophically in Java answer right away, and rightly', () => {
    assert.equal(find('^(a+)+$', `${'a'.repeat(45)}!`), false);
    assert.equal(find('^(a+)+$', 'a'.repeat(45)), true);
    assert.deepEqual(groups('^(a+)+$', 'a'.repeat(45)), ['a'.repeat(45), 'a'.repeat(45)]);
    const spaces = ' '.repeat(REGEX_INPUT_LIMIT - 1);
    assert.equal(find('\\s+$', `${spaces}x`), false);
    assert.equal(find('\\s+$', `x${spaces}`), true);
    assert.deepEqual(groups('\\s+$', `${spaces}x`), null);
    assert.deepEqual(split(`${spaces}x`, '\\s+$'), [`${spaces}x`]);
    for (const commas of [','.repeat(1000), ','.repeat(60_000)]) {
      assert.equal(whole('(.*,)*x', commas), false);
      assert.equal(whole('(.*,)*x', `${commas}x`), true);
      assert.equal(find('(.*,)*x', commas), false);
      assert.equal(replaceAll(commas, '(.*,)*x', ''), commas);
    }
    assert.equal(find('(?<=(?:a|aa)*)b', `${'a'.repeat(REGEX_INPUT_LIMIT - 2)}c`), false);
    assert.equal(split(`${'a,'.repeat(20_000)}`, '(?<=a),').length, 20_000);
  });

  test('inputs past the limit are refused', () => {
    const pattern = compileJavaPattern('a');
    assert.throws(
      () => findsIn(pattern, 'b'.repeat(REGEX_INPUT_LIMIT + 1)),
      (error: unknown) => error instanceof TollgateError && error.code === 'TG_EL_EVALUATION',
    );
    assert.equal(findsIn(pattern, 'b'.repeat(REGEX_INPUT_LIMIT)), false);
  });

  const refused: [pattern: string, message: RegExp][] = [
    ['a(?=b)', /^a lookahead \(\?=…\) needs a backtracking engine .*find\(x, '\^\/api\/'\) and find\(/],
    ['a(?!b)', /^a negative lookahead \(\?!…\) needs a backtracking engine .* and not find\(x, /],
    ['(a)\\1', /^a back reference \(\\1\) needs a backtracking engine .*findGroups\(\)/],
    ['(?<w>a)\\k<w>', /^a back reference \(\\k<name>\) needs a backtracking engine/],
    ['a*+', /^a possessive quantifier \(\*\+\) needs a backtracking engine .*: write \*/],
    ['a++', /^a possessive quantifier \(\+\+\) needs a backtracking engine/],
    ['a?+', /^a possessive quantifier \(\?\+\)/],
    ['a{2,3}+', /^a possessive quantifier \(\{2,3\}\+\)/],
    ['(?>a|ab)c', /^an atomic group \(\?>…\) needs a backtracking engine .*: write \(\?:…\)/],
    ['(?<=(a))b', /^a capturing group inside a lookbehind cannot run in linear time: write \(\?:…\)/],
    ['(?<=(?<x>a))b', /^a capturing group inside a lookbehind/],
    ['a\\Zb', /^\\Z anywhere but at the very end .* needs a backtracking engine .*write \\z/],
    ['(a\\Z)', /^\\Z anywhere but at the very end/],
    ['a|b\\Z', /^\\Z anywhere but at the very end/],
    ['(?x)a b', /^the comments flag \(\?x\) is not supported/],
    ['\\Ga', /^\\G .* is not supported/],
    ['\\X', /^grapheme clusters/],
    ['\\b{g}', /^grapheme cluster boundaries/],
    ['\\N{LATIN SMALL LETTER A}', /^named characters/],
    ['[a-z&&[^b]]', /^a class intersection \(&&\) is not supported/],
    ['[a[b]]', /^a class inside a class/],
    ['\\p{InGreek}', /^Unicode blocks \(\\p\{InGreek\}\) are not supported/],
    ['\\p{blk=Greek}', /^Unicode blocks/],
    ['a{1001}', /^a repetition count above 1000 \(\{1001\}\)/],
    ['(a{100}){100}', /^nested repetitions whose counts multiply past 1000/],
    ['[\\P{javaLetterOrDigit}]', /^this negated class .* is not supported inside a character class/],
  ];
  for (const [pattern, message] of refused) {
    test(`${pattern} is refused: ${message.source}`, () => {
      assert.throws(() => compileJavaPattern(pattern), RegexRefusal);
      assert.throws(
        () => compileAtLoad(pattern),
        (error: unknown) =>
          error instanceof TollgateError &&
          error.code === 'TG_CONFIG_BAD_REGEX' &&
          error.detail?.startsWith('unsupported regular expression: ') === true &&
          message.test(error.detail.slice('unsupported regular expression: '.length)),
      );
    });
  }

  const invalid = [
    'a{',
    'a{,2}',
    '(',
    'a)',
    '[a',
    '[z-a]',
    '[a-\\d]',
    '\\',
    '\\y',
    '\\xZ1',
    '\\x{110000}',
    '\\u12',
    '\\p{Nope}',
    '\\p{IsNope}',
    '(?q)',
    '(?#comment)',
    '(?i)*',
    '[\\b]',
    '[\\A]',
    '*a',
    '(?<a>x)(?<a>y)',
  ];
  for (const pattern of invalid) {
    test(`${pattern} is not valid Java`, () => {
      assert.throws(
        () => compileJavaPattern(pattern),
        (error: unknown) => error instanceof RegexSyntaxError && !(error instanceof RegexRefusal),
      );
      assert.throws(
        () => compileAtLoad(pattern),
        (error: unknown) =>
          error instanceof TollgateError &&
          error.code === 'TG_CONFIG_BAD_REGEX' &&
          error.detail?.startsWith('invalid regular expression: ') === true,
      );
    });
  }

  test('in a route, the error carries the place and the column of the pattern', () => {
    const place = { file: 'routes/10-api.json', pointer: '/condition' };
    for (const [source, column, construct] of [
      ["${find(request.uri.path, '^/api(?!/internal)')}", 3, 'negative lookahead'],
      ["${request.uri.path.matches('(a)\\\\1')}", 28, 'back reference'],
      ["${matchesWithRegex(request.uri.path, 'a*+')}", 3, 'possessive quantifier'],
    ] as const) {
      assert.throws(
        () => compileCondition(source, { place, functions: createBuiltinFunctions() }),
        (error: unknown) =>
          error instanceof TollgateError &&
          error.code === 'TG_CONFIG_BAD_REGEX' &&
          error.place?.pointer === '/condition' &&
          error.detail?.includes(construct) === true &&
          error.detail.includes(`at column ${column} of `),
        source,
      );
    }
  });

  test('a refused pattern computed at run time is an evaluation error, cached like any other', () => {
    const cache = new PatternCache();
    assert.equal(cache.get('a+'), cache.get('a+'));
    for (const pattern of ['(', '(?=a)', '(a)\\1']) {
      assert.throws(
        () => cache.get(pattern),
        (error: unknown) => error instanceof TollgateError && error.code === 'TG_EL_EVALUATION',
        pattern,
      );
    }
  });
});

describe('matching by line', () => {
  test('lines end at \\n, \\r or \\r\\n, each cut to the input limit', () => {
    assert.deepEqual(linesOf('a\nb\r\nc\rd'), ['a', 'b', 'c', 'd']);
    const [long] = linesOf('y'.repeat(REGEX_INPUT_LIMIT + 10));
    assert.equal(long!.length, REGEX_INPUT_LIMIT);
  });

  test('the first match in the first line that has one; a match never spans lines', () => {
    const lines = linesOf('id=1\nname=a b\nid=2');
    assert.deepEqual(firstGroupsInLines(compileAtLoad('id=(\\d)'), lines), ['id=1', '1']);
    assert.equal(firstGroupsInLines(compileAtLoad('1\\s+name'), lines), null);
  });
});
