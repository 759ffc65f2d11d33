import {
  charText,
  DIGIT,
  HORIZONTAL_SPACE,
  JAVA_SPACE,
  javaProperty,
  VERTICAL_SPACE,
  WORD,
  type ClassText,
} from './regex-classes.js';

/**
 * Java regular expressions (what PingGateway route files are written in) rewritten for RE2, the
 * linear-time engine Tollgate matches with. Java constructs RE2 spells differently are
 * translated so that they keep Java's meaning; the ones only a backtracking engine can run are
 * refused with a RegexRefusal that says what to write instead (docs/expressions.md, "Regular
 * expressions").
 */

/** The pattern is not a valid Java regular expression. */
export class RegexSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegexSyntaxError';
  }
}

/** The pattern is valid Java, but cannot be run in linear time (or at all) by RE2. */
export class RegexRefusal extends RegexSyntaxError {
  constructor(message: string) {
    super(message);
    this.name = 'RegexRefusal';
  }
}

const BACKTRACKING = 'needs a backtracking engine (Tollgate matches in linear time, with RE2)';

export interface Re2Translation {
  /** RE2 source for searching: find, groups, split, replace. */
  readonly source: string;
  /** RE2 source for a whole-input match (String.matches): differs only after a final `\Z`. */
  readonly wholeSource: string;
  /** The pattern has lookbehinds, which re2js runs in linear time when asked to. */
  readonly lookbehinds: boolean;
  /**
   * The pattern ended in `\Z`: its last group is the line break `\Z` lets follow the match. It
   * is not part of the match, and not one of the pattern's groups.
   */
  readonly lineBreakGroup: boolean;
}

/** Java's line terminators, as `.`, `\Z` and `\R` see them (without UNIX_LINES). */
const LINE_BREAK = '\\r\\n|[\\n\\r\\x{85}\\x{2028}\\x{2029}]';
const FINAL_LINE_BREAK = `(${LINE_BREAK})?\\z`;
/** Java's `\R`: any line break, the vertical tab and form feed included. */
const ANY_LINE_BREAK = '(?:\\r\\n|[\\n\\x{B}\\f\\r\\x{85}\\x{2028}\\x{2029}])';
/** Java's `.`: anything but a line terminator. */
const DOT = '[^\\n\\r\\x{85}\\x{2028}\\x{2029}]';
const MAX_REPEAT = 1000;

interface Flags {
  /** DOTALL, `(?s)`. */
  readonly dotAll: boolean;
  /** UNIX_LINES, `(?d)`: only `\n` ends a line. */
  readonly unixLines: boolean;
}

type GroupKind = 'capture' | 'plain' | 'lookbehind';

interface Group {
  readonly kind: GroupKind;
  /** The flags in force where the group opened: Java restores them where it closes. */
  readonly outerFlags: Flags;
}

function isAsciiAlphanumeric(char: string): boolean {
  return /^[A-Za-z0-9]$/.test(char);
}

function hexValue(text: string, what: string): number {
  if (!/^[0-9a-fA-F]+$/.test(text)) throw new RegexSyntaxError(`${what} needs hex digits`);
  return Number.parseInt(text, 16);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * What an escape stands for: one character, a set, quoted characters (`\Q…\E`), or, valid
 * outside classes only, RE2 text (`\A`, `\b`, `\R`…) or `\Z`.
 */
type Escape =
  | { readonly kind: 'char'; readonly code: number; readonly next: number }
  | { readonly kind: 'set'; readonly set: ClassText; readonly negated: boolean; readonly next: number }
  | { readonly kind: 'literal'; readonly codes: readonly number[]; readonly next: number }
  | { readonly kind: 'text'; readonly text: string; readonly next: number }
  | { readonly kind: 'endBeforeLineBreak'; readonly next: number };

type ClassEscape = Extract<Escape, { kind: 'char' | 'set' | 'literal' }>;

class Translator {
  readonly #pattern: string;
  #index = 0;
  #output = '';
  #flags: Flags = { dotAll: false, unixLines: false };
  readonly #groups: Group[] = [];
  #lookbehinds = false;
  #lookbehindDepth = 0;
  #topLevelAlternation = false;
  #finalLineBreak = false;

  constructor(pattern: string) {
    this.#pattern = pattern;
  }

  translate(): Re2Translation {
    const pattern = this.#pattern;
    while (this.#index < pattern.length) this.#step();
    if (this.#groups.length > 0) throw new RegexSyntaxError('an unclosed group');
    const body = this.#output;
    return {
      source: this.#finalLineBreak ? `${body}${FINAL_LINE_BREAK}` : body,
      wholeSource: this.#finalLineBreak ? `${body}\\z` : body,
      lookbehinds: this.#lookbehinds,
      lineBreakGroup: this.#finalLineBreak,
    };
  }

  #step(): void {
    const pattern = this.#pattern;
    const char = pattern[this.#index]!;
    switch (char) {
      case '\\':
        this.#outsideEscape();
        return;
      case '[':
        this.#output += this.#characterClass();
        return;
      case '(':
        this.#openGroup();
        return;
      case ')':
        this.#closeGroup();
        return;
      case '|':
        if (this.#groups.length === 0) this.#topLevelAlternation = true;
        this.#output += '|';
        this.#index++;
        return;
      case '.':
        this.#output += this.#flags.dotAll ? '(?s:.)' : this.#flags.unixLines ? '[^\\n]' : DOT;
        this.#index++;
        return;
      case '*':
      case '+':
      case '?':
      case '{':
        this.#quantifier();
        return;
      case ']':
      case '}':
        // Java reads a lone `]` or `}` as itself.
        this.#output += `\\${char}`;
        this.#index++;
        return;
      default: {
        // `^` and `$` mean the same in RE2 (with `(?m)` passed through), like every other character.
        const codePoint = pattern.codePointAt(this.#index)!;
        const text = String.fromCodePoint(codePoint);
        this.#output += text;
        this.#index += text.length;
      }
    }
  }

  #quantifier(): void {
    const pattern = this.#pattern;
    const char = pattern[this.#index]!;
    let quantifier: string = char;
    if (char === '{') {
      quantifier = this.#repetition();
    }
    this.#index += quantifier.length;
    const modifier = pattern[this.#index];
    if (modifier === '+') {
      throw new RegexRefusal(
        `a possessive quantifier (${quantifier}+) ${BACKTRACKING}: write ${quantifier} (it may match where the possessive form would not)`,
      );
    }
    if (modifier === '?') {
      quantifier += '?';
      this.#index++;
    }
    this.#output += quantifier;
  }

  /** The `{n}`, `{n,}` or `{n,m}` at the current index, read without looking past its `}`. */
  #repetition(): string {
    const pattern = this.#pattern;
    const digitsFrom = (start: number): number => {
      let end = start;
      while (end < pattern.length && pattern[end]! >= '0' && pattern[end]! <= '9') end++;
      return end;
    };
    const start = this.#index;
    const minEnd = digitsFrom(start + 1);
    let end = minEnd;
    if (pattern[end] === ',') end = digitsFrom(end + 1);
    if (minEnd === start + 1 || pattern[end] !== '}') {
      throw new RegexSyntaxError("a '{' that is not a repetition");
    }
    const text = pattern.slice(start, end + 1);
    const counts = text
      .slice(1, -1)
      .split(',')
      .filter((count) => count !== '')
      .map(Number);
    if (counts.some((count) => count > MAX_REPEAT)) {
      throw new RegexRefusal(
        `a repetition count above ${MAX_REPEAT} (${text}) is more than RE2 accepts (nested repetitions multiply their counts)`,
      );
    }
    return text;
  }

  #openGroup(): void {
    const pattern = this.#pattern;
    // Enough for any group opening Java has, including a long group name.
    const rest = pattern.slice(this.#index + 1, this.#index + 260);
    const open = (kind: GroupKind, text: string, length: number): void => {
      if (kind === 'capture' && this.#lookbehindDepth > 0) {
        throw new RegexRefusal(
          'a capturing group inside a lookbehind cannot run in linear time: write (?:…)',
        );
      }
      if (kind === 'lookbehind') this.#lookbehindDepth++;
      this.#groups.push({ kind, outerFlags: this.#flags });
      this.#output += text;
      this.#index += 1 + length;
    };
    if (!rest.startsWith('?')) return open('capture', '(', 0);
    if (rest.startsWith('?:')) return open('plain', '(?:', 2);
    if (rest.startsWith('?<=') || rest.startsWith('?<!')) {
      this.#lookbehinds = true;
      return open('lookbehind', `(${rest.slice(0, 3)}`, 3);
    }
    if (rest.startsWith('?=')) {
      throw new RegexRefusal(
        `a lookahead (?=…) ${BACKTRACKING}: test that part with its own find() in the expression, e.g. find(x, '^/api/') and find(x, '/v2/')`,
      );
    }
    if (rest.startsWith('?!')) {
      throw new RegexRefusal(
        `a negative lookahead (?!…) ${BACKTRACKING}: test that part with not find() in the expression, e.g. find(x, '^/api/') and not find(x, '^/api/internal/')`,
      );
    }
    if (rest.startsWith('?>')) {
      throw new RegexRefusal(
        `an atomic group (?>…) ${BACKTRACKING}: write (?:…) (it may match where the atomic group would not)`,
      );
    }
    const named = /^\?<([a-zA-Z][a-zA-Z0-9]*)>/.exec(rest);
    if (named !== null) return open('capture', `(?P<${named[1]}>`, named[0].length);
    const flags = /^\?([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])/.exec(rest);
    if (flags === null) throw new RegexSyntaxError('an unknown group construct (?…');
    const re2Flags = this.#applyFlags(flags[1]!, flags[2] ?? '');
    if (flags[3] === ':') {
      this.#groups.push({ kind: 'plain', outerFlags: this.#flags });
      this.#flags = re2Flags.flags;
      this.#output += `(?${re2Flags.text}:`;
      this.#index += 1 + flags[0].length;
      return;
    }
    this.#flags = re2Flags.flags;
    this.#output += re2Flags.text === '' ? '' : `(?${re2Flags.text})`;
    this.#index += 1 + flags[0].length;
    if ('*+?{'.includes(pattern[this.#index] ?? '-')) {
      throw new RegexSyntaxError('a quantifier with nothing to repeat (after an inline flag)');
    }
  }

  /**
   * The flags after `(?on-off)`. RE2 gets `i` and `m`, which mean what they mean in Java; `s`
   * and `d` shape the `.` we write; `u` changes nothing (RE2 folds case by Unicode anyway);
   * `U` is accepted and ignored (see docs/expressions.md); `x` is refused.
   */
  #applyFlags(on: string, off: string): { flags: Flags; text: string } {
    let { dotAll, unixLines } = this.#flags;
    const re2On: string[] = [];
    const re2Off: string[] = [];
    for (const [letters, value] of [
      [on, true],
      [off, false],
    ] as const) {
      for (const flag of letters) {
        switch (flag) {
          case 'i':
          case 'm':
            (value ? re2On : re2Off).push(flag);
            break;
          case 's':
            dotAll = value;
            break;
          case 'd':
            unixLines = value;
            break;
          case 'u':
          case 'U':
            break;
          case 'x':
            if (value) {
              throw new RegexRefusal(
                'the comments flag (?x) is not supported: write the pattern without spaces and comments',
              );
            }
            break;
          default:
            throw new RegexSyntaxError(`an unknown inline flag (?${flag})`);
        }
      }
    }
    const text = re2On.join('') + (re2Off.length > 0 ? `-${re2Off.join('')}` : '');
    return { flags: { dotAll, unixLines }, text };
  }

  #closeGroup(): void {
    const group = this.#groups.pop();
    if (group === undefined) throw new RegexSyntaxError("an unmatched ')'");
    if (group.kind === 'lookbehind') this.#lookbehindDepth--;
    this.#flags = group.outerFlags;
    this.#output += ')';
    this.#index++;
  }

  #outsideEscape(): void {
    const escape = this.#escape();
    this.#index = escape.next;
    switch (escape.kind) {
      case 'char':
        this.#output += charText(escape.code);
        return;
      case 'literal':
        this.#output += escape.codes.map(charText).join('');
        return;
      case 'set':
        this.#output += `[${escape.negated ? '^' : ''}${escape.set.inside}]`;
        return;
      case 'text':
        this.#output += escape.text;
        return;
      case 'endBeforeLineBreak':
        this.#endBeforeLineBreak();
    }
  }

  /** The escape at the current index (a backslash). */
  #escape(): Escape {
    const pattern = this.#pattern;
    const start = this.#index;
    const char = pattern[start + 1];
    if (char === undefined) throw new RegexSyntaxError('the pattern ends with a lone backslash');
    const next = start + 2;
    const single = (code: number, end = next): Escape => ({ kind: 'char', code, next: end });
    const set = (classText: ClassText, negated: boolean, end = next): Escape => ({
      kind: 'set',
      set: classText,
      negated,
      next: end,
    });
    const outside = (text: string): Escape => ({ kind: 'text', text, next });
    switch (char) {
      case 'Q': {
        const end = pattern.indexOf('\\E', next);
        const literal = pattern.slice(next, end < 0 ? pattern.length : end);
        const codes = Array.from(literal, (part) => part.codePointAt(0)!);
        return { kind: 'literal', codes, next: end < 0 ? pattern.length : end + 2 };
      }
      case 'E':
        return { kind: 'literal', codes: [], next };
      case 'A':
        return outside('\\A');
      case 'z':
        return outside('\\z');
      case 'Z':
        return { kind: 'endBeforeLineBreak', next };
      case 'b':
        if (pattern[next] === '{')
          throw new RegexRefusal('grapheme cluster boundaries (\\b{g}) are not supported');
        return outside('\\b');
      case 'B':
        return outside('\\B');
      case 'R':
        return outside(ANY_LINE_BREAK);
      case 'G':
        throw new RegexRefusal('\\G (the end of the previous match) is not supported');
      case 'X':
        throw new RegexRefusal('grapheme clusters (\\X) are not supported');
      case 'N':
        throw new RegexRefusal('named characters (\\N{…}) are not supported: write \\x{…}');
      case 'k':
        throw new RegexRefusal(
          `a back reference (\\k<name>) ${BACKTRACKING}: take the groups with findGroups() and compare them in the expression`,
        );
      case 'd':
      case 'D':
        return set(DIGIT, char === 'D');
      case 'w':
      case 'W':
        return set(WORD, char === 'W');
      case 's':
      case 'S':
        return set(JAVA_SPACE, char === 'S');
      case 'h':
      case 'H':
        return set(HORIZONTAL_SPACE, char === 'H');
      case 'v':
      case 'V':
        return set(VERTICAL_SPACE, char === 'V');
      case 'p':
      case 'P':
        return this.#property(char === 'P', next);
      case 't':
        return single(0x09);
      case 'n':
        return single(0x0a);
      case 'r':
        return single(0x0d);
      case 'f':
        return single(0x0c);
      case 'a':
        return single(0x07);
      case 'e':
        return single(0x1b);
      case 'c': {
        const control = pattern.codePointAt(next);
        if (control === undefined) throw new RegexSyntaxError('\\c needs a character after it');
        return single(control ^ 0x40, next + String.fromCodePoint(control).length);
      }
      case '0': {
        // Java octal: \0n, \0nn, \0mnn with m at most 3.
        let digits = /^[0-7]{1,3}/.exec(pattern.slice(next, next + 3))?.[0] ?? '';
        if (digits.length === 3 && digits[0]! > '3') digits = digits.slice(0, 2);
        if (digits === '') throw new RegexSyntaxError('an octal escape needs digits after \\0');
        return single(Number.parseInt(digits, 8), next + digits.length);
      }
      case 'x': {
        if (pattern[next] === '{') {
          const close = pattern.indexOf('}', next);
          const code = hexValue(close < 0 ? '' : pattern.slice(next + 1, close), 'a \\x{…} escape');
          if (code > 0x10ffff) throw new RegexSyntaxError('a \\x{…} escape above U+10FFFF');
          return single(code, close + 1);
        }
        const hex = pattern.slice(next, next + 2);
        if (hex.length !== 2) throw new RegexSyntaxError('a \\x escape needs two hex digits');
        return single(hexValue(hex, 'a \\x escape'), next + 2);
      }
      case 'u': {
        const code = hexValue(pattern.slice(next, next + 4).padEnd(4, '-'), 'a \\u escape');
        const low = /^\\u([0-9a-fA-F]{4})/.exec(pattern.slice(next + 4, next + 10))?.[1];
        const lowCode = low === undefined ? undefined : Number.parseInt(low, 16);
        // Java joins an escaped surrogate pair into the one character it encodes.
        if (isHighSurrogate(code) && lowCode !== undefined && isLowSurrogate(lowCode)) {
          return single(0x10000 + ((code - 0xd800) << 10) + (lowCode - 0xdc00), next + 10);
        }
        return single(code, next + 4);
      }
      default:
        break;
    }
    if (/[1-9]/.test(char)) {
      throw new RegexRefusal(
        `a back reference (\\${char}) ${BACKTRACKING}: take the groups with findGroups() and compare them in the expression`,
      );
    }
    if (isAsciiAlphanumeric(char)) throw new RegexSyntaxError(`the escape \\${char} is not valid`);
    // Java reads a backslash before any other character as that character.
    const code = pattern.codePointAt(start + 1)!;
    return single(code, start + 1 + String.fromCodePoint(code).length);
  }

  /** `\Z` is end-of-input-before-a-final-line-break, a lookahead: RE2 can only end a pattern with it. */
  #endBeforeLineBreak(): void {
    if (this.#index !== this.#pattern.length || this.#groups.length > 0 || this.#topLevelAlternation) {
      throw new RegexRefusal(
        `\\Z anywhere but at the very end of the pattern (outside groups and alternatives) ${BACKTRACKING}: write \\z, or (?:\\r?\\n)?\\z to allow a final line break`,
      );
    }
    this.#finalLineBreak = true;
  }

  #property(negated: boolean, next: number): Escape {
    const pattern = this.#pattern;
    let name: string;
    let end: number;
    if (pattern[next] === '{') {
      const close = pattern.indexOf('}', next);
      if (close < 0) throw new RegexSyntaxError('an unclosed \\p{…}');
      name = pattern.slice(next + 1, close);
      end = close + 1;
    } else {
      name = pattern[next] ?? '';
      end = next + 1;
    }
    const property = javaProperty(name);
    if (property === 'block') {
      throw new RegexRefusal(
        `Unicode blocks (\\p{${name}}) are not supported: use a script such as \\p{IsGreek}, or a range`,
      );
    }
    if (property === undefined) throw new RegexSyntaxError(`unknown character property \\p{${name}}`);
    return { kind: 'set', set: property, negated, next: end };
  }

  /** A `[…]` class, read item by item so that ranges and sets come out in RE2's spelling. */
  #characterClass(): string {
    const pattern = this.#pattern;
    this.#index++;
    let output = '[';
    if (pattern[this.#index] === '^') {
      output += '^';
      this.#index++;
    }
    const first = this.#index;
    for (;;) {
      const char = pattern[this.#index];
      if (char === undefined) throw new RegexSyntaxError('an unclosed character class');
      // Java reads a `]` right after `[` or `[^` as a literal.
      if (char === ']' && this.#index !== first) {
        this.#index++;
        return `${output}]`;
      }
      if (char === '[') {
        throw new RegexRefusal(
          'a class inside a class (a union such as [a[b]]) is not supported: write one class ([ab])',
        );
      }
      if (char === '&' && pattern[this.#index + 1] === '&') {
        throw new RegexRefusal('a class intersection (&&) is not supported: list the characters instead');
      }
      const item = this.#classItem();
      if (item.kind === 'set') {
        const text = item.negated ? item.set.insideNegated : item.set.inside;
        if (text === undefined) {
          throw new RegexRefusal('this negated class (\\P{…}) is not supported inside a character class');
        }
        output += text;
        continue;
      }
      if (item.kind === 'literal') {
        output += item.codes.map(charText).join('');
        continue;
      }
      const isRange =
        pattern[this.#index] === '-' &&
        pattern[this.#index + 1] !== ']' &&
        pattern[this.#index + 1] !== undefined;
      if (!isRange) {
        output += charText(item.code);
        continue;
      }
      this.#index++;
      const high = this.#classItem();
      if (high.kind !== 'char')
        throw new RegexSyntaxError('a character range must end in a single character');
      if (high.code < item.code)
        throw new RegexSyntaxError('a character range whose ends are in the wrong order');
      output += `${charText(item.code)}-${charText(high.code)}`;
    }
  }

  #classItem(): ClassEscape {
    const pattern = this.#pattern;
    if (pattern[this.#index] === '\\') {
      const escape = this.#escape();
      if (escape.kind === 'text' || escape.kind === 'endBeforeLineBreak') {
        throw new RegexSyntaxError(`\\${pattern[this.#index + 1]} is not valid inside a character class`);
      }
      this.#index = escape.next;
      return escape;
    }
    const code = pattern.codePointAt(this.#index)!;
    this.#index += String.fromCodePoint(code).length;
    return { kind: 'char', code, next: this.#index };
  }
}

/** The RE2 form of a Java pattern; throws RegexSyntaxError (invalid) or RegexRefusal (not runnable). */
export function translate(pattern: string): Re2Translation {
  return new Translator(pattern).translate();
}
