import type { ErrorCode } from '../errors/catalogue.js';

/**
 * The tokens of an EL expression, scanned the way JUEL (PingGateway's EL engine) scans them:
 * Java identifiers, `'…'`/`"…"` strings whose only escapes are `\\` and the quote itself,
 * integers and decimals, and the word operators as keywords.
 */

/**
 * An error found while compiling, at `index` in the config string: a syntax error, an unknown
 * function, a bad regex literal… template.ts turns it into a coded config error with the column.
 */
export class ElSyntaxError extends Error {
  readonly index: number;
  readonly code: ErrorCode;

  constructor(message: string, index: number, code: ErrorCode = 'TG_CONFIG_BAD_EXPRESSION') {
    super(message);
    this.name = 'ElSyntaxError';
    this.index = index;
    this.code = code;
  }
}

export type TokenKind = 'string' | 'number' | 'identifier' | 'keyword' | 'punctuator' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** The identifier, keyword or punctuator as written; the decoded text for strings. */
  readonly text: string;
  /** The value of a number literal. */
  readonly number: number;
  readonly start: number;
  readonly end: number;
}

const KEYWORDS: ReadonlySet<string> = new Set([
  'null',
  'true',
  'false',
  'empty',
  'div',
  'mod',
  'not',
  'and',
  'or',
  'le',
  'lt',
  'eq',
  'ne',
  'ge',
  'gt',
  'instanceof',
]);

export function isKeyword(name: string): boolean {
  return KEYWORDS.has(name);
}

/** Two-character punctuators are tried first, so `<=` is not read as `<` then `=`. */
const TWO_CHARACTER_PUNCTUATORS: ReadonlySet<string> = new Set(['&&', '||', '==', '!=', '<=', '>=']);
/** `{` is not EL; it is scanned so the parser can report it where it stands. */
const ONE_CHARACTER_PUNCTUATORS: ReadonlySet<string> = new Set('+-*/%()[].,?:!<>{}');

const IDENTIFIER_START = /[\p{L}\p{Nl}\p{Sc}\p{Pc}]/u;
const IDENTIFIER_PART = /[\p{L}\p{Nl}\p{Sc}\p{Pc}\p{Mn}\p{Mc}\p{Nd}\u200c\u200d]/u;

/** Java's Character.isWhitespace: Unicode spaces except the non-breaking ones, plus \x1C–\x1F. */
function isWhitespace(char: string): boolean {
  if (char === '\u00a0' || char === '\u2007' || char === '\u202f' || char === '\ufeff') return false;
  return /\s/.test(char) || (char >= '\x1c' && char <= '\x1f');
}

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= '0' && char <= '9';
}

export class Lexer {
  readonly #source: string;
  #position: number;

  constructor(source: string, start: number) {
    this.#source = source;
    this.#position = start;
  }

  next(): Token {
    const source = this.#source;
    while (this.#position < source.length && isWhitespace(source[this.#position]!)) this.#position++;
    const start = this.#position;
    if (start >= source.length) return this.#token('eof', '', start, start);
    const char = source[start]!;
    if (char === "'" || char === '"') return this.#string(char, start);
    if (isDigit(char) || (char === '.' && isDigit(source[start + 1]))) return this.#number(start);
    const codePoint = String.fromCodePoint(source.codePointAt(start)!);
    if (IDENTIFIER_START.test(codePoint)) return this.#identifier(start);
    const two = source.slice(start, start + 2);
    if (TWO_CHARACTER_PUNCTUATORS.has(two)) return this.#punctuator(two, start);
    if (ONE_CHARACTER_PUNCTUATORS.has(char)) return this.#punctuator(char, start);
    throw new ElSyntaxError(`unexpected character '${codePoint}'`, start);
  }

  #token(kind: TokenKind, text: string, start: number, end: number, number = 0): Token {
    this.#position = end;
    return { kind, text, number, start, end };
  }

  #punctuator(text: string, start: number): Token {
    return this.#token('punctuator', text, start, start + text.length);
  }

  #identifier(start: number): Token {
    const source = this.#source;
    let end = start;
    while (end < source.length) {
      const codePoint = source.codePointAt(end)!;
      const char = String.fromCodePoint(codePoint);
      if (end > start ? !IDENTIFIER_PART.test(char) : !IDENTIFIER_START.test(char)) break;
      end += char.length;
    }
    const name = source.slice(start, end);
    return this.#token(isKeyword(name) ? 'keyword' : 'identifier', name, start, end);
  }

  #number(start: number): Token {
    const source = this.#source;
    let end = start;
    while (isDigit(source[end])) end++;
    let decimal = false;
    if (source[end] === '.') {
      decimal = true;
      end++;
      while (isDigit(source[end])) end++;
    }
    if (source[end] === 'e' || source[end] === 'E') {
      let exponent = end + 1;
      if (source[exponent] === '+' || source[exponent] === '-') exponent++;
      if (isDigit(source[exponent])) {
        decimal = true;
        end = exponent;
        while (isDigit(source[end])) end++;
      }
    }
    const text = source.slice(start, end);
    const value = Number(text);
    if (!decimal && !Number.isSafeInteger(value)) {
      throw new ElSyntaxError(`integer literal ${text} is too large`, start);
    }
    return this.#token('number', text, start, end, value);
  }

  #string(quote: string, start: number): Token {
    const source = this.#source;
    let text = '';
    let index = start + 1;
    let run = index;
    while (index < source.length) {
      const char = source[index]!;
      if (char !== quote && char !== '\\') {
        index++;
        continue;
      }
      text += source.slice(run, index);
      index++;
      if (char === quote) return this.#token('string', text, start, index);
      const escaped = source[index++];
      if (escaped === undefined) break;
      if (escaped !== '\\' && escaped !== quote) {
        // JUEL's rule: only \\ and the enclosing quote may be escaped. A regex such as '\d'
        // must be written '\\d' inside the expression.
        throw new ElSyntaxError(
          `invalid escape '\\${escaped}' in a string (only \\\\ and \\${quote})`,
          index - 2,
        );
      }
      text += escaped;
      run = index;
    }
    throw new ElSyntaxError('unterminated string', start);
  }
}
