import { errorCatalogue, type ErrorCode } from './catalogue.js';

/** Where a configuration value lives: the file and the JSON Pointer inside it. */
export interface Place {
  readonly file?: string;
  readonly pointer: string;
}

export function formatPlace(place: Place): string {
  return `${place.file ?? '<inline>'}#${place.pointer}`;
}

/** Appends one reference token to a JSON Pointer, escaping `~` and `/` as RFC 6901 requires. */
export function childPointer(pointer: string, token: string | number): string {
  const escaped = String(token).replaceAll('~', '~0').replaceAll('/', '~1');
  return `${pointer}/${escaped}`;
}

export function childPlace(place: Place, ...tokens: (string | number)[]): Place {
  let pointer = place.pointer;
  for (const token of tokens) pointer = childPointer(pointer, token);
  return { file: place.file, pointer };
}

/**
 * Where in a file's text a parse error lies: 1-based line and column, and that line of the file
 * (the part around the column when the line is long) with the column's place in it.
 */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
  /** One line of the file, without its line break; tabs shown as spaces so a caret lines up. */
  readonly excerpt: string;
  /** 1-based index in `excerpt` of the character at `column`. */
  readonly caret: number;
}

/**
 * The excerpt of a position as a code frame of two lines, the line and a caret under the column:
 *
 *     3 |   "b": }
 *       |        ^
 */
export function formatExcerpt(source: SourcePosition, indent = '    '): string {
  const number = String(source.line);
  const gutter = ' '.repeat(number.length);
  return `${`${indent}${number} | ${source.excerpt}`.trimEnd()}\n${indent}${gutter} | ${' '.repeat(source.caret - 1)}^`;
}

/** A detail on one line: log lines and the CLI's one line per error must not be split by it. */
function oneLine(detail: string): string {
  return detail.replace(/\s*[\r\n\u2028\u2029]+\s*/g, ' ');
}

/**
 * The one error class Tollgate throws on purpose. `detail` is for logs only; what a client may
 * see is decided by the catalogue entry's `expose` flag.
 */
export class TollgateError extends Error {
  readonly code: ErrorCode;
  readonly place: Place | undefined;
  readonly detail: string | undefined;
  /** For a file that does not parse: where its text goes wrong. */
  readonly source: SourcePosition | undefined;

  constructor(
    code: ErrorCode,
    detail?: string,
    options?: { place?: Place; cause?: unknown; source?: SourcePosition },
  ) {
    const line = detail === undefined ? undefined : oneLine(detail);
    const base = errorCatalogue[code].message;
    const where = options?.place ? ` at ${formatPlace(options.place)}` : '';
    super(`${code}${where}: ${line ?? base}`, { cause: options?.cause });
    this.name = 'TollgateError';
    this.code = code;
    this.place = options?.place;
    this.detail = line;
    this.source = options?.source;
  }

  get status(): number {
    return errorCatalogue[this.code].status;
  }

  /** The text a client may see: the catalogue message when exposable, otherwise nothing. */
  get publicMessage(): string | undefined {
    const entry = errorCatalogue[this.code];
    return entry.expose ? entry.message : undefined;
  }
}

/** Config errors are collected, not thrown one by one, so `tollgate validate` can list them all. */
export class ConfigErrors extends Error {
  readonly errors: readonly TollgateError[];

  constructor(errors: readonly TollgateError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'ConfigErrors';
    this.errors = errors;
  }
}

export function configError(code: ErrorCode, place: Place, detail?: string, cause?: unknown): TollgateError {
  return new TollgateError(code, detail, { place, cause });
}

/**
 * The coded errors of a failed load of `file`. An exception no code was given to — a bug, or a
 * library's own error — becomes one TG_CONFIG_BUILD_FAILED for the file, so a load always ends
 * in a report and never in an exception that escapes to the event loop.
 */
export function loadErrors(error: unknown, file: string): TollgateError[] {
  if (error instanceof ConfigErrors) return [...error.errors];
  if (error instanceof TollgateError) return [error];
  const detail = error instanceof RangeError ? 'the file is nested too deeply' : String(error);
  return [configError('TG_CONFIG_BUILD_FAILED', { file, pointer: '' }, detail, error)];
}

/**
 * Runs one step of a build, adding its coded errors to `errors` instead of throwing them, so that
 * the steps after it still report theirs; undefined when it failed. An error a step before gave
 * already (an object tried again by a later step) is not added twice. Other exceptions are thrown.
 */
export function collectErrors<T>(errors: TollgateError[], step: () => T): T | undefined {
  try {
    return step();
  } catch (error) {
    let found: readonly TollgateError[];
    if (error instanceof ConfigErrors) found = error.errors;
    else if (error instanceof TollgateError) found = [error];
    else throw error;
    // A message holds the code, the place and the detail.
    for (const e of found) if (!errors.some((known) => known.message === e.message)) errors.push(e);
    return undefined;
  }
}
