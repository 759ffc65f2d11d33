import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { translate } from '../../../src/el/regex-translate.js';

const DOT = '[^\\n\\r\\x{85}\\x{2028}\\x{2029}]';
const SPACE = '\\x{9}-\\x{D} ';

describe('Java patterns written for RE2', () => {
  const translations: [java: string, re2: string][] = [
    ['abc', 'abc'],
    ['^/api/v[0-9]+$', '^/api/v[0-9]+$'],
    ['\\Aabc\\z', '\\Aabc\\z'],
    ['a.b', `a${DOT}b`],
    ['(?s)a.b', 'a(?s:.)b'],
    ['(?d)a.b', 'a[^\\n]b'],
    ['(?s:.).', `(?:(?s:.))${DOT}`],
    ['(?i)^bearer ', '(?i)^bearer '],
    ['a(?i)b', 'a(?i)b'],
    ['(?i:a)b', '(?i:a)b'],
    ['(?i)a(?-i)b', '(?i)a(?-i)b'],
    ['(?im-s)a', '(?im)a'],
    ['(?u)a', 'a'],
    ['(?m)^a$', '(?m)^a$'],
    ['\\s+', `[${SPACE}]+`],
    ['\\S', `[^${SPACE}]`],
    ['[\\s,]', `[${SPACE},]`],
    ['[\\S]', '[\\x{0}-\\x{8}\\x{E}-\\x{1F}!-\\x{10FFFF}]'],
    ['\\d\\D\\w\\W', '[\\d][^\\d][\\w][^\\w]'],
    ['[\\d\\W]', '[\\d\\W]'],
    ['\\h', '[\\x{9} \\x{A0}\\x{1680}\\x{180E}\\x{2000}-\\x{200A}\\x{202F}\\x{205F}\\x{3000}]'],
    ['\\v', '[\\x{A}-\\x{D}\\x{85}\\x{2028}-\\x{2029}]'],
    ['\\R', '(?:\\r\\n|[\\n\\x{B}\\f\\r\\x{85}\\x{2028}\\x{2029}])'],
    ['\\t\\n\\r\\f\\a\\e', '\\x{9}\\x{A}\\x{D}\\x{C}\\x{7}\\x{1B}'],
    ['\\cA\\c[', '\\x{1}\\x{1B}'],
    ['\\0101\\0777', 'A\\?7'],
    ['\\x41\\x{1F600}', 'A\\x{1F600}'],
    ['\\u0041\\uD83D\\uDE00', 'A\\x{1F600}'],
    ['\\Qa.b*\\E+', 'a\\.b\\*+'],
    ['\\Qa.b', 'a\\.b'],
    ['[\\Q]-\\E]', '[\\]\\-]'],
    ['\\/\\-\\#\\@\\ ', '/\\-#@ '],
    ['a]b}', 'a\\]b\\}'],
    ['[]a]', '[\\]a]'],
    ['[^]a]', '[^\\]a]'],
    ['[-a]', '[\\-a]'],
    ['[a-]', '[a\\-]'],
    ['[a-z0-9_]', '[a-z0-9_]'],
    ['[\\x41-\\x{5A}]', '[A-Z]'],
    ['[^\\n]', '[^\\x{A}]'],
    ['\\p{Alpha}', '[A-Za-z]'],
    ['\\P{Digit}', '[^0-9]'],
    ['[\\p{Digit}-]', '[0-9\\-]'],
    ['[\\P{Lower}]', '[\\x{0}-`\\{-\\x{10FFFF}]'],
    ['\\p{Punct}', '[!-/:-@\\[-`\\{-~]'],
    ['\\p{L}\\pL', '[\\p{L}][\\p{L}]'],
    ['\\p{IsL}\\p{Lu}\\p{IsLu}', '[\\p{L}][\\p{Lu}][\\p{Lu}]'],
    ['\\p{gc=Lu}\\p{general_category=Nd}', '[\\p{Lu}][\\p{Nd}]'],
    [
      '\\p{IsLatin}\\p{IsLATIN}\\p{sc=Greek}\\p{script=Han}',
      '[\\p{Latin}][\\p{Latin}][\\p{Greek}][\\p{Han}]',
    ],
    [
      '\\p{IsAlphabetic}\\p{IsWhite_Space}\\p{IsWhiteSpace}',
      '[\\p{Alphabetic}][\\p{White_Space}][\\p{White_Space}]',
    ],
    ['\\p{IsDigit}\\p{IsHex_Digit}\\p{IsJoin_Control}', '[\\p{Nd}][\\p{Hex_Digit}][\\x{200C}-\\x{200D}]'],
    ['\\p{javaLowerCase}\\P{javaUpperCase}', '[\\p{Lowercase}][^\\p{Uppercase}]'],
    ['[\\P{javaLowerCase}]', '[\\P{Lowercase}]'],
    ['\\p{javaLetterOrDigit}', '[\\p{L}\\p{Nd}]'],
    [
      '\\p{javaWhitespace}',
      '[\\x{9}-\\x{D}\\x{1C}- \\x{1680}\\x{2000}-\\x{2006}\\x{2008}-\\x{200A}\\x{2028}-\\x{2029}\\x{205F}\\x{3000}]',
    ],
    ['(a)(?:b)(?<name>c)', '(a)(?:b)(?P<name>c)'],
    ['a*?b+?c??d{2,3}?', 'a*?b+?c??d{2,3}?'],
    ['a{2}b{2,}c{0,1000}', 'a{2}b{2,}c{0,1000}'],
    ['(?<=a)b(?<!c)', '(?<=a)b(?<!c)'],
    ['a\\b\\Bb', 'a\\b\\Bb'],
    ['naïve 😀', 'naïve 😀'],
  ];
  for (const [java, re2] of translations) {
    test(`${java} → ${re2}`, () => {
      assert.equal(translate(java).source, re2);
    });
  }

  test('a final \\Z lets a line break follow, in a group of its own, and is \\z for a whole match', () => {
    const translation = translate('ab\\Z');
    assert.equal(translation.source, 'ab(\\r\\n|[\\n\\r\\x{85}\\x{2028}\\x{2029}])?\\z');
    assert.equal(translation.wholeSource, 'ab\\z');
    assert.equal(translation.lineBreakGroup, true);
    assert.equal(translate('ab').lineBreakGroup, false);
  });

  test('lookbehinds are reported, so the engine is asked to run them', () => {
    assert.equal(translate('(?<=a)b').lookbehinds, true);
    assert.equal(translate('(?<!a)b').lookbehinds, true);
    assert.equal(translate('(?:a)b').lookbehinds, false);
  });

  test('flags set inside a group end with it, as in Java', () => {
    assert.equal(translate('((?s).).').source, `((?s:.))${DOT}`);
    assert.equal(translate('(?s)(?-s:.).').source, `(?:${DOT})(?s:.)`);
  });
});
