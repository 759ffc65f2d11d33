import { extname } from 'node:path';
import { isScalar, parseDocument, visit, type Document } from 'yaml';
import { childPointer, configError, type Place, TollgateError } from '../errors/tollgate-error.js';
import { readJson } from './json-reader.js';
import type { ConfigLimits } from './limits.js';
import { describePosition, positionAt } from './text-position.js';

/**
 * Turns the text of a configuration file into plain JSON data, within the limits: JSON or YAML by
 * the file's extension, then one pass over the result for depth, cycles, non-JSON values and the
 * counts the builder pays for. Runs in the loader's worker thread (file-reader.ts), so it may take
 * its time; what it returns is bounded.
 */

/** A parse error at an offset of the text: the words, then the line and column, with the excerpt. */
function syntaxError(text: string, offset: number, problem: string, place: Place): TollgateError {
  // No cause: the parsers' own messages are what this replaces, and span lines.
  const source = positionAt(text, offset);
  return new TollgateError('TG_CONFIG_PARSE', `${problem} at ${describePosition(source)}`, { place, source });
}

/**
 * JSON.parse first, as nearly every file is strict JSON; only a text it refuses is read again as
 * PingGateway reads it (json-reader.ts), which accepts more or says where the text goes wrong.
 */
function parseJson(
  text: string,
  place: Place,
  limits: ConfigLimits,
  warn: (warning: TollgateError) => void,
): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
  }
  const reading = readJson(text, limits.maxDepth);
  if ('error' in reading) throw syntaxError(text, reading.error.offset, reading.error.problem, place);
  if ('tooDeep' in reading) {
    const pointer = reading.tooDeep.reduce<string>(childPointer, place.pointer);
    throw configError(
      'TG_CONFIG_LIMIT',
      { file: place.file, pointer },
      `the file is nested deeper than ${limits.maxDepth} levels`,
    );
  }
  if (reading.trailingAt !== undefined) {
    const source = positionAt(text, reading.trailingAt);
    warn(
      new TollgateError(
        'TG_CONFIG_TRAILING_CONTENT',
        `the text after the JSON value is ignored, from ${describePosition(source)}`,
        { place, source },
      ),
    );
  }
  return reading.value;
}

/**
 * Checks what the YAML library would otherwise check too slowly or too late: duplicate keys (its
 * own check is quadratic in the keys of a map), keys that are collections, and aliases with no
 * anchor before them.
 */
function checkYamlDocument(document: Document, text: string, place: Place): void {
  const fail = (range: readonly number[] | null | undefined, problem: string): TollgateError =>
    range ? syntaxError(text, range[0]!, problem, place) : configError('TG_CONFIG_PARSE', place, problem);
  visit(document, {
    Map(_key, map) {
      const seen = new Set<string>();
      for (const { key } of map.items) {
        if (isScalar(key)) {
          const name = String(key.value);
          if (seen.has(name)) throw fail(key.range, `duplicate key "${name}"`);
          seen.add(name);
        } else if (key !== null) {
          throw fail((key as { range?: readonly number[] }).range, 'a key must be a plain value');
        }
      }
    },
    Alias(_key, alias) {
      if (alias.resolve(document) === undefined)
        throw fail(alias.range, `the alias *${alias.source} has no anchor &${alias.source} before it`);
    },
  });
}

function parseYaml(text: string, place: Place, limits: ConfigLimits): unknown {
  // The library's own "pretty" message appends a code frame over several lines; the excerpt is ours.
  const document = parseDocument(text, { uniqueKeys: false, prettyErrors: false });
  const problem = document.errors[0];
  if (problem) throw syntaxError(text, problem.pos[0], problem.message, place);
  checkYamlDocument(document, text, place);
  try {
    return document.toJS({ maxAliasCount: limits.maxYamlAliases });
  } catch (error) {
    // The library's only other refusal: aliases that expand past maxAliasCount.
    throw configError(
      'TG_CONFIG_LIMIT',
      place,
      `the aliases expand too much (at most ${limits.maxYamlAliases} alias resolutions per file)`,
      error,
    );
  }
}

/**
 * Parses JSON or YAML text by the file's extension; a syntax error carries the line, the column
 * and an excerpt of the line. What the file may hold but should not (text after its JSON value)
 * goes to `warn`, and the file is read.
 */
export function parseConfigText(
  text: string,
  file: string,
  limits: ConfigLimits,
  warn: (warning: TollgateError) => void = () => undefined,
): unknown {
  const place: Place = { file, pointer: '' };
  try {
    const value =
      extname(file).toLowerCase() === '.json'
        ? parseJson(text, place, limits, warn)
        : parseYaml(text, place, limits);
    checkStructure(value, place, limits);
    return value;
  } catch (error) {
    if (error instanceof TollgateError) throw error;
    // A parser's own recursion is the only way to exhaust the stack on a file this size.
    if (error instanceof RangeError)
      throw configError('TG_CONFIG_LIMIT', place, 'the file is nested too deeply to parse', error);
    throw error;
  }
}

function isPlainObject(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function describe(value: unknown): string {
  if (typeof value === 'object' && value !== null) return value.constructor?.name ?? 'object';
  return typeof value;
}

const EXPRESSION_START = /[$#]\{/;

/**
 * One walk over the parsed value, without recursion (the value may be as deep as its parser
 * allowed): depth, cycles (a YAML alias inside its own anchor), values that are not JSON (YAML's
 * !!binary, say), and the number of heap objects and expressions.
 */
export function checkStructure(value: unknown, place: Place, limits: ConfigLimits): void {
  interface Frame {
    readonly container: object;
    readonly keys: readonly string[] | undefined;
    /** The key or index this container sits at in its parent; undefined for the root. */
    readonly token: string | undefined;
    index: number;
  }
  const frames: Frame[] = [];
  const open = new Set<object>();
  let objects = 0;
  let expressions = 0;
  const fail = (code: 'TG_CONFIG_LIMIT' | 'TG_CONFIG_PARSE', token: string | undefined, detail: string) => {
    let pointer = place.pointer;
    for (const frame of frames) if (frame.token !== undefined) pointer = childPointer(pointer, frame.token);
    if (token !== undefined) pointer = childPointer(pointer, token);
    return configError(code, { file: place.file, pointer }, detail);
  };
  const enter = (item: unknown, token: string | undefined): void => {
    if (typeof item === 'string') {
      if (EXPRESSION_START.test(item)) {
        if (++expressions > limits.maxExpressions)
          throw fail(
            'TG_CONFIG_LIMIT',
            token,
            `the file holds more than ${limits.maxExpressions} expressions`,
          );
        if (item.length > limits.maxExpressionLength) {
          throw fail(
            'TG_CONFIG_LIMIT',
            token,
            `an expression is longer than ${limits.maxExpressionLength} characters`,
          );
        }
      }
      return;
    }
    if (item === null || typeof item === 'number' || typeof item === 'boolean') return;
    if (typeof item !== 'object' || !(Array.isArray(item) || isPlainObject(item)))
      throw fail('TG_CONFIG_PARSE', token, `a ${describe(item)} value is not JSON data`);
    if (open.has(item)) throw fail('TG_CONFIG_LIMIT', token, 'an alias refers to a value that contains it');
    if (frames.length >= limits.maxDepth)
      throw fail('TG_CONFIG_LIMIT', token, `the file is nested deeper than ${limits.maxDepth} levels`);
    const keys = Array.isArray(item) ? undefined : Object.keys(item);
    if (keys !== undefined && typeof (item as { type?: unknown }).type === 'string') {
      if (++objects > limits.maxObjects)
        throw fail('TG_CONFIG_LIMIT', token, `the file declares more than ${limits.maxObjects} objects`);
    }
    open.add(item);
    frames.push({ container: item, keys, token, index: 0 });
  };

  enter(value, undefined);
  while (frames.length > 0) {
    const frame = frames[frames.length - 1]!;
    const { container, keys } = frame;
    if (frame.index >= (keys ?? (container as unknown[])).length) {
      frames.pop();
      open.delete(container);
      continue;
    }
    const index = frame.index++;
    if (keys === undefined) enter((container as unknown[])[index], String(index));
    else enter((container as Record<string, unknown>)[keys[index]!], keys[index]!);
  }
}
