import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RE2JS } from 're2js';
import {
  charText,
  DIGIT,
  HORIZONTAL_SPACE,
  JAVA_SPACE,
  javaProperty,
  VERTICAL_SPACE,
  WORD,
  type ClassText,
} from '../../../src/el/regex-classes.js';

/** Code points to try every set on: the BMP up to the CJK spaces, the surrogate-free top, some astral. */
const SAMPLE: readonly number[] = [
  ...Array.from({ length: 0x3100 }, (_, code) => code),
  0xfeff,
  0xfffd,
  0x1f600,
  0x10ffff,
];

/** The code points of SAMPLE that `[inside]` matches in RE2. */
function members(inside: string): Set<number> {
  const pattern = RE2JS.compile(`[${inside}]`);
  return new Set(SAMPLE.filter((code) => pattern.matches(String.fromCodePoint(code))));
}

function property(name: string): ClassText {
  const found = javaProperty(name);
  assert.ok(found !== undefined && found !== 'block', `\\p{${name}} is a set`);
  return found;
}

/** Asserts that the set is exactly `expected` over SAMPLE, and that its complement is the rest. */
function assertSet(set: ClassText, expected: (code: number) => boolean, label: string): void {
  const inside = members(set.inside);
  const wrong = SAMPLE.filter((code) => inside.has(code) !== expected(code));
  assert.deepEqual(
    wrong.map((code) => code.toString(16)),
    [],
    `${label}: code points on the wrong side`,
  );
  if (set.insideNegated !== undefined) {
    const outside = members(set.insideNegated);
    const both = SAMPLE.filter((code) => inside.has(code) === outside.has(code));
    assert.deepEqual(
      both.map((code) => code.toString(16)),
      [],
      `${label}: the negated spelling is not the complement`,
    );
  }
}

const unicode = (pattern: RegExp) => (code: number) => pattern.test(String.fromCodePoint(code));

describe('charText', () => {
  test('printable ASCII stays as it is, RE2 syntax is escaped, the rest is a code point', () => {
    assert.equal(charText(0x41), 'A');
    assert.equal(charText(0x20), ' ');
    assert.equal(charText(0x7e), '~');
    for (const char of '\\^$.|?*+()[]{}-') assert.equal(charText(char.charCodeAt(0)), `\\${char}`);
    assert.equal(charText(0x00), '\\x{0}');
    assert.equal(charText(0x1f), '\\x{1F}');
    assert.equal(charText(0x7f), '\\x{7F}');
    assert.equal(charText(0xe9), '\\x{E9}');
    assert.equal(charText(0x1f600), '\\x{1F600}');
  });

  test('every character written by charText matches itself alone, inside a class or out', () => {
    for (const code of [0x00, 0x0a, 0x2d, 0x5c, 0x5d, 0x5e, 0x7f, 0xa0, 0x2028, 0x1f600]) {
      const char = String.fromCodePoint(code);
      assert.equal(RE2JS.compile(charText(code)).matches(char), true, code.toString(16));
      assert.equal(RE2JS.compile(`[${charText(code)}]`).matches(char), true, code.toString(16));
      assert.equal(RE2JS.compile(`[${charText(code)}]`).matches('a'), false, code.toString(16));
    }
  });
});

describe("the sets Java and RE2 spell differently mean Java's sets", () => {
  test('\\s is [ \\t\\n\\x0B\\f\\r]: RE2 leaves out \\x0B, Java does not', () => {
    assertSet(JAVA_SPACE, (code) => ' \t\n\x0b\f\r'.includes(String.fromCodePoint(code)), '\\s');
  });

  test('\\h is the horizontal whitespace Java lists, no-break spaces included', () => {
    const h =
      '\t \u00a0\u1680\u180e\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000';
    assertSet(HORIZONTAL_SPACE, (code) => h.includes(String.fromCodePoint(code)), '\\h');
  });

  test('\\v is [\\n\\x0B\\f\\r\\x85\\u2028\\u2029], not only the vertical tab', () => {
    assertSet(
      VERTICAL_SPACE,
      (code) => '\n\x0b\f\r\x85\u2028\u2029'.includes(String.fromCodePoint(code)),
      '\\v',
    );
  });

  test('\\p{javaWhitespace} is Character.isWhitespace: separators but the no-break ones, \\t-\\r, \\x1C-\\x1F', () => {
    const separator = unicode(/^[\p{Zs}\p{Zl}\p{Zp}]$/u);
    assertSet(
      property('javaWhitespace'),
      (code) =>
        (separator(code) && code !== 0xa0 && code !== 0x2007 && code !== 0x202f) ||
        (code >= 0x09 && code <= 0x0d) ||
        (code >= 0x1c && code <= 0x1f),
      'javaWhitespace',
    );
  });

  test('\\p{javaISOControl} is the Cc category', () => {
    assertSet(property('javaISOControl'), unicode(/^\p{Cc}$/u), 'javaISOControl');
  });

  test('the POSIX classes are US-ASCII only, as in Java without UNICODE_CHARACTER_CLASS', () => {
    const ascii = (chars: string) => (code: number) =>
      code < 0x80 && chars.includes(String.fromCharCode(code));
    const lower = 'abcdefghijklmnopqrstuvwxyz';
    const upper = lower.toUpperCase();
    const digits = '0123456789';
    const punct = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
    const cases: [name: string, expected: (code: number) => boolean][] = [
      ['Lower', ascii(lower)],
      ['Upper', ascii(upper)],
      ['ASCII', (code) => code < 0x80],
      ['Alpha', ascii(lower + upper)],
      ['Digit', ascii(digits)],
      ['Alnum', ascii(lower + upper + digits)],
      ['Punct', ascii(punct)],
      ['Graph', ascii(lower + upper + digits + punct)],
      ['Print', ascii(` ${lower}${upper}${digits}${punct}`)],
      ['Blank', ascii(' \t')],
      ['Cntrl', (code) => code < 0x20 || code === 0x7f],
      ['XDigit', ascii(`${digits}abcdefABCDEF`)],
      ['Space', ascii(' \t\n\x0b\f\r')],
    ];
    for (const [name, expected] of cases) assertSet(property(name), expected, name);
  });

  test('\\p{L1} is Latin-1 and \\p{all} is everything', () => {
    assertSet(property('L1'), (code) => code <= 0xff, 'L1');
    assertSet(property('all'), () => true, 'all');
  });

  test('\\d and \\w are RE2’s own (ASCII) sets, negated by their capitals', () => {
    assert.deepEqual(
      [DIGIT.inside, DIGIT.insideNegated, WORD.inside, WORD.insideNegated],
      ['\\d', '\\D', '\\w', '\\W'],
    );
  });
});

describe('javaProperty', () => {
  test('a union of RE2 names has no negated spelling inside a class', () => {
    // RE2 cannot write "neither a letter nor a digit" as one item of a class: the translator
    // refuses [\P{javaLetterOrDigit}] rather than get it wrong.
    assert.equal(property('javaLetterOrDigit').insideNegated, undefined);
    assert.equal(property('LD').insideNegated, undefined);
    assert.equal(property('javaLetterOrDigit').inside, '\\p{L}\\p{Nd}');
  });

  test('binary properties take Is, in any case, with or without underscores', () => {
    for (const name of ['IsAlphabetic', 'IsALPHABETIC', 'IsWhite_Space', 'IsWHITESPACE', 'IsWhiteSpace']) {
      assert.match(property(name).inside, /^\\p\{(Alphabetic|White_Space)\}$/, name);
    }
    assert.equal(property('IsJoin_Control').inside, '\\x{200C}-\\x{200D}');
    assert.equal(property('IsAssigned').inside, '\\P{Cn}');
  });

  test('categories and scripts, bare, with Is, or with a gc= / sc= key, in RE2’s spelling', () => {
    const cases: [name: string, inside: string][] = [
      ['L', '\\p{L}'],
      ['IsLu', '\\p{Lu}'],
      ['gc=Nd', '\\p{Nd}'],
      ['general_category=Lu', '\\p{Lu}'],
      ['IsGreek', '\\p{Greek}'],
      ['IsLATIN', '\\p{Latin}'],
      ['sc=old_italic', '\\p{Old_Italic}'],
      ['script=HAN', '\\p{Han}'],
      ['SC=Greek', '\\p{Greek}'],
    ];
    for (const [name, inside] of cases) assert.equal(property(name).inside, inside, name);
    assert.equal(members(property('IsGreek').inside).has(0x3bb), true);
  });

  test('Unicode blocks are told apart, so the translator can say they are not supported', () => {
    for (const name of ['InGreek', 'InBasic_Latin', 'blk=Greek', 'block=Greek', 'BLOCK=Greek']) {
      assert.equal(javaProperty(name), 'block', name);
    }
  });

  test('unknown names, keys and empty values are undefined', () => {
    for (const name of ['Nope', 'IsNope', 'lower', 'Is', '', 'gc=', 'sc=Nope', 'foo=Latin', 'sc=Latin=x']) {
      assert.equal(javaProperty(name), undefined, JSON.stringify(name));
    }
  });

  test('a name that is not a plain identifier never reaches the RE2 source', () => {
    // The name comes from a route file's pattern: `\p{L}|.*\p{L}` must not splice RE2 syntax in.
    for (const name of ['L}|.*\\p{L', 'sc=Latin}|(', 'L ', 'IsL}']) {
      assert.equal(javaProperty(name), undefined, name);
    }
  });
});
