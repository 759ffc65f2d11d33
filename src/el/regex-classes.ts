import { RE2JS } from 're2js';

/**
 * Java's character classes written for RE2. Where Java and RE2 name the same set (`\d`, `\w`,
 * Unicode categories and scripts) RE2's name is used; where they differ (`\s`, `\h`, `\v`, the
 * POSIX classes, `javaWhitespace`) the set is spelled out as code point ranges, so it means
 * exactly what it means in Java.
 */

/** Inclusive code point ranges, ascending and disjoint. */
type Ranges = readonly (readonly [number, number])[];

/** A set as RE2 writes it inside `[…]`, and its complement when RE2 can write that inside `[…]` too. */
export interface ClassText {
  readonly inside: string;
  readonly insideNegated: string | undefined;
}

const MAX_CODE_POINT = 0x10ffff;

/** Characters with a meaning in RE2 outside or inside a class. */
const RE2_SYNTAX: ReadonlySet<string> = new Set('\\^$.|?*+()[]{}-');

/**
 * One character as RE2 source, meaning the same inside and outside a class: syntax characters
 * escaped, the rest of printable ASCII as it is, anything else as a code point.
 */
export function charText(code: number): string {
  if (code < 0x20 || code > 0x7e) return `\\x{${code.toString(16).toUpperCase()}}`;
  const char = String.fromCharCode(code);
  return RE2_SYNTAX.has(char) ? `\\${char}` : char;
}

function rangesText(ranges: Ranges): string {
  return ranges
    .map(([low, high]) => (low === high ? charText(low) : `${charText(low)}-${charText(high)}`))
    .join('');
}

function complement(ranges: Ranges): Ranges {
  const result: [number, number][] = [];
  let next = 0;
  for (const [low, high] of ranges) {
    if (low > next) result.push([next, low - 1]);
    next = high + 1;
  }
  if (next <= MAX_CODE_POINT) result.push([next, MAX_CODE_POINT]);
  return result;
}

function rangeSet(...list: readonly (readonly [number, number])[]): ClassText {
  return { inside: rangesText(list), insideNegated: rangesText(complement(list)) };
}

/** A set RE2 knows by a name: `\p{L}` and its complement `\P{L}`. */
function named(name: string): ClassText {
  return { inside: `\\p{${name}}`, insideNegated: `\\P{${name}}` };
}

/** A union of RE2 names: its complement has no spelling inside a class. */
function union(...names: readonly string[]): ClassText {
  return { inside: names.map((name) => `\\p{${name}}`).join(''), insideNegated: undefined };
}

const code = (char: string): number => char.codePointAt(0)!;
const one = (code: number): readonly [number, number] => [code, code];

/** Java's `\s`: [ \t\n\x0B\f\r] (RE2's `\s` lacks \x0B). */
export const JAVA_SPACE = rangeSet([0x09, 0x0d], one(0x20));
/** Java's `\h`. */
export const HORIZONTAL_SPACE = rangeSet(
  one(0x09),
  one(0x20),
  one(0xa0),
  one(0x1680),
  one(0x180e),
  [0x2000, 0x200a],
  one(0x202f),
  one(0x205f),
  one(0x3000),
);
/** Java's `\v` (in RE2, `\v` is only the vertical tab). */
export const VERTICAL_SPACE = rangeSet([0x0a, 0x0d], one(0x85), [0x2028, 0x2029]);
/** `\d` and `\w` mean the same (ASCII) in Java and RE2. */
export const DIGIT: ClassText = { inside: '\\d', insideNegated: '\\D' };
export const WORD: ClassText = { inside: '\\w', insideNegated: '\\W' };

/** Java's POSIX classes: US-ASCII only, as in Java without UNICODE_CHARACTER_CLASS. */
const POSIX_CLASSES: ReadonlyMap<string, ClassText> = new Map([
  ['Lower', rangeSet([code('a'), code('z')])],
  ['Upper', rangeSet([code('A'), code('Z')])],
  ['ASCII', rangeSet([0x00, 0x7f])],
  ['Alpha', rangeSet([code('A'), code('Z')], [code('a'), code('z')])],
  ['Digit', rangeSet([code('0'), code('9')])],
  ['Alnum', rangeSet([code('0'), code('9')], [code('A'), code('Z')], [code('a'), code('z')])],
  ['Punct', rangeSet([0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e])],
  ['Graph', rangeSet([0x21, 0x7e])],
  ['Print', rangeSet([0x20, 0x7e])],
  ['Blank', rangeSet(one(0x09), one(0x20))],
  ['Cntrl', rangeSet([0x00, 0x1f], one(0x7f))],
  ['XDigit', rangeSet([code('0'), code('9')], [code('A'), code('F')], [code('a'), code('f')])],
  ['Space', JAVA_SPACE],
]);

/**
 * java.lang.Character's predicates. Character.isWhitespace is the space separators except the
 * no-break spaces, plus \t-\r and \x1C-\x1F; the others are Unicode categories and properties.
 */
const JAVA_CHARACTER_CLASSES: ReadonlyMap<string, ClassText> = new Map([
  ['javaLowerCase', named('Lowercase')],
  ['javaUpperCase', named('Uppercase')],
  ['javaTitleCase', named('Lt')],
  ['javaAlphabetic', named('Alphabetic')],
  ['javaLetter', named('L')],
  ['javaDigit', named('Nd')],
  ['javaLetterOrDigit', union('L', 'Nd')],
  ['javaSpaceChar', named('Z')],
  [
    'javaWhitespace',
    rangeSet(
      [0x09, 0x0d],
      [0x1c, 0x20],
      one(0x1680),
      [0x2000, 0x2006],
      [0x2008, 0x200a],
      [0x2028, 0x2029],
      one(0x205f),
      one(0x3000),
    ),
  ],
  ['javaISOControl', rangeSet([0x00, 0x1f], [0x7f, 0x9f])],
  ['javaDefined', { inside: '\\P{Cn}', insideNegated: '\\p{Cn}' }],
]);

/** Java's other class names: `\p{all}`, `\p{L1}` (Latin-1), `\p{LD}` (letter or digit). */
const JAVA_OTHER_CLASSES: ReadonlyMap<string, ClassText> = new Map([
  ['all', named('Any')],
  ['L1', rangeSet([0x00, 0xff])],
  ['LD', union('L', 'Nd')],
]);

/** Java's binary properties (`\p{IsAlphabetic}`), upper-cased without `_`, as RE2 sets. */
const BINARY_PROPERTIES: ReadonlyMap<string, ClassText> = new Map([
  ['ALPHABETIC', named('Alphabetic')],
  ['LETTER', named('L')],
  ['LOWERCASE', named('Lowercase')],
  ['UPPERCASE', named('Uppercase')],
  ['TITLECASE', named('Lt')],
  ['PUNCTUATION', named('P')],
  ['CONTROL', named('Cc')],
  ['WHITESPACE', named('White_Space')],
  ['DIGIT', named('Nd')],
  ['HEXDIGIT', named('Hex_Digit')],
  ['JOINCONTROL', rangeSet([0x200c, 0x200d])],
  ['ASSIGNED', { inside: '\\P{Cn}', insideNegated: '\\p{Cn}' }],
  ['EMOJI', named('Emoji')],
  ['EMOJIPRESENTATION', named('Emoji_Presentation')],
  ['EMOJIMODIFIER', named('Emoji_Modifier')],
  ['EMOJIMODIFIERBASE', named('Emoji_Modifier_Base')],
  ['EMOJICOMPONENT', named('Emoji_Component')],
  ['EXTENDEDPICTOGRAPHIC', named('Extended_Pictographic')],
]);

function knownToRe2(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) return false;
  try {
    RE2JS.compile(`\\p{${name}}`);
    return true;
  } catch {
    return false;
  }
}

/** Java accepts script names in any case; RE2 spells them Capitalised_Like_This. */
function scriptSpelling(name: string): string {
  return name
    .split('_')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1).toLowerCase())
    .join('_');
}

/**
 * The set `\p{name}` stands for in Java: a POSIX or java.lang.Character class, a binary
 * property, a general category or a script (with or without `Is`, `gc=`, `sc=`…). Unicode
 * blocks (`In…`, `blk=`) are reported apart: RE2 has no block tables.
 */
export function javaProperty(name: string): ClassText | 'block' | undefined {
  const fixed = POSIX_CLASSES.get(name) ?? JAVA_CHARACTER_CLASSES.get(name) ?? JAVA_OTHER_CLASSES.get(name);
  if (fixed !== undefined) return fixed;
  // Split at the first '=' only, as Java does: split('=', 2) would drop what follows a second one.
  const equals = name.indexOf('=');
  const [key, value] = equals >= 0 ? [name.slice(0, equals), name.slice(equals + 1)] : [undefined, name];
  const lowerKey = key?.toLowerCase();
  if (value === undefined || value === '') return undefined;
  if (name.startsWith('In') || lowerKey === 'block' || lowerKey === 'blk') return 'block';
  const bare = key === undefined && value.startsWith('Is') ? value.slice(2) : value;
  if (key === undefined) {
    const binary = BINARY_PROPERTIES.get(bare.toUpperCase().replaceAll('_', ''));
    if (binary !== undefined) return binary;
  } else if (!['script', 'sc', 'general_category', 'gc'].includes(lowerKey!)) {
    return undefined;
  }
  const spelling = [bare, scriptSpelling(bare)].find(knownToRe2);
  return spelling === undefined ? undefined : named(spelling);
}
