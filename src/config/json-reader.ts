/**
 * Reads JSON as PingGateway reads its configuration files: Jackson with ALLOW_COMMENTS,
 * ALLOW_SINGLE_QUOTES and ALLOW_UNQUOTED_CONTROL_CHARS, reading one value and ignoring what follows
 * it. So on top of JSON: `//` and `/* … *\/` comments wherever white space may be, strings (names
 * too) in single quotes, `\'` as an escape, control characters such as tabs and line breaks as
 * they are inside strings, and anything after the value (reported, as Tollgate warns of it).
 * parse.ts calls this only once JSON.parse has refused a text, so a strict file costs nothing more.
 * For a text it refuses it gives the offset of the first character that cannot be where it is,
 * and why, in words, the same on every Node version. One pass, without recursion: linear in the
 * text, and no deeper than `maxDepth` (the file's pointer there, as checkStructure gives it).
 */

export interface JsonSyntaxError {
  /** Offset of the first character that cannot be where it is (the text's length at its end). */
  readonly offset: number;
  readonly problem: string;
}

export type JsonReading =
  | {
      readonly value: unknown;
      /** Offset of the first character after the value that is neither white space nor a comment. */
      readonly trailingAt: number | undefined;
    }
  | { readonly error: JsonSyntaxError }
  | { readonly tooDeep: readonly string[] };

type Expected = 'value' | 'first-value' | 'key' | 'first-key' | 'colon' | 'after-value';

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "'": "'",
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};
const WORD = /[A-Za-z0-9_$]+/y;

function isWhitespace(character: string | undefined): boolean {
  return character === ' ' || character === '\t' || character === '\n' || character === '\r';
}

function isDigit(character: string | undefined): boolean {
  return character !== undefined && character >= '0' && character <= '9';
}

function isHex(character: string | undefined): boolean {
  return character !== undefined && /^[0-9a-fA-F]$/.test(character);
}

function wordAt(text: string, offset: number): string | undefined {
  WORD.lastIndex = offset;
  return WORD.exec(text)?.[0];
}

function shown(text: string, offset: number): string {
  const word = wordAt(text, offset);
  if (word !== undefined) return `"${word.length > 20 ? `${word.slice(0, 20)}…` : word}"`;
  const character = text[offset]!;
  return character === "'" ? `"'"` : `'${character}'`;
}

/** The offset after the white space and comments at `offset`, or the error of a broken comment. */
function skipSpace(text: string, offset: number): number | JsonSyntaxError {
  let index = offset;
  for (;;) {
    while (isWhitespace(text[index])) index++;
    if (text[index] !== '/') return index;
    const next = text[index + 1];
    if (next === '/') {
      index += 2;
      while (index < text.length && text[index] !== '\n' && text[index] !== '\r') index++;
    } else if (next === '*') {
      const end = text.indexOf('*/', index + 2);
      if (end === -1) return { offset: index, problem: 'a comment that is never closed (/* needs */)' };
      index = end + 2;
    } else {
      return { offset: index, problem: "a '/' outside a string must start a comment, // or /*" };
    }
  }
}

/** Where content that is not white space or a comment starts after the value ending at `offset`. */
function trailingAt(text: string, offset: number): number | undefined {
  const after = skipSpace(text, offset);
  const rest = typeof after === 'number' ? after : after.offset;
  return rest < text.length ? rest : undefined;
}

/** The string that starts at `offset` (its opening quote) and the offset after it, or its error. */
function readString(text: string, offset: number): { value: string; end: number } | JsonSyntaxError {
  const quote = text[offset]!;
  let value = '';
  let runStart = offset + 1;
  for (let index = offset + 1; index < text.length; index++) {
    const character = text[index]!;
    if (character === quote) return { value: value + text.slice(runStart, index), end: index + 1 };
    if (character !== '\\') continue;
    value += text.slice(runStart, index);
    const escaped = text[index + 1];
    if (escaped === 'u') {
      const digits = text.slice(index + 2, index + 6);
      if (digits.length < 4 || ![...digits].every(isHex))
        return { offset: index, problem: 'a \\u escape needs four hexadecimal digits' };
      value += String.fromCharCode(parseInt(digits, 16));
      index += 5;
    } else if (escaped !== undefined && Object.hasOwn(ESCAPES, escaped)) {
      value += ESCAPES[escaped]!;
      index++;
    } else {
      return { offset: index, problem: 'a backslash in a string must start an escape such as \\n or \\\\' };
    }
    runStart = index + 1;
  }
  return { offset, problem: 'a string that is never closed' };
}

/** The end of the number that starts at `offset`, or its error; the longest JSON number there. */
function readNumber(text: string, offset: number): number | JsonSyntaxError {
  let index = offset;
  if (text[index] === '-') index++;
  if (text[index] === '0') index++;
  else if (isDigit(text[index])) while (isDigit(text[index])) index++;
  else return { offset, problem: 'a number is malformed' };
  if (text[index] === '.' && isDigit(text[index + 1])) {
    index++;
    while (isDigit(text[index])) index++;
  }
  if (text[index] === 'e' || text[index] === 'E') {
    const sign = text[index + 1] === '+' || text[index + 1] === '-' ? 1 : 0;
    if (isDigit(text[index + 1 + sign])) {
      index += 1 + sign;
      while (isDigit(text[index])) index++;
    }
  }
  const next = text[index];
  if (isDigit(next) || next === '.' || next === 'e' || next === 'E')
    return { offset: index, problem: 'a number is malformed (leading zeros, or no digit after . or e)' };
  return index;
}

/** Sets a member as JSON.parse does: `__proto__` is a key like any other, the last duplicate wins. */
function setMember(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  else object[key] = value;
}

interface Frame {
  readonly container: Record<string, unknown> | unknown[];
  /** The key or index this container sits at in its parent; undefined for the root. */
  readonly token: string | undefined;
  /** The key whose value is read next, in an object. */
  key: string;
}

export function readJson(text: string, maxDepth: number): JsonReading {
  const frames: Frame[] = [];
  let expected: Expected = 'value';
  /** The offset of the comma just passed, if the last thing passed was one. */
  let comma: number | undefined;
  let index = 0;
  let root: unknown;
  /** Puts a finished value where it belongs: the root, the next item, or the current key's value. */
  const place = (value: unknown): void => {
    const frame = frames[frames.length - 1];
    if (frame === undefined) root = value;
    else if (Array.isArray(frame.container)) frame.container.push(value);
    else setMember(frame.container, frame.key, value);
  };
  for (;;) {
    const skipped = skipSpace(text, index);
    if (typeof skipped !== 'number') return { error: skipped };
    index = skipped;
    if (index >= text.length) {
      if (frames.length === 0)
        return { error: { offset: index, problem: 'the file is empty (a JSON file holds one value)' } };
      const open = ` (${frames.length} bracket${frames.length > 1 ? 's' : ''} still open)`;
      return { error: { offset: index, problem: `the file ends before its JSON value does${open}` } };
    }
    const character = text[index]!;
    const frame = frames[frames.length - 1];
    const close = frame === undefined ? undefined : Array.isArray(frame.container) ? ']' : '}';
    if (
      character === close &&
      (expected === 'first-value' || expected === 'first-key' || expected === 'after-value')
    ) {
      frames.pop();
      index++;
      expected = 'after-value';
      if (frames.length === 0) return { value: root, trailingAt: trailingAt(text, index) };
      continue;
    }
    if (comma !== undefined && (character === '}' || character === ']'))
      return {
        error: { offset: comma, problem: `a comma before '${character}' (JSON allows no trailing comma)` },
      };
    comma = undefined;
    switch (expected) {
      case 'value':
      case 'first-value': {
        if (character === '{' || character === '[') {
          const token =
            frame === undefined
              ? undefined
              : Array.isArray(frame.container)
                ? String(frame.container.length)
                : frame.key;
          if (frames.length >= maxDepth) {
            const tokens = [...frames.map((open) => open.token), token];
            return { tooDeep: tokens.filter((each): each is string => each !== undefined) };
          }
          const container = character === '{' ? {} : [];
          place(container);
          frames.push({ container, token, key: '' });
          expected = character === '{' ? 'first-key' : 'first-value';
          index++;
          continue;
        }
        if (character === '"' || character === "'") {
          const read = readString(text, index);
          if ('problem' in read) return { error: read };
          place(read.value);
          index = read.end;
        } else if (character === '-' || isDigit(character)) {
          const end = readNumber(text, index);
          if (typeof end !== 'number') return { error: end };
          place(Number(text.slice(index, end)));
          index = end;
        } else {
          const word = wordAt(text, index);
          if (word !== 'true' && word !== 'false' && word !== 'null')
            return { error: { offset: index, problem: `expected a value, found ${shown(text, index)}` } };
          place(word === 'null' ? null : word === 'true');
          index += word.length;
        }
        expected = 'after-value';
        if (frames.length === 0) return { value: root, trailingAt: trailingAt(text, index) };
        continue;
      }
      case 'key':
      case 'first-key': {
        if (character !== '"' && character !== "'") {
          return {
            error: {
              offset: index,
              problem: `expected a property name in quotes, found ${shown(text, index)}`,
            },
          };
        }
        const read = readString(text, index);
        if ('problem' in read) return { error: read };
        frame!.key = read.value;
        index = read.end;
        expected = 'colon';
        continue;
      }
      case 'colon':
        if (character !== ':')
          return {
            error: {
              offset: index,
              problem: `expected ':' after the property name, found ${shown(text, index)}`,
            },
          };
        index++;
        expected = 'value';
        continue;
      case 'after-value':
        if (character !== ',')
          return {
            error: { offset: index, problem: `expected ',' or '${close}', found ${shown(text, index)}` },
          };
        comma = index++;
        expected = close === '}' ? 'key' : 'value';
        continue;
    }
  }
}
