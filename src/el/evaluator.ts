import { TollgateError } from '../errors/tollgate-error.js';
import type { ElFunction, FunctionTable } from './api.js';
import type { BinaryOperator, Node, UnaryOperator } from './ast.js';
import {
  arithmetic,
  BLOCKED_KEYS,
  divide,
  elCompare,
  elEquals,
  evaluationError,
  isEmpty,
  isPlainObject,
  negate,
  normalize,
  remainder,
  toBoolean,
  toInteger,
  typeName,
} from './coerce.js';
import { elPrepare, isPreparable, type ArgumentShape } from './functions.js';
import { elGet, elSet, isElReadable, isElWritable, type ElReadable } from './host.js';
import { ElSyntaxError } from './lexer.js';
import { bindMethod, PATTERN_METHODS } from './methods.js';
import { compileAtLoad, type JavaPattern } from './regex.js';

/**
 * Turns a tree into a closure once, when the route is built: each node becomes a small function
 * of the scope, so a request pays for no tree walking and no switch. What a node may do is
 * decided here, over a closed set of node kinds.
 */

export type Evaluator = (scope: ElReadable) => unknown;
export type Assigner = (scope: ElReadable, value: unknown) => boolean;

/** A property name as EL coerces it; null when the key is null (the read then gives null). */
function propertyName(key: unknown): string | null {
  if (key === null || key === undefined) return null;
  if (typeof key === 'string') return key;
  if (typeof key === 'number' || typeof key === 'boolean') return String(key);
  throw evaluationError(`a ${typeName(key)} cannot name a property`);
}

/** A list index as EL's list resolver coerces it: numbers truncate, numeric strings parse. */
function listIndex(key: unknown): number {
  if (typeof key === 'number' || (typeof key === 'string' && /^[+-]?\d+$/.test(key))) return toInteger(key);
  throw evaluationError('a list index must be a number');
}

function readRoot(scope: ElReadable, name: string): unknown {
  return BLOCKED_KEYS.has(name) ? null : normalize(scope[elGet](name));
}

/**
 * `base[key]` under EL's rules and ours: null-safe, lists by index, maps by own key, host objects
 * through elGet, and nothing else: no prototype, no `constructor`, no method found on the object.
 */
function readProperty(base: unknown, key: unknown): unknown {
  if (base === null || base === undefined) return null;
  if (typeof key === 'string' && BLOCKED_KEYS.has(key)) return null;
  if (Array.isArray(base)) {
    const index = listIndex(key);
    return index >= 0 && index < base.length && Object.hasOwn(base, index) ? normalize(base[index]) : null;
  }
  const name = propertyName(key);
  if (name === null) return null;
  if (isElReadable(base)) return normalize(base[elGet](name));
  if (isPlainObject(base)) return Object.hasOwn(base, name) ? normalize(base[name]) : null;
  throw evaluationError(`a ${typeName(base)} has no properties`);
}

/** `base[key] = value`; false when the target refuses (read-only, frozen, missing, blocked key). */
function writeProperty(base: unknown, key: unknown, value: unknown): boolean {
  if (base === null || base === undefined) return false;
  if (typeof key === 'string' && BLOCKED_KEYS.has(key)) return false;
  if (Array.isArray(base)) {
    const index = listIndex(key);
    const descriptor = Object.getOwnPropertyDescriptor(base, index);
    if (index >= base.length || descriptor === undefined || descriptor.writable !== true) return false;
    base[index] = value;
    return true;
  }
  const name = propertyName(key);
  if (name === null) return false;
  if (isElWritable(base)) return base[elSet](name, value) === true;
  if (!isPlainObject(base)) return false;
  const descriptor = Object.getOwnPropertyDescriptor(base, name);
  if (descriptor !== undefined) {
    // An accessor would run host code; a read-only or frozen property stays as it is.
    if (descriptor.writable !== true) return false;
    base[name] = value;
    return true;
  }
  return Reflect.defineProperty(base, name, { value, writable: true, enumerable: true, configurable: true });
}

function lookupFunction(functions: FunctionTable, name: string, at: number): ElFunction {
  const fn = Object.hasOwn(functions, name) ? functions[name] : undefined;
  if (typeof fn !== 'function') throw new ElSyntaxError(`unknown function '${name}'`, at);
  return fn;
}

/** Lets the function validate and specialise itself for this call site. */
function prepareCall(fn: ElFunction, args: readonly Node[], at: number): ElFunction {
  if (!isPreparable(fn)) return fn;
  const shapes: ArgumentShape[] = args.map((arg) =>
    arg.kind === 'literal' ? { literal: true, value: arg.value } : { literal: false },
  );
  try {
    return fn[elPrepare](shapes);
  } catch (error) {
    if (error instanceof TollgateError) {
      throw new ElSyntaxError(error.detail ?? error.message, at, error.code);
    }
    throw error;
  }
}

/** The pattern of a regex method, compiled now when the call site writes it as a literal. */
function literalPattern(args: readonly Node[]): JavaPattern | undefined {
  const first = args[0];
  if (first?.kind !== 'literal' || typeof first.value !== 'string') return undefined;
  try {
    return compileAtLoad(first.value);
  } catch (error) {
    if (error instanceof TollgateError)
      throw new ElSyntaxError(error.detail ?? error.message, first.at, error.code);
    throw error;
  }
}

function compileCall(
  functions: FunctionTable,
  name: string,
  argNodes: readonly Node[],
  at: number,
  globals: Globals | undefined,
): Evaluator {
  const fn = prepareCall(lookupFunction(functions, name, at), argNodes, at);
  const args = argNodes.map((arg) => compileNode(arg, functions, globals));
  const [first, second] = args;
  // The common arities avoid building an argument array per call.
  if (args.length === 0) return () => normalize(fn());
  if (args.length === 1) return (scope) => normalize(fn(first!(scope)));
  if (args.length === 2) return (scope) => normalize(fn(first!(scope), second!(scope)));
  return (scope) => normalize(fn(...args.map((arg) => arg(scope))));
}

function compileUnary(operator: UnaryOperator, operand: Evaluator): Evaluator {
  switch (operator) {
    case '-':
      return (scope) => negate(operand(scope));
    case '!':
      return (scope) => !toBoolean(operand(scope));
    case 'empty':
      return (scope) => isEmpty(operand(scope));
  }
}

function compileBinary(operator: BinaryOperator, left: Evaluator, right: Evaluator): Evaluator {
  switch (operator) {
    case '+':
    case '-':
    case '*':
      return (scope) => arithmetic(operator, left(scope), right(scope));
    case '/':
      return (scope) => divide(left(scope), right(scope));
    case '%':
      return (scope) => remainder(left(scope), right(scope));
    case '==':
      return (scope) => elEquals(left(scope), right(scope));
    case '!=':
      return (scope) => !elEquals(left(scope), right(scope));
    case '<':
    case '>':
    case '<=':
    case '>=':
      return (scope) => elCompare(operator, left(scope), right(scope));
  }
}

/**
 * Values of top-level names that the scope does not give: PingGateway's `openig` and a heap's
 * `properties`. Known when the expression is compiled, so a name they lack costs nothing.
 */
export type Globals = Readonly<Record<string, unknown>>;

export function compileNode(node: Node, functions: FunctionTable, globals?: Globals): Evaluator {
  switch (node.kind) {
    case 'literal': {
      const value = node.value;
      return () => value;
    }
    case 'identifier': {
      const name = node.name;
      if (globals !== undefined && Object.hasOwn(globals, name) && !BLOCKED_KEYS.has(name)) {
        // The scope's own names (request, contexts…) win over a property of the same name.
        const global = normalize(globals[name]);
        return (scope) => readRoot(scope, name) ?? global;
      }
      return (scope) => readRoot(scope, name);
    }
    case 'member': {
      const object = compileNode(node.object, functions, globals);
      if (node.property.kind === 'literal') {
        const key = node.property.value;
        return (scope) => readProperty(object(scope), key);
      }
      const property = compileNode(node.property, functions, globals);
      // As in JUEL, the key is not evaluated when the object is null.
      return (scope) => {
        const base = object(scope);
        return base === null ? null : readProperty(base, property(scope));
      };
    }
    case 'call':
      return compileCall(functions, node.name, node.args, node.at, globals);
    case 'method': {
      const target = compileNode(node.target, functions, globals);
      const args = node.args.map((arg) => compileNode(arg, functions, globals));
      const method = bindMethod(
        node.name,
        PATTERN_METHODS.has(node.name) ? literalPattern(node.args) : undefined,
      );
      return (scope) => {
        const value = target(scope);
        const values = args.map((arg) => arg(scope));
        return normalize(method(value, values));
      };
    }
    case 'unary':
      return compileUnary(node.operator, compileNode(node.operand, functions, globals));
    case 'binary':
      return compileBinary(
        node.operator,
        compileNode(node.left, functions, globals),
        compileNode(node.right, functions, globals),
      );
    case 'logical': {
      const left = compileNode(node.left, functions, globals);
      const right = compileNode(node.right, functions, globals);
      return node.operator === '&&'
        ? (scope) => toBoolean(left(scope)) && toBoolean(right(scope))
        : (scope) => toBoolean(left(scope)) || toBoolean(right(scope));
    }
    case 'conditional': {
      const test = compileNode(node.test, functions, globals);
      const consequent = compileNode(node.consequent, functions, globals);
      const alternate = compileNode(node.alternate, functions, globals);
      return (scope) => (toBoolean(test(scope)) ? consequent(scope) : alternate(scope));
    }
  }
}

/** The assignment to an lvalue tree: a name or a property (`attributes.x`, `a['b'].c`, `request.method`). */
export function compileAssignment(node: Node, functions: FunctionTable, globals?: Globals): Assigner {
  if (node.kind === 'identifier') {
    const name = node.name;
    return (scope, value) =>
      !BLOCKED_KEYS.has(name) && isElWritable(scope) && scope[elSet](name, value) === true;
  }
  if (node.kind !== 'member') {
    throw new ElSyntaxError(
      'only a name or a property (such as attributes.name) can be assigned to',
      node.at,
    );
  }
  const object = compileNode(node.object, functions, globals);
  const property = compileNode(node.property, functions, globals);
  return (scope, value) => writeProperty(object(scope), property(scope), value);
}
