import { LRUCache } from 'lru-cache';
import { RE2JS, RE2JSException, RE2JSSyntaxException, type Matcher } from 're2js';
import { configError, TollgateError, type Place } from '../errors/tollgate-error.js';
import { evaluationError } from './coerce.js';
import { RegexRefusal, RegexSyntaxError, translate } from './regex-translate.js';

/**
 * Java regular expressions, with Java's find / matches / split / replace semantics, run by RE2
 * (re2js): every search takes time linear in its input, whatever the pattern, so no request
 * can stall the event loop on a pattern (docs/expressions.md, "Regular expressions"). The Java
 * pattern is rewritten for RE2 by regex-translate.ts; a pattern that is only a literal is searched
 * with string operations, which route conditions such as `find(request.uri.path, '^/api')` run on
 * every request.
 */

/** Longest input (UTF-16 code units) a regex function or method will search. */
export const REGEX_INPUT_LIMIT = 64 * 1024;
/** Distinct non-literal patterns a function table keeps compiled. */
const CACHE_SIZE = 256;

/** A pattern without operators: the text, possibly tied to the start (`^`) and the end (`$`). */
interface Literal {
  readonly kind: 'literal';
  readonly text: string;
  readonly atStart: boolean;
  readonly atEnd: boolean;
}

interface Program {
  readonly kind: 'program';
  /** For find, groups, split and replace. */
  readonly search: RE2JS;
  /** For String.matches: `search` itself unless the pattern ends in `\Z`. */
  readonly whole: RE2JS;
  /** The group holding the line break a final `\Z` allowed (not part of the match), or 0. */
  readonly lineBreakGroup: number;
}

export interface JavaPattern {
  readonly pattern: string;
  /** The pattern's capturing groups, as Matcher.groupCount counts them. */
  readonly groupCount: number;
  /** The number of each named group. */
  readonly groupNames: Readonly<Record<string, number>>;
  readonly engine: Literal | Program;
}

const OPERATORS: ReadonlySet<string> = new Set('\\^$.|?*+()[]{}');

function isAsciiPunctuation(char: string | undefined): boolean {
  return char !== undefined && /^[!-/:-@[-`{-~]$/.test(char);
}

/** The literal a pattern stands for, when it has no operator besides a leading `^` and a final `$`. */
function plainLiteral(pattern: string): Literal | undefined {
  const atStart = pattern.startsWith('^');
  let atEnd = false;
  let text = '';
  for (let index = atStart ? 1 : 0; index < pattern.length; index++) {
    const char = pattern[index]!;
    const code = char.charCodeAt(0);
    // Surrogates stay with the engine, which never splits a pair.
    if (code >= 0xd800 && code <= 0xdfff) return undefined;
    if (char === '\\') {
      const escaped = pattern[index + 1];
      if (!isAsciiPunctuation(escaped)) return undefined;
      text += escaped;
      index++;
    } else if (char === '$' && index === pattern.length - 1) {
      atEnd = true;
    } else if (OPERATORS.has(char)) {
      return undefined;
    } else {
      text += char;
    }
  }
  return { kind: 'literal', text, atStart, atEnd };
}

/** What re2js says about a translated pattern it refuses: its limits are refusals, the rest invalid syntax. */
function re2Error(error: RE2JSException): RegexSyntaxError {
  const reason = error instanceof RE2JSSyntaxException ? error.error : error.message;
  switch (reason) {
    case 'invalid repeat count':
      return new RegexRefusal('nested repetitions whose counts multiply past 1000 are more than RE2 accepts');
    case 'expression too large':
    case 'expression nests too deeply':
      return new RegexRefusal(`the pattern is more than RE2 accepts (${reason})`);
    default:
      return new RegexSyntaxError(reason);
  }
}

function compileProgram(source: string, lookbehinds: boolean): RE2JS {
  try {
    return RE2JS.compile(source, lookbehinds ? RE2JS.LOOKBEHINDS : 0);
  } catch (error) {
    if (error instanceof RE2JSException) throw re2Error(error);
    throw error;
  }
}

/** Compiles a Java pattern; throws RegexSyntaxError, or RegexRefusal for what RE2 cannot run. */
export function compileJavaPattern(pattern: string): JavaPattern {
  const literal = plainLiteral(pattern);
  if (literal !== undefined) {
    return Object.freeze({ pattern, groupCount: 0, groupNames: Object.freeze({}), engine: literal });
  }
  const translation = translate(pattern);
  const search = compileProgram(translation.source, translation.lookbehinds);
  const whole =
    translation.wholeSource === translation.source
      ? search
      : compileProgram(translation.wholeSource, translation.lookbehinds);
  const groupCount = search.groupCount() - (translation.lineBreakGroup ? 1 : 0);
  return Object.freeze({
    pattern,
    groupCount,
    groupNames: Object.freeze({ ...search.namedGroups() }),
    engine: Object.freeze({
      kind: 'program' as const,
      search,
      whole,
      lineBreakGroup: translation.lineBreakGroup ? groupCount + 1 : 0,
    }),
  });
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

function describe(error: RegexSyntaxError): string {
  return `${error instanceof RegexRefusal ? 'unsupported' : 'invalid'} regular expression: ${error.message}`;
}

/** Compiles a pattern written as a literal in a route: a bad one is a config error. */
export function compileAtLoad(pattern: string): JavaPattern {
  try {
    return compileJavaPattern(pattern);
  } catch (error) {
    if (error instanceof RegexSyntaxError) throw new TollgateError('TG_CONFIG_BAD_REGEX', describe(error));
    throw error;
  }
}

/** compileAtLoad for a pattern a config key holds: a bad one is TG_CONFIG_BAD_REGEX at `place`. */
export function compilePatternAt(pattern: string, place: Place): JavaPattern {
  try {
    return compileAtLoad(pattern);
  } catch (error) {
    if (error instanceof TollgateError) throw configError(error.code, place, error.message);
    throw error;
  }
}

/** Compiles a pattern that only became known while evaluating: a bad one is an evaluation error. */
export function compileAtRunTime(pattern: string): JavaPattern {
  try {
    return compileJavaPattern(pattern);
  } catch (error) {
    if (error instanceof RegexSyntaxError) throw evaluationError(describe(error));
    throw error;
  }
}

function checkInput(input: string): void {
  if (input.length > REGEX_INPUT_LIMIT) {
    throw evaluationError(`a regular expression input is longer than ${REGEX_INPUT_LIMIT} characters`);
  }
}

/** Where a literal occurs in `input` at or after `from`, or -1. */
function literalIndex(literal: Literal, input: string, from: number): number {
  const { text, atStart, atEnd } = literal;
  if (atStart && atEnd) return from === 0 && input === text ? 0 : -1;
  if (atStart) return from === 0 && input.startsWith(text) ? 0 : -1;
  if (atEnd) {
    const index = input.length - text.length;
    return index >= from && input.endsWith(text) ? index : -1;
  }
  return input.indexOf(text, from);
}

/**
 * The matches of one pattern in one input, in Matcher.find's order. re2js finds groups (and
 * the bounds of a match) with its NFA, several times slower than the DFA that answers whether
 * there is a match at all: callers ask that first.
 */
interface Scan {
  /** Finds the first match that starts at or after `from`. */
  find(from: number): boolean;
  start(): number;
  end(): number;
  /** Group `index` of the last match; null when it did not take part. */
  group(index: number): string | null;
}

class LiteralScan implements Scan {
  readonly #literal: Literal;
  readonly #input: string;
  #start = -1;

  constructor(literal: Literal, input: string) {
    this.#literal = literal;
    this.#input = input;
  }

  find(from: number): boolean {
    this.#start = literalIndex(this.#literal, this.#input, from);
    return this.#start >= 0;
  }

  start(): number {
    return this.#start;
  }

  end(): number {
    return this.#start + this.#literal.text.length;
  }

  group(): string {
    return this.#literal.text;
  }
}

class ProgramScan implements Scan {
  readonly #matcher: Matcher;
  readonly #input: string;
  readonly #lineBreakGroup: number;

  constructor(program: Program, input: string) {
    this.#matcher = program.search.matcher(input);
    this.#input = input;
    this.#lineBreakGroup = program.lineBreakGroup;
  }

  find(from: number): boolean {
    return this.#matcher.find(from);
  }

  start(): number {
    return this.#matcher.start();
  }

  end(): number {
    const lineBreak = this.#lineBreakGroup > 0 ? this.#matcher.start(this.#lineBreakGroup) : -1;
    return lineBreak >= 0 ? lineBreak : this.#matcher.end();
  }

  group(index: number): string | null {
    return index === 0 ? this.#input.slice(this.start(), this.end()) : this.#matcher.group(index);
  }
}

function scan(pattern: JavaPattern, input: string): Scan {
  const { engine } = pattern;
  return engine.kind === 'literal' ? new LiteralScan(engine, input) : new ProgramScan(engine, input);
}

/** Where the next search starts after an empty match: one code point further. */
function advance(input: string, index: number): number {
  const code = input.charCodeAt(index);
  return code >= 0xd800 && code <= 0xdbff && index + 1 < input.length ? index + 2 : index + 1;
}

/**
 * Calls `each` for every match, as repeated Matcher.find() calls find them: a search starts
 * where the last match ended, one character further after an empty match (so, unlike RE2's
 * own iteration, an empty match right after a non-empty one counts, as in Java). Stops when
 * `each` returns false.
 */
function forEachMatch(pattern: JavaPattern, input: string, each: (match: Scan) => boolean): void {
  if (!findsIn(pattern, input)) return;
  const matches = scan(pattern, input);
  let from = 0;
  while (from <= input.length && matches.find(from)) {
    if (!each(matches)) return;
    const end = matches.end();
    from = end === matches.start() ? advance(input, end) : end;
  }
}

/** Matcher.find(): whether the pattern occurs anywhere in the input. */
export function findsIn(pattern: JavaPattern, input: string): boolean {
  checkInput(input);
  const { engine } = pattern;
  return engine.kind === 'literal' ? literalIndex(engine, input, 0) >= 0 : engine.search.test(input);
}

/** The first match as [group 0, group 1…], null for a group that did not take part; null without a match. */
export function firstGroups(pattern: JavaPattern, input: string): (string | null)[] | null {
  if (!findsIn(pattern, input)) return null;
  const matches = scan(pattern, input);
  if (!matches.find(0)) return null;
  const groups: (string | null)[] = [];
  for (let index = 0; index <= pattern.groupCount; index++) groups.push(matches.group(index));
  return groups;
}

/**
 * A body's lines as PingGateway's pattern extraction reads them (a line ends at \n, \r or \r\n),
 * each cut to the regular expression input limit, so a body of any size can be searched.
 */
export function linesOf(text: string): string[] {
  return text.split(/\r\n|\r|\n/).map((line) => line.slice(0, REGEX_INPUT_LIMIT));
}

/**
 * firstGroups over lines, as PingGateway's EntityExtractFilter and PasswordReplayFilter match: the
 * first match in the first line that has one; null when none does.
 */
export function firstGroupsInLines(pattern: JavaPattern, lines: readonly string[]): (string | null)[] | null {
  for (const line of lines) {
    const groups = firstGroups(pattern, line);
    if (groups !== null) return groups;
  }
  return null;
}

/** String.matches(): the whole input matches. */
export function matchesWhole(pattern: JavaPattern, input: string): boolean {
  checkInput(input);
  const { engine } = pattern;
  return engine.kind === 'literal' ? input === engine.text : engine.whole.testExact(input);
}

/**
 * String.split(regex, limit): a zero-width match at the start gives no leading empty string,
 * no match gives the whole input, and with limit 0 trailing empty strings are dropped.
 */
export function javaSplit(pattern: JavaPattern, input: string, limit = 0): string[] {
  const parts: string[] = [];
  let index = 0;
  forEachMatch(pattern, input, (match) => {
    if (limit > 0 && parts.length >= limit - 1) return false;
    if (index === 0 && match.end() === 0) return true;
    parts.push(input.slice(index, match.start()));
    index = match.end();
    return true;
  });
  if (index === 0) return [input];
  parts.push(input.slice(index));
  if (limit === 0) while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** Matcher.replaceAll / replaceFirst, with Java's replacement syntax (`$1`, `${name}`, `\$`). */
export function javaReplace(pattern: JavaPattern, input: string, replacement: string, all: boolean): string {
  let output = '';
  let last = 0;
  forEachMatch(pattern, input, (match) => {
    output += input.slice(last, match.start()) + expandReplacement(replacement, pattern, match);
    last = match.end();
    return all;
  });
  return output + input.slice(last);
}

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= '0' && char <= '9';
}

function expandReplacement(replacement: string, pattern: JavaPattern, match: Scan): string {
  let output = '';
  const { groupCount, groupNames } = pattern;
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
        if (!Object.hasOwn(groupNames, name)) {
          throw evaluationError('a replacement names a group the pattern does not have');
        }
        output += match.group(groupNames[name]!) ?? '';
        i = close;
      } else {
        if (!isDigit(replacement[i]) || Number(replacement[i]) > groupCount) {
          throw evaluationError('a replacement refers to a group the pattern does not have');
        }
        let group = Number(replacement[i]);
        // Java takes further digits while they still name an existing group.
        while (isDigit(replacement[i + 1])) {
          const next = group * 10 + Number(replacement[i + 1]);
          if (next > groupCount) break;
          group = next;
          i++;
        }
        output += match.group(group) ?? '';
      }
    } else {
      output += char;
    }
  }
  return output;
}
