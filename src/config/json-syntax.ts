/**
 * Where a JSON text that JSON.parse refused goes wrong, and why, in words. JSON.parse's own
 * message gives a position for some errors only, differently from one Node version to the next,
 * and quotes the text around it (line breaks included) for the rest; this scan is run once the
 * parse has failed, so it costs nothing for a good file. It walks the text without recursion,
 * as the file may be nested as deeply as the size limit allows.
 */

export interface JsonSyntaxError {
  /** Offset of the first character that cannot be where it is (the text's length at its end). */
  readonly offset: number;
  readonly problem: string;
}

type Expected = 'value' | 'first-value' | 'key' | 'first-key' | 'colon' | 'after-value';

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WORD = /[A-Za-z0-9_$]+/y;
const HEX4 = /[0-9a-fA-F]{4}/y;

function shown(text: string, offset: number): string {
  const word = matchAt(WORD, text, offset);
  if (word !== undefined) return `"${word.length > 20 ? `${word.slice(0, 20)}…` : word}"`;
  const character = text[offset]!;
  return character === "'" ? `"'"` : `'${character}'`;
}

function matchAt(pattern: RegExp, text: string, offset: number): string | undefined {
  pattern.lastIndex = offset;
  return pattern.exec(text)?.[0];
}

/** The end of the string that starts at `offset` (its opening quote), or the error inside it. */
function scanString(text: string, offset: number): number | JsonSyntaxError {
  for (let index = offset + 1; index < text.length; index++) {
    const character = text[index]!;
    if (character === '"') return index + 1;
    if (character === '\\') {
      const escaped = text[index + 1];
      if (escaped === 'u') {
        if (matchAt(HEX4, text, index + 2) === undefined)
          return { offset: index, problem: 'a \\u escape needs four hexadecimal digits' };
        index += 5;
      } else if (escaped !== undefined && ESCAPES.has(escaped)) index++;
      else
        return { offset: index, problem: 'a backslash in a string must start an escape such as \\n or \\\\' };
    } else if (character.charCodeAt(0) < 0x20) {
      const what = character === '\n' || character === '\r' ? 'a line break' : 'a control character';
      return { offset: index, problem: `${what} inside a string (write it as an escape such as \\n)` };
    }
  }
  return { offset, problem: 'a string that is never closed' };
}

export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  /** The closing bracket of each container the scan is in. */
  const closers: string[] = [];
  let expected: Expected = 'value';
  /** The offset of the comma just passed, if the last thing passed was one. */
  let comma: number | undefined;
  let index = 0;
  for (;;) {
    while (index < text.length && WHITESPACE.has(text[index]!)) index++;
    if (index >= text.length) {
      if (expected === 'after-value' && closers.length === 0) return undefined;
      if (text.trim() === '')
        return { offset: index, problem: 'the file is empty (a JSON file holds one value)' };
      const open =
        closers.length > 0 ? ` (${closers.length} bracket${closers.length > 1 ? 's' : ''} still open)` : '';
      return { offset: index, problem: `the file ends before its JSON value does${open}` };
    }
    const character = text[index]!;
    const close = closers[closers.length - 1];
    if (
      character === close &&
      (expected === 'first-value' || expected === 'first-key' || expected === 'after-value')
    ) {
      closers.pop();
      index++;
      expected = 'after-value';
      continue;
    }
    if (comma !== undefined && (character === '}' || character === ']'))
      return { offset: comma, problem: `a comma before '${character}' (JSON allows no trailing comma)` };
    comma = undefined;
    switch (expected) {
      case 'value':
      case 'first-value': {
        if (character === '{' || character === '[') {
          closers.push(character === '{' ? '}' : ']');
          expected = character === '{' ? 'first-key' : 'first-value';
          index++;
          continue;
        }
        if (character === '"') {
          const end = scanString(text, index);
          if (typeof end !== 'number') return end;
          index = end;
        } else if (character === '-' || (character >= '0' && character <= '9')) {
          const number = matchAt(NUMBER, text, index);
          if (number === undefined) return { offset: index, problem: 'a number is malformed' };
          index += number.length;
          const next = text[index];
          if (next !== undefined && /[0-9.eE]/.test(next))
            return {
              offset: index,
              problem: 'a number is malformed (leading zeros, or no digit after . or e)',
            };
        } else {
          const word = matchAt(WORD, text, index);
          if (word !== 'true' && word !== 'false' && word !== 'null') {
            const hint = character === "'" ? ' (JSON strings take double quotes)' : '';
            return { offset: index, problem: `expected a value, found ${shown(text, index)}${hint}` };
          }
          index += word.length;
        }
        expected = 'after-value';
        continue;
      }
      case 'key':
      case 'first-key': {
        if (character !== '"') {
          return {
            offset: index,
            problem: `expected a property name in double quotes, found ${shown(text, index)}`,
          };
        }
        const end = scanString(text, index);
        if (typeof end !== 'number') return end;
        index = end;
        expected = 'colon';
        continue;
      }
      case 'colon':
        if (character !== ':')
          return {
            offset: index,
            problem: `expected ':' after the property name, found ${shown(text, index)}`,
          };
        index++;
        expected = 'value';
        continue;
      case 'after-value':
        if (close === undefined)
          return { offset: index, problem: `unexpected ${shown(text, index)} after the JSON value` };
        if (character !== ',')
          return { offset: index, problem: `expected ',' or '${close}', found ${shown(text, index)}` };
        comma = index++;
        expected = close === '}' ? 'key' : 'value';
        continue;
    }
  }
}
