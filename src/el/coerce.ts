import { TollgateError } from '../errors/tollgate-error.js';
import { elGet, elKeys, elText, isElMap, isElText } from './host.js';

/**
 * EL's type coercions (JSR-245 §1.18) over JavaScript values. EL has Long and Double; here both
 * are `number`, so "is this a Double" is answered from the value (a non-integer, or a string
 * written with `.`, `e` or `E`), which is what EL itself looks at for strings.
 *
 * Error messages never quote the values involved: they go to logs, and values may be tokens.
 */

/** A run-time failure: the expression yields null and the error is reported with its place. */
export function evaluationError(detail: string): TollgateError {
  return new TollgateError('TG_EL_EVALUATION', detail);
}

/** Property names no expression may read or write, whatever the object. */
export const BLOCKED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** An object literal, a JSON object or an `Object.create(null)` map: the maps EL may look into. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** undefined, functions and symbols are not EL values: they read as null. */
export function normalize(value: unknown): unknown {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return null;
  return value;
}

export function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'list';
  if (value instanceof Uint8Array) return 'byte array';
  if (isPlainObject(value)) return 'map';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value;
}

const LONG = /^[+-]?\d+$/;
/**
 * Java's Double.valueOf syntax, decimal forms only, after Java's trim. The digits before and
 * after the point are told apart by the point itself, so a failing match backtracks one way
 * only: linear in the length of the (client-supplied) text.
 */
const DOUBLE = /^[+-]?(?:NaN|Infinity|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?[fFdD]?)$/;

/** True when EL would pick Double arithmetic for this operand. */
export function isDoubleLike(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isInteger(value);
  return typeof value === 'string' && /[.eE]/.test(value);
}

/** Java's String.trim: strips every code unit up to U+0020 at both ends. */
export function javaTrim(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) <= 0x20) start++;
  while (end > start && text.charCodeAt(end - 1) <= 0x20) end--;
  return text.slice(start, end);
}

/** Coerce to Number: null and '' are 0, strings parse as Long or Double, booleans are an error. */
export function toNumber(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (value === '') return 0;
    if (/[.eE]/.test(value)) {
      const trimmed = javaTrim(value);
      if (DOUBLE.test(trimmed)) return Number.parseFloat(trimmed.replace(/[fFdD]$/, ''));
    } else if (LONG.test(value)) {
      return Number(value);
    }
    throw evaluationError('a string that is not a number cannot be used as a number');
  }
  if (typeof value === 'bigint') return Number(value);
  throw evaluationError(`a ${typeName(value)} cannot be used as a number`);
}

/** Coerce to an integer, as EL does for list indexes and int parameters (Java's intValue truncates). */
export function toInteger(value: unknown): number {
  const number = toNumber(value);
  if (!Number.isFinite(number)) throw evaluationError('the number is not finite');
  return Math.trunc(number);
}

/** Coerce to Boolean: null and '' are false, a string is true only when it is "true" in any case. */
export function toBoolean(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.toLowerCase() === 'true';
  throw evaluationError(`a ${typeName(value)} cannot be used as a boolean`);
}

/** Coerce to String: null is '', everything else as Java's toString would show it. */
export function toElString(value: unknown): string {
  return value === null || value === undefined ? '' : javaString(value, 0);
}

/** Lists and maps nest; anything this deep is a cycle or a mistake. */
const MAX_STRING_DEPTH = 32;

function javaString(value: unknown, depth: number): string {
  if (depth > MAX_STRING_DEPTH) throw evaluationError('the value is nested too deeply to be shown');
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'undefined':
      return 'null';
    default:
      break;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map((item) => javaString(item, depth + 1)).join(', ')}]`;
  if (isPlainObject(value)) {
    const entries = Object.entries(value).map(([k, v]) => `${k}=${javaString(v, depth + 1)}`);
    return `{${entries.join(', ')}}`;
  }
  if (isElText(value)) return value[elText]();
  if (isElMap(value)) {
    const entries = value[elKeys]().map((name) => `${name}=${javaString(value[elGet](name), depth + 1)}`);
    return `{${entries.join(', ')}}`;
  }
  throw evaluationError(`a ${typeName(value)} cannot be converted to a string`);
}

/** Equality with Java's equals: same type and same content (lists and maps compared by content). */
export function strictEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => strictEquals(item, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => Object.hasOwn(b, key) && strictEquals(a[key], b[key]))
    );
  }
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b) === 0;
  if (isElText(a) && isElText(b)) return a[elText]() === b[elText]();
  return false;
}

/** EL's `==`: numbers win, then booleans, then strings, then equals(). */
export function elEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || a === undefined || b === null || b === undefined) return false;
  if (typeof a === 'number' || typeof b === 'number') return toNumber(a) === toNumber(b);
  if (typeof a === 'boolean' || typeof b === 'boolean') return toBoolean(a) === toBoolean(b);
  if (typeof a === 'string' || typeof b === 'string') return toElString(a) === toElString(b);
  return strictEquals(a, b);
}

export type RelationalOperator = '<' | '>' | '<=' | '>=';

/** EL's `<` `>` `<=` `>=`: numbers, else strings (UTF-16 order, like String.compareTo), else booleans. */
export function elCompare(operator: RelationalOperator, a: unknown, b: unknown): boolean {
  if (a === b) return operator === '<=' || operator === '>=';
  if (a === null || a === undefined || b === null || b === undefined) return false;
  let x: number | string | boolean;
  let y: number | string | boolean;
  if (typeof a === 'number' || typeof b === 'number') {
    x = toNumber(a);
    y = toNumber(b);
  } else if (typeof a === 'string' || typeof b === 'string') {
    x = toElString(a);
    y = toElString(b);
  } else if (typeof a === 'boolean' && typeof b === 'boolean') {
    x = a;
    y = b;
  } else {
    throw evaluationError(`a ${typeName(a)} and a ${typeName(b)} cannot be compared`);
  }
  switch (operator) {
    case '<':
      return x < y;
    case '>':
      return x > y;
    case '<=':
      return x <= y;
    case '>=':
      return x >= y;
  }
}

/** EL's `empty`: null, '', and empty lists, maps and byte arrays. */
export function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === 'string' || Array.isArray(value) || value instanceof Uint8Array) {
    return value.length === 0;
  }
  if (isElMap(value)) return value[elKeys]().length === 0;
  if (isPlainObject(value)) return Object.keys(value).length === 0;
  return false;
}

/** EL's `+ - *`: both null gives 0; otherwise both operands are coerced to numbers. */
export function arithmetic(operator: '+' | '-' | '*', a: unknown, b: unknown): number {
  if ((a === null || a === undefined) && (b === null || b === undefined)) return 0;
  const x = toNumber(a);
  const y = toNumber(b);
  switch (operator) {
    case '+':
      return x + y;
    case '-':
      return x - y;
    case '*':
      return x * y;
  }
}

/** EL's `/` and `div`: always Double division, so 1/2 is 0.5 and 1/0 is Infinity. */
export function divide(a: unknown, b: unknown): number {
  if ((a === null || a === undefined) && (b === null || b === undefined)) return 0;
  return toNumber(a) / toNumber(b);
}

/** EL's `%` and `mod`: Long remainder (0 divisor is an error) unless an operand is a Double. */
export function remainder(a: unknown, b: unknown): number {
  if ((a === null || a === undefined) && (b === null || b === undefined)) return 0;
  const x = toNumber(a);
  const y = toNumber(b);
  if (y === 0 && !isDoubleLike(a) && !isDoubleLike(b)) throw evaluationError('division by zero');
  return x % y;
}

/** EL's unary `-`: null gives 0. */
export function negate(value: unknown): number {
  return value === null || value === undefined ? 0 : -toNumber(value);
}
