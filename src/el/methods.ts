import { elGet, isElReadable } from './host.js';
import {
  BLOCKED_KEYS,
  evaluationError,
  isEmpty,
  isPlainObject,
  javaTrim,
  strictEquals,
  toElString,
  toInteger,
  typeName,
} from './coerce.js';
import { compileAtRunTime, javaReplace, javaSplit, matchesWhole, type JavaPattern } from './regex.js';

/**
 * The methods an expression may call on a value: a fixed list, implemented here with Java's
 * semantics, never looked up on the object. `${request.uri.path.startsWith('/api')}` works;
 * `${x.constructor}` or `${x.anything()}` does not.
 */

/** Gives the pattern argument of a regex method: compiled once when it was a literal. */
type PatternOf = (value: unknown) => JavaPattern;

type Method<T> = (target: T, args: readonly unknown[], patternOf: PatternOf) => unknown;

interface MethodEntry<T> {
  /** Accepted argument counts. */
  readonly arities: readonly number[];
  readonly run: Method<T>;
}

function entry<T>(arities: readonly number[], run: Method<T>): MethodEntry<T> {
  return { arities, run };
}

/** String arguments coerce as EL coerces method parameters: null becomes ''. */
const str = toElString;

function checkIndex(index: number, size: number): number {
  if (index < 0 || index > size) throw evaluationError('a string index is out of range');
  return index;
}

const STRING_METHODS: ReadonlyMap<string, MethodEntry<string>> = new Map([
  ['length', entry<string>([0], (s) => s.length)],
  ['isEmpty', entry<string>([0], (s) => s.length === 0)],
  [
    'substring',
    entry<string>([1, 2], (s, [begin, end]) => {
      const from = checkIndex(toInteger(begin), s.length);
      const to = end === undefined ? s.length : checkIndex(toInteger(end), s.length);
      if (from > to) throw evaluationError('a substring ends before it begins');
      return s.slice(from, to);
    }),
  ],
  [
    'startsWith',
    entry<string>([1, 2], (s, [prefix, offset]) => {
      const at = offset === undefined ? 0 : toInteger(offset);
      return at >= 0 && at <= s.length && s.startsWith(str(prefix), at);
    }),
  ],
  ['endsWith', entry<string>([1], (s, [suffix]) => s.endsWith(str(suffix)))],
  ['contains', entry<string>([1], (s, [part]) => s.includes(str(part)))],
  [
    'indexOf',
    entry<string>([1, 2], (s, [part, from]) =>
      s.indexOf(str(part), from === undefined ? 0 : toInteger(from)),
    ),
  ],
  [
    'lastIndexOf',
    entry<string>([1, 2], (s, [part, from]) => {
      if (from === undefined) return s.lastIndexOf(str(part));
      const at = toInteger(from);
      return at < 0 ? -1 : s.lastIndexOf(str(part), at);
    }),
  ],
  ['concat', entry<string>([1], (s, [other]) => s + str(other))],
  // Java's replace(CharSequence, CharSequence) is literal and replaces every occurrence.
  [
    'replace',
    entry<string>([2], (s, [target, replacement]) => s.replaceAll(str(target), () => str(replacement))),
  ],
  [
    'replaceAll',
    entry<string>([2], (s, [pattern, replacement], patternOf) =>
      javaReplace(patternOf(pattern), s, str(replacement), true),
    ),
  ],
  [
    'replaceFirst',
    entry<string>([2], (s, [pattern, replacement], patternOf) =>
      javaReplace(patternOf(pattern), s, str(replacement), false),
    ),
  ],
  [
    'split',
    entry<string>([1, 2], (s, [pattern, limit], patternOf) =>
      javaSplit(patternOf(pattern), s, limit === undefined ? 0 : toInteger(limit)),
    ),
  ],
  ['matches', entry<string>([1], (s, [pattern], patternOf) => matchesWhole(patternOf(pattern), s))],
  ['toLowerCase', entry<string>([0], (s) => s.toLowerCase())],
  ['toUpperCase', entry<string>([0], (s) => s.toUpperCase())],
  ['trim', entry<string>([0], (s) => javaTrim(s))],
  ['equals', entry<string>([1], (s, [other]) => typeof other === 'string' && other === s)],
  [
    'equalsIgnoreCase',
    entry<string>(
      [1],
      (s, [other]) =>
        typeof other === 'string' &&
        other.length === s.length &&
        (other.toUpperCase() === s.toUpperCase() || other.toLowerCase() === s.toLowerCase()),
    ),
  ],
]);

/** The methods of a regex-taking string method whose first argument is the pattern. */
export const PATTERN_METHODS: ReadonlySet<string> = new Set([
  'replaceAll',
  'replaceFirst',
  'split',
  'matches',
]);

const LIST_METHODS: ReadonlyMap<string, MethodEntry<readonly unknown[]>> = new Map([
  ['size', entry<readonly unknown[]>([0], (list) => list.length)],
  ['isEmpty', entry<readonly unknown[]>([0], (list) => list.length === 0)],
  ['contains', entry<readonly unknown[]>([1], (list, [item]) => list.some((e) => strictEquals(e, item)))],
  ['indexOf', entry<readonly unknown[]>([1], (list, [item]) => list.findIndex((e) => strictEquals(e, item)))],
  [
    'get',
    entry<readonly unknown[]>([1], (list, [index]) => {
      const i = toInteger(index);
      if (i < 0 || i >= list.length || !Object.hasOwn(list, i))
        throw evaluationError('a list index is out of range');
      return list[i];
    }),
  ],
]);

type MapLike = Readonly<Record<string, unknown>>;

function mapGet(map: MapLike, key: unknown): unknown {
  const name = toElString(key);
  return !BLOCKED_KEYS.has(name) && Object.hasOwn(map, name) ? map[name] : null;
}

const MAP_METHODS: ReadonlyMap<string, MethodEntry<MapLike>> = new Map([
  ['size', entry<MapLike>([0], (map) => Object.keys(map).length)],
  ['isEmpty', entry<MapLike>([0], (map) => isEmpty(map))],
  ['get', entry<MapLike>([1], (map, [key]) => mapGet(map, key))],
  // As Map.containsKey: a key mapped to null is present.
  [
    'containsKey',
    entry<MapLike>([1], (map, [key]) => {
      const name = toElString(key);
      return !BLOCKED_KEYS.has(name) && Object.hasOwn(map, name);
    }),
  ],
]);

/** Objects that implement the elGet protocol (headers, the request…) answer get/containsKey through it. */
const READABLE_METHODS: ReadonlyMap<string, MethodEntry<{ [elGet](name: string): unknown }>> = new Map([
  ['get', entry<{ [elGet](name: string): unknown }>([1], (o, [key]) => readThrough(o, key))],
  ['containsKey', entry<{ [elGet](name: string): unknown }>([1], (o, [key]) => readThrough(o, key) != null)],
]);

function readThrough(object: { [elGet](name: string): unknown }, key: unknown): unknown {
  const name = toElString(key);
  return BLOCKED_KEYS.has(name) ? null : object[elGet](name);
}

/** Methods every value has. */
const ANY_METHODS: ReadonlyMap<string, MethodEntry<unknown>> = new Map([
  ['toString', entry<unknown>([0], (value) => toElString(value))],
  ['equals', entry<unknown>([1], (value, [other]) => strictEquals(value, other))],
]);

export type BoundMethod = (target: unknown, args: readonly unknown[]) => unknown;

/**
 * The method `name` ready to call on whatever the target turns out to be. `literalPattern` is
 * the pattern argument when the call site wrote it as a string literal (compiled once, here).
 */
export function bindMethod(name: string, literalPattern: JavaPattern | undefined): BoundMethod {
  // A computed pattern is usually the same from one evaluation to the next: the call site keeps
  // the last one it compiled.
  let computed: JavaPattern | undefined;
  const patternOf: PatternOf = (value) => {
    if (literalPattern !== undefined) return literalPattern;
    const text = toElString(value);
    if (computed?.pattern !== text) computed = compileAtRunTime(text);
    return computed;
  };
  const forString = STRING_METHODS.get(name);
  const forList = LIST_METHODS.get(name);
  const forMap = MAP_METHODS.get(name);
  const forReadable = READABLE_METHODS.get(name);
  const forAny = ANY_METHODS.get(name);
  return (target, args) => {
    if (target === null || target === undefined) throw evaluationError(`cannot call ${name}() on null`);
    let found: MethodEntry<never> | undefined;
    if (typeof target === 'string') found = forString;
    else if (Array.isArray(target)) found = forList;
    else if (isPlainObject(target)) found = forMap;
    else if (isElReadable(target)) found = forReadable;
    found ??= forAny;
    if (found === undefined || !found.arities.includes(args.length)) {
      throw evaluationError(
        `a ${typeName(target)} has no method ${name}() taking ${args.length} argument(s)`,
      );
    }
    return (found.run as Method<unknown>)(target, args, patternOf);
  };
}
