import { LRUCache } from 'lru-cache';
import { TollgateError } from '../errors/tollgate-error.js';
import { evaluationError } from './coerce.js';

/**
 * Java regular expressions (what PingGateway route files are written in) run on JavaScript's
 * RegExp. The pattern is translated where the two differ in spelling only (`\A`, `\z`, `\h`,
 * `\Q…\E`, POSIX `\p{Alpha}`, a leading `(?i)`, a lone `]` or `}`), always with the `u` flag; a
 * construct JavaScript cannot express (possessive quantifiers, atomic groups, class
 * intersections, inline flags in the middle) is refused rather than approximated.
 *
 * JavaScript's engine backtracks, like Java's. Route authors own the patterns; the input may come
 * from a client, so regex functions refuse inputs longer than REGEX_INPUT_LIMIT (see README).
 */

/** Longest input (UTF-16 code units) a regex function or method will search. */
export const REGEX_INPUT_LIMIT = 64 * 1024;
/** Distinct non-literal patterns a function table keeps compiled. */
const CACHE_SIZE = 256;

export class RegexSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegexSyntaxError';
  }
}

export interface JavaPattern {
  readonly pattern: string;
  /** `g` flag, for searching, splitting and replacing: callers reset lastIndex before each use. */
  readonly global: RegExp;
  /** `y` flag and anchored at the end: a match is a match of the whole input (String.matches). */
  readonly whole: RegExp;
}

export function compileJavaPattern(pattern: string): JavaPattern {
  const { source, flags } = translate(pattern);
  try {
    return Object.freeze({
      pattern,
      global: new RegExp(source, `${flags}g`),
      whole: new RegExp(`(?:${source})(?![\\s\\S])`, `${flags}y`),
    });
  } catch (error) {
    // V8's message repeats the translated pattern; keep only the reason.
    const message = error instanceof Error ? error.message : String(error);
    throw new RegexSyntaxError(message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, ''));
  }
}

/** A bounded cache of compiled patterns; one belongs to each function table. */
export class PatternCache {
  readonly #cache = new LRUCache<string, JavaPattern>({ max: CACHE_SIZE });

  /** The compiled pattern; an invalid one is an evaluation error. */
  get(pattern: string): JavaPattern {
    let compiled = this.#cache.get(pattern);
    if (compiled === undefined) {
      compiled = compileAtRunTime(pattern);
      this.#cache.set(pattern, compiled);
    }
    return compiled;
  }
}

/** Compiles a pattern written as a literal in a route: a bad one is a config error. */
export function compileAtLoad(pattern: string): JavaPattern {
  try {
    return compileJavaPattern(pattern);
  } catch (error) {
    if (error instanceof RegexSyntaxError) {
      throw new TollgateError('TG_CONFIG_BAD_REGEX', `invalid regular expression: ${error.message}`);
    }
    throw error;
  }
}

/** Compiles a pattern that only became known while evaluating: a bad one is an evaluation error. */
export function compileAtRunTime(pattern: string): JavaPattern {
  try {
    return compileJavaPattern(pattern);
  } catch (error) {
    if (error instanceof RegexSyntaxError)
      throw evaluationError(`invalid regular expression: ${error.message}`);
    throw error;
  }
}

function checkInput(input: string): void {
  if (input.length > REGEX_INPUT_LIMIT) {
    throw evaluationError(`a regular expression input is longer than ${REGEX_INPUT_LIMIT} characters`);
  }
}

/** Matcher.find(): the first match anywhere in the input. */
export function findFirst(pattern: JavaPattern, input: string): RegExpExecArray | null {
  checkInput(input);
  pattern.global.lastIndex = 0;
  return pattern.global.exec(input);
}

/** String.matches(): the whole input matches. */
export function matchesWhole(pattern: JavaPattern, input: string): boolean {
  checkInput(input);
  pattern.whole.lastIndex = 0;
  return pattern.whole.test(input);
}

/** Where the next search starts after an empty match: one code point further. */
function advance(input: string, index: number): number {
  const code = input.charCodeAt(index);
  return code >= 0xd800 && code <= 0xdbff && index + 1 < input.length ? index + 2 : index + 1;
}

/**
 * String.split(regex, limit): a zero-width match at the start gives no leading empty string,
 * no match gives the whole input, and with limit 0 trailing empty strings are dropped.
 */
export function javaSplit(pattern: JavaPattern, input: string, limit = 0): string[] {
  checkInput(input);
  const regex = pattern.global;
  regex.lastIndex = 0;
  const parts: string[] = [];
  let index = 0;
  for (let match = regex.exec(input); match !== null; match = regex.exec(input)) {
    const end = match.index + match[0].length;
    if (match[0].length === 0) regex.lastIndex = advance(input, regex.lastIndex);
    if (limit > 0 && parts.length >= limit - 1) break;
    if (index === 0 && match.index === 0 && end === 0) continue;
    parts.push(input.slice(index, match.index));
    index = end;
  }
  if (index === 0) return [input];
  parts.push(input.slice(index));
  if (limit === 0) while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** Matcher.replaceAll / replaceFirst, with Java's replacement syntax (`$1`, `${name}`, `\$`). */
export function javaReplace(pattern: JavaPattern, input: string, replacement: string, all: boolean): string {
  checkInput(input);
  const regex = pattern.global;
  regex.lastIndex = 0;
  let output = '';
  let last = 0;
  for (let match = regex.exec(input); match !== null; match = all ? regex.exec(input) : null) {
    output += input.slice(last, match.index) + expandReplacement(replacement, match);
    last = match.index + match[0].length;
    if (match[0].length === 0) regex.lastIndex = advance(input, regex.lastIndex);
  }
  return output + input.slice(last);
}

function expandReplacement(replacement: string, match: RegExpExecArray): string {
  let output = '';
  const groupCount = match.length - 1;
  for (let i = 0; i < replacement.length; i++) {
    const char = replacement[i]!;
    if (char === '\\') {
      i++;
      if (i >= replacement.length) throw evaluationError('a replacement ends with a lone backslash');
      output += replacement[i];
    } else if (char === '$') {
      i++;
      if (replacement[i] === '{') {
        const close = replacement.indexOf('}', i);
        const name = close < 0 ? '' : replacement.slice(i + 1, close);
        if (match.groups === undefined || !Object.hasOwn(match.groups, name)) {
          throw evaluationError('a replacement names a group the pattern does not have');
        }
        output += match.groups[name] ?? '';
        i = close;
      } else {
        let group = Number.NaN;
        if (i < replacement.length && /\d/.test(replacement[i]!)) group = Number(replacement[i]);
        if (Number.isNaN(group) || group > groupCount) {
          throw evaluationError('a replacement refers to a group the pattern does not have');
        }
        // Java takes further digits while they still name an existing group.
        while (i + 1 < replacement.length && /\d/.test(replacement[i + 1]!)) {
          const next = group * 10 + Number(replacement[i + 1]);
          if (next > groupCount) break;
          group = next;
          i++;
        }
        output += match[group] ?? '';
      }
    } else {
      output += char;
    }
  }
  return output;
}

// ---------------------------------------------------------------------------------------------
// Translation

const SYNTAX_CHARACTERS = new Set('\\^$.*+?()[]{}|/');
const HORIZONTAL_SPACE = ' \\t\\xA0\\u1680\\u180E\\u2000-\\u200A\\u202F\\u205F\\u3000';
const VERTICAL_SPACE = '\\n\\x0B\\f\\r\\x85\\u2028\\u2029';

/** Java's POSIX classes (US-ASCII only, as in Java without UNICODE_CHARACTER_CLASS), as class contents. */
const POSIX_CLASSES: ReadonlyMap<string, string> = new Map([
  ['Lower', 'a-z'],
  ['Upper', 'A-Z'],
  ['ASCII', '\\x00-\\x7F'],
  ['Alpha', 'a-zA-Z'],
  ['Digit', '0-9'],
  ['Alnum', 'a-zA-Z0-9'],
  ['Punct', '!-\\/:-@\\[-`{-~'],
  ['Graph', '!-~'],
  ['Print', ' -~'],
  ['Blank', ' \\t'],
  ['Cntrl', '\\x00-\\x1F\\x7F'],
  ['XDigit', '0-9a-fA-F'],
  ['Space', ' \\t\\n\\x0B\\f\\r'],
]);

const JAVA_PROPERTIES: ReadonlyMap<string, string> = new Map([
  ['javaLowerCase', 'Lowercase'],
  ['javaUpperCase', 'Uppercase'],
  ['javaWhitespace', 'White_Space'],
  ['javaLetter', 'L'],
  ['javaDigit', 'Nd'],
]);

function unsupported(what: string): RegexSyntaxError {
  return new RegexSyntaxError(`${what} is not supported`);
}

function escapeLiteral(text: string, inClass: boolean): string {
  let output = '';
  for (const char of text) {
    output += SYNTAX_CHARACTERS.has(char) || (inClass && char === '-') ? `\\${char}` : char;
  }
  return output;
}

function isUnicodeProperty(name: string): boolean {
  if (!/^[A-Za-z0-9_=]+$/.test(name)) return false;
  try {
    new RegExp(`\\p{${name}}`, 'u');
    return true;
  } catch {
    return false;
  }
}

function translateProperty(name: string, negated: boolean, inClass: boolean): string {
  const posix = POSIX_CLASSES.get(name);
  if (posix !== undefined) {
    if (!negated) return inClass ? posix : `[${posix}]`;
    if (inClass) throw unsupported(`\\P{${name}} inside a character class`);
    return `[^${posix}]`;
  }
  if (name.startsWith('In')) throw unsupported(`the Unicode block \\p{${name}}`);
  const base = JAVA_PROPERTIES.get(name) ?? (name.startsWith('Is') ? name.slice(2) : name);
  const property = [base, `Script=${base}`].find(isUnicodeProperty);
  if (property === undefined) throw new RegexSyntaxError(`unknown character property \\p{${name}}`);
  return `\\${negated ? 'P' : 'p'}{${property}}`;
}

/** Translates the escape at `index` (a backslash); returns the JavaScript text and the next index. */
function translateEscape(pattern: string, index: number, inClass: boolean): [string, number] {
  const char = pattern[index + 1];
  if (char === undefined) throw new RegexSyntaxError('the pattern ends with a lone backslash');
  const next = index + 2;
  const outsideOnly = (text: string): [string, number] => {
    if (inClass) throw unsupported(`\\${char} inside a character class`);
    return [text, next];
  };
  switch (char) {
    case 'Q': {
      const end = pattern.indexOf('\\E', next);
      const literal = pattern.slice(next, end < 0 ? pattern.length : end);
      return [escapeLiteral(literal, inClass), end < 0 ? pattern.length : end + 2];
    }
    case 'E':
      return ['', next];
    case 'A':
      return outsideOnly('(?<![\\s\\S])');
    case 'z':
      return outsideOnly('(?![\\s\\S])');
    case 'Z':
      return outsideOnly('(?=(?:\\r\\n|[\\n\\r\\x85\\u2028\\u2029])?(?![\\s\\S]))');
    case 'R':
      return outsideOnly('(?:\\r\\n|[\\n\\x0B\\f\\r\\x85\\u2028\\u2029])');
    case 'h':
      return [inClass ? HORIZONTAL_SPACE : `[${HORIZONTAL_SPACE}]`, next];
    case 'H':
      return outsideOnly(`[^${HORIZONTAL_SPACE}]`);
    case 'v':
      return [inClass ? VERTICAL_SPACE : `[${VERTICAL_SPACE}]`, next];
    case 'V':
      return outsideOnly(`[^${VERTICAL_SPACE}]`);
    case 'e':
      return ['\\x1B', next];
    case 'a':
      return ['\\x07', next];
    case '0': {
      // Java octal: \0n, \0nn, \0mnn with m at most 3.
      let digits = /^[0-7]{1,3}/.exec(pattern.slice(next))?.[0] ?? '';
      if (digits.length === 3 && digits[0]! > '3') digits = digits.slice(0, 2);
      if (digits === '') throw new RegexSyntaxError('an octal escape needs digits after \\0');
      return [`\\u{${Number.parseInt(digits, 8).toString(16)}}`, next + digits.length];
    }
    case 'x': {
      if (pattern[next] === '{') {
        const close = pattern.indexOf('}', next);
        const hex = close < 0 ? '' : pattern.slice(next + 1, close);
        if (!/^[0-9a-fA-F]{1,6}$/.test(hex)) throw new RegexSyntaxError('a \\x{…} escape needs hex digits');
        return [`\\u{${hex}}`, close + 1];
      }
      const hex = pattern.slice(next, next + 2);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new RegexSyntaxError('a \\x escape needs two hex digits');
      return [`\\x${hex}`, next + 2];
    }
    case 'p':
    case 'P': {
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
      return [translateProperty(name, char === 'P', inClass), end];
    }
    case 'b':
    case 'B':
      return outsideOnly(`\\${char}`);
    case 'G':
    case 'X':
    case 'N':
    case 'K':
      throw unsupported(`\\${char}`);
    default:
      break;
  }
  if (/[1-9]/.test(char)) {
    if (inClass) throw unsupported('a back reference inside a character class');
    const digits = /^\d+/.exec(pattern.slice(index + 1))![0];
    return [`\\${digits}`, index + 1 + digits.length];
  }
  if ('dDwWsStnrfuck'.includes(char)) {
    // Same meaning in both (`\s` also matches Unicode spaces in JavaScript; see README).
    return [`\\${char}`, next];
  }
  if (/[A-Za-z0-9]/.test(char)) throw new RegexSyntaxError(`the escape \\${char} is not valid`);
  return [escapeLiteral(char, inClass), next];
}

const GROUP_OPENINGS = ['?:', '?=', '?!', '?<=', '?<!'];

/** The JavaScript source and flags for a Java pattern. */
function translate(pattern: string): { source: string; flags: string } {
  let flags = 'u';
  let index = 0;
  const leading = /^\(\?([a-zA-Z]+)\)/.exec(pattern);
  if (leading !== null) {
    for (const flag of leading[1]!) {
      if (flag === 'i' || flag === 'm' || flag === 's') {
        if (!flags.includes(flag)) flags += flag;
      } else if (flag !== 'u' && flag !== 'U' && flag !== 'd') {
        // u/U/d (Unicode case, Unicode classes, Unix lines) change nothing that matters here.
        throw unsupported(`the inline flag (?${flag})`);
      }
    }
    index = leading[0].length;
  }
  let source = '';
  let classStart = -1;
  while (index < pattern.length) {
    const char = pattern[index]!;
    if (char === '\\') {
      const [text, next] = translateEscape(pattern, index, classStart >= 0);
      source += text;
      index = next;
      continue;
    }
    if (classStart >= 0) {
      if (char === ']' && index !== classStart) classStart = -1;
      else if (char === '[') throw unsupported('a nested character class');
      else if (char === '&' && pattern[index + 1] === '&')
        throw unsupported('a character class intersection');
      // Java reads a `]` right after `[` or `[^` as a literal.
      source += char === ']' && classStart >= 0 ? '\\]' : char;
      index++;
      continue;
    }
    switch (char) {
      case '[':
        source += '[';
        index++;
        if (pattern[index] === '^') {
          source += '^';
          index++;
        }
        classStart = index;
        continue;
      case '(': {
        if (pattern[index + 1] !== '?') {
          source += '(';
          index++;
          continue;
        }
        const rest = pattern.slice(index + 1);
        const opening =
          GROUP_OPENINGS.find((g) => rest.startsWith(g)) ?? /^\?<[A-Za-z][A-Za-z0-9]*>/.exec(rest)?.[0];
        if (opening === undefined) {
          throw unsupported(rest.startsWith('?>') ? 'an atomic group (?>…)' : 'the group (?…) here');
        }
        source += `(${opening}`;
        index += 1 + opening.length;
        continue;
      }
      case '*':
      case '+':
      case '?':
      case '{': {
        const quantifier = char === '{' ? /^\{\d+(?:,\d*)?\}/.exec(pattern.slice(index))?.[0] : char;
        if (quantifier === undefined) throw new RegexSyntaxError("a '{' that is not a repetition");
        source += quantifier;
        index += quantifier.length;
        if (pattern[index] === '+') throw unsupported('a possessive quantifier');
        if (pattern[index] === '?') {
          source += '?';
          index++;
        }
        continue;
      }
      case ']':
      case '}':
        source += `\\${char}`;
        index++;
        continue;
      default:
        source += char;
        index++;
    }
  }
  if (classStart >= 0) throw new RegexSyntaxError('an unclosed character class');
  return { source, flags };
}
