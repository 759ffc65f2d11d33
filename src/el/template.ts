import { configError, TollgateError, type Place } from '../errors/tollgate-error.js';
import type { CompiledCondition, CompiledLValue, CompiledTemplate, CompileOptions } from './api.js';
import { childrenOf, type Node } from './ast.js';
import { toElString } from './coerce.js';
import { compileAssignment, compileNode, type Evaluator } from './evaluator.js';
import type { ElReadable } from './host.js';
import { ElSyntaxError } from './lexer.js';
import { parseEmbedded } from './parser.js';

/**
 * Config strings with `${…}` and `#{…}` parts, split and compiled once. Text outside the
 * expressions follows JUEL: a backslash before `${` or `#{` makes it literal text (and is dropped;
 * in a run of backslashes only the last one is), every other backslash is kept as written.
 */

function describeSource(source: string): string {
  return JSON.stringify(source.length > 200 ? `${source.slice(0, 200)}…` : source);
}

function badExpression(error: ElSyntaxError, source: string, place: Place): TollgateError {
  return configError(
    error.code,
    place,
    `${error.message} at column ${error.index + 1} of ${describeSource(source)}`,
  );
}

/** Splits the source into literal text and expression trees. Throws ElSyntaxError. */
function split(source: string): (string | Node)[] {
  const parts: (string | Node)[] = [];
  let text = '';
  let index = 0;
  const opens = (at: number): boolean => (source[at] === '$' || source[at] === '#') && source[at + 1] === '{';
  while (index < source.length) {
    const next = nextSpecial(source, index);
    text += source.slice(index, next);
    index = next;
    if (index >= source.length) break;
    if (source[index] === '\\') {
      let end = index;
      while (source[end] === '\\') end++;
      if (opens(end)) {
        text += `${'\\'.repeat(end - index - 1)}${source[end]}{`;
        index = end + 2;
      } else {
        text += source.slice(index, end);
        index = end;
      }
    } else if (opens(index)) {
      if (text !== '') parts.push(text);
      text = '';
      const { node, end } = parseEmbedded(source, index + 2);
      parts.push(node);
      index = end;
    } else {
      text += source[index];
      index++;
    }
  }
  if (text !== '') parts.push(text);
  return parts;
}

/** Where the next character that can start an escape or an expression is (`\`, `$`, `#`). */
function nextSpecial(source: string, from: number): number {
  for (let index = from; index < source.length; index++) {
    const code = source.charCodeAt(index);
    if (code === 0x5c || code === 0x24 || code === 0x23) return index;
  }
  return source.length;
}

interface EntityReads {
  request: boolean;
  response: boolean;
}

/**
 * Whether evaluating could read `request.entity` / `response.entity`, so the caller buffers the
 * body first. A dynamic key on request/response, or the bare object handed to a function, counts
 * as a read: being wrong the other way would block on an unread stream.
 */
function findEntityReads(nodes: readonly Node[]): EntityReads {
  const reads: EntityReads = { request: false, response: false };
  const visit = (node: Node): void => {
    if (node.kind === 'member' && node.object.kind === 'identifier') {
      const root = node.object.name;
      if (root === 'request' || root === 'response') {
        const property = node.property;
        if (property.kind !== 'literal' || property.value === 'entity') reads[root] = true;
        visit(property);
        return;
      }
    }
    if (node.kind === 'identifier' && (node.name === 'request' || node.name === 'response')) {
      reads[node.name] = true;
    }
    for (const child of childrenOf(node)) visit(child);
  };
  for (const node of nodes) visit(node);
  return reads;
}

/** Runs one evaluation; any failure is reported with the expression's place and gives `fallback`. */
function guarded<T>(options: CompileOptions, source: string, run: () => T, fallback: T): T {
  try {
    return run();
  } catch (error) {
    options.onError?.(toEvaluationError(error, source, options.place));
    return fallback;
  }
}

function toEvaluationError(error: unknown, source: string, place: Place): TollgateError {
  let detail: string;
  let cause: unknown = error;
  if (error instanceof TollgateError && error.code === 'TG_EL_EVALUATION') {
    detail = error.detail ?? error.message;
    cause = error.cause;
  } else if (error instanceof TollgateError) {
    detail = `${error.code}: ${error.detail ?? error.message}`;
  } else if (error instanceof RangeError) {
    detail = 'the evaluation ran too deep';
  } else {
    detail = error instanceof Error ? error.message : String(error);
  }
  return new TollgateError('TG_EL_EVALUATION', `${detail} in ${describeSource(source)}`, { place, cause });
}

interface Compiled {
  readonly parts: readonly (string | Evaluator)[];
  readonly reads: EntityReads;
}

function compileParts(source: string, options: CompileOptions): Compiled {
  const { functions, globals } = options;
  try {
    const pieces = split(source);
    const nodes = pieces.filter((part): part is Node => typeof part !== 'string');
    const parts = pieces.map((part) =>
      typeof part === 'string' ? part : compileNode(part, functions, globals),
    );
    return { parts, reads: findEntityReads(nodes) };
  } catch (error) {
    if (error instanceof ElSyntaxError) throw badExpression(error, source, options.place);
    throw error;
  }
}

/**
 * Compiles a config string. Parse errors, unknown functions and bad regex literals throw a
 * TollgateError (TG_CONFIG_BAD_EXPRESSION / TG_CONFIG_BAD_REGEX / TG_CONFIG_BAD_VALUE) with the
 * column in its detail.
 */
export function compileTemplate(source: string, options: CompileOptions): CompiledTemplate {
  return buildTemplate(source, compileParts(source, options), options);
}

function buildTemplate(
  source: string,
  { parts, reads }: Compiled,
  options: CompileOptions,
): CompiledTemplate {
  const base = { source, readsRequestEntity: reads.request, readsResponseEntity: reads.response };
  const [first] = parts;
  if (parts.length === 0 || (parts.length === 1 && typeof first === 'string')) {
    const text = first ?? '';
    return Object.freeze({ ...base, constant: true, evaluate: () => text });
  }
  if (parts.length === 1 && typeof first === 'function') {
    return Object.freeze({
      ...base,
      constant: false,
      evaluate: (scope: ElReadable) => guarded(options, source, () => first(scope), null),
    });
  }
  const concatenate = (scope: ElReadable): string => {
    let text = '';
    for (const part of parts) text += typeof part === 'string' ? part : toElString(part(scope));
    return text;
  };
  return Object.freeze({
    ...base,
    constant: false,
    evaluate: (scope: ElReadable) => guarded<string | null>(options, source, () => concatenate(scope), null),
  });
}

/**
 * Compiles a condition: JSON true/false, the strings "true"/"false", or a string that is exactly
 * one expression. Anything else (plain text, text around an expression) could never be true, so
 * it is a config error rather than a route that silently never matches.
 */
export function compileCondition(source: string | boolean, options: CompileOptions): CompiledCondition {
  const fixed =
    source === true || source === 'true' ? true : source === false || source === 'false' ? false : null;
  if (fixed !== null) {
    return Object.freeze({
      source: String(source),
      readsRequestEntity: false,
      readsResponseEntity: false,
      test: () => fixed,
    });
  }
  const text = source as string;
  const compiled = compileParts(text, options);
  if (compiled.parts.length !== 1 || typeof compiled.parts[0] === 'string') {
    throw configError(
      'TG_CONFIG_BAD_EXPRESSION',
      options.place,
      `a condition must be true, false or one expression such as \${find(request.uri.path, '^/api')}, not ${describeSource(text)}`,
    );
  }
  const template = buildTemplate(text, compiled, options);
  return Object.freeze({
    source: text,
    readsRequestEntity: template.readsRequestEntity,
    readsResponseEntity: template.readsResponseEntity,
    test: (scope: ElReadable) => template.evaluate(scope) === true,
  });
}

/**
 * Compiles an assignment target: one expression naming a property. Writes to `__proto__`,
 * `constructor` and `prototype` are refused at every step, so no assignment reaches a prototype.
 */
export function compileLValue(source: string, options: CompileOptions): CompiledLValue {
  const { functions, globals } = options;
  let assign: (scope: ElReadable, value: unknown) => boolean;
  try {
    const parts = split(source);
    const [node] = parts;
    if (parts.length !== 1 || node === undefined || typeof node === 'string') {
      throw configError(
        'TG_CONFIG_BAD_EXPRESSION',
        options.place,
        `an assignment target must be one expression such as \${attributes.name}, not ${describeSource(source)}`,
      );
    }
    assign = compileAssignment(node, functions, globals);
  } catch (error) {
    if (error instanceof ElSyntaxError) throw badExpression(error, source, options.place);
    throw error;
  }
  return Object.freeze({
    source,
    assign: (scope: ElReadable, value: unknown) =>
      guarded(options, source, () => assign(scope, value), false),
  });
}
