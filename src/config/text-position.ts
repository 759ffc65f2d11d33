import type { SourcePosition } from '../errors/tollgate-error.js';

/**
 * The line, column and excerpt of a character offset in a file's text, for errors that point into
 * the text rather than at a parsed value. The excerpt is one line, so a log line or the CLI's
 * line for an error stays whole; a long line (minified JSON) is cut to the part around the column.
 */

const EXCERPT_WIDTH = 80;
/** Characters kept before the column when a long line is cut, so the excerpt shows what led up to it. */
const EXCERPT_BEFORE = 50;

export function positionAt(text: string, offset: number): SourcePosition {
  let at = Math.max(0, Math.min(offset, text.length));
  // An error at the end of the file is shown after its last character, not on the empty line below.
  if (text.slice(at).trim() === '') at = text.trimEnd().length;
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  let lineEnd = text.indexOf('\n', at);
  if (lineEnd === -1) lineEnd = text.length;
  let line = 1;
  for (let index = text.indexOf('\n'); index !== -1 && index < at; index = text.indexOf('\n', index + 1))
    line++;
  const column = at - lineStart + 1;
  // A tab becomes one space, as any other control character, so the caret's count is the column's.
  const whole = text
    .slice(lineStart, lineEnd)
    .replace(/\r$/, '')
    .split('')
    .map((character) => (character < ' ' || character === '\x7f' ? ' ' : character))
    .join('');
  if (whole.length <= EXCERPT_WIDTH) return { line, column, excerpt: whole, caret: column };
  const start = Math.max(0, Math.min(column - 1 - EXCERPT_BEFORE, whole.length - EXCERPT_WIDTH));
  const end = start + EXCERPT_WIDTH;
  const head = start > 0 ? '…' : '';
  const tail = end < whole.length ? '…' : '';
  return {
    line,
    column,
    excerpt: `${head}${whole.slice(start, end)}${tail}`,
    caret: column - start + head.length,
  };
}

/** `line 4, column 9`, as error details say it. */
export function describePosition(position: SourcePosition): string {
  return `line ${position.line}, column ${position.column}`;
}
