import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FunctionTable } from '../../../src/el/api.js';
import { compileAssignment, compileNode } from '../../../src/el/evaluator.js';
import { elPrepare, type ArgumentShape } from '../../../src/el/functions.js';
import { elGet, elSet, type ElReadable, type ElWritable } from '../../../src/el/host.js';
import { ElSyntaxError } from '../../../src/el/lexer.js';
import { parseExpression } from '../../../src/el/parser.js';
import { TollgateError } from '../../../src/errors/tollgate-error.js';

/**
 * The evaluator on its own: trees from the parser, compiled against a scope made here, so each
 * rule of readProperty / writeProperty is seen without the exchange's host objects in between.
 */
class Scope implements ElReadable, ElWritable {
  readonly values: Record<string, unknown>;
  readonly asked: string[] = [];
  readonly written: string[] = [];

  constructor(values: Record<string, unknown>) {
    this.values = values;
  }

  [elGet](name: string): unknown {
    this.asked.push(name);
    return Object.hasOwn(this.values, name) ? this.values[name] : undefined;
  }

  [elSet](name: string, value: unknown): boolean {
    this.written.push(name);
    this.values[name] = value;
    return true;
  }
}

const NO_FUNCTIONS: FunctionTable = Object.freeze({});

function evaluate(body: string, values: Record<string, unknown>, functions = NO_FUNCTIONS): unknown {
  return compileNode(parseExpression(body), functions)(new Scope(values));
}

function evaluationError(body: string, values: Record<string, unknown>, functions = NO_FUNCTIONS): string {
  try {
    evaluate(body, values, functions);
  } catch (error) {
    assert.ok(error instanceof TollgateError, String(error));
    assert.equal(error.code, 'TG_EL_EVALUATION');
    return error.detail ?? '';
  }
  assert.fail(`${body} evaluated`);
}

function compileError(body: string, functions = NO_FUNCTIONS): ElSyntaxError {
  try {
    compileNode(parseExpression(body), functions);
  } catch (error) {
    assert.ok(error instanceof ElSyntaxError, String(error));
    return error;
  }
  assert.fail(`${body} compiled`);
}

/** A function that counts its calls: proof of what was, and was not, evaluated. */
function counter(): { functions: FunctionTable; calls: () => number } {
  let calls = 0;
  return {
    functions: Object.freeze({ count: (value: unknown) => (calls++, value ?? true) }),
    calls: () => calls,
  };
}

/** ['b'] at index 1 and nothing at index 0: a list with a hole, as JSON can never make but code can. */
function withHole(): unknown[] {
  const list: unknown[] = [];
  list[1] = 'b';
  return list;
}

describe('reading', () => {
  test('a root name is read from the scope; what is not an EL value reads as null', () => {
    assert.equal(evaluate('x', { x: 'value' }), 'value');
    assert.equal(evaluate('x', {}), null);
    assert.equal(evaluate('x', { x: undefined }), null);
    assert.equal(evaluate('x', { x: () => 'code' }), null);
    assert.equal(evaluate('x', { x: Symbol('s') }), null);
  });

  test('a blocked root name is never asked of the scope', () => {
    const scope = new Scope({ constructor: 'no', ok: 1 });
    for (const name of ['constructor', '__proto__', 'prototype']) {
      assert.equal(compileNode(parseExpression(name), NO_FUNCTIONS)(scope), null);
    }
    compileNode(parseExpression('ok'), NO_FUNCTIONS)(scope);
    assert.deepEqual(scope.asked, ['ok']);
  });

  test('a map answers its own keys only; a number or boolean key names the property by its text', () => {
    const map = { a: 1, '1': 'one', true: 'yes', f: () => 'code' };
    assert.equal(evaluate('m.a', { m: map }), 1);
    assert.equal(evaluate('m[1]', { m: map }), 'one');
    assert.equal(evaluate('m[true]', { m: map }), 'yes');
    assert.equal(evaluate('m.f', { m: map }), null);
    assert.equal(evaluate('m.toString', { m: map }), null);
    assert.equal(evaluate('m.hasOwnProperty', { m: map }), null);
    assert.equal(evaluate('m[null]', { m: map }), null);
    assert.equal(evaluate('m.a', { m: Object.assign(Object.create(null), { a: 2 }) }), 2);
    assert.equal(evaluationError('m[k]', { m: map, k: ['a'] }), 'a list cannot name a property');
    assert.equal(evaluationError('m[k]', { m: map, k: { a: 1 } }), 'a map cannot name a property');
  });

  test('a list is read by index: numbers truncate, numeric strings parse, anything else is an error', () => {
    const list = ['x', 'y'];
    assert.equal(evaluate('l[1]', { l: list }), 'y');
    assert.equal(evaluate('l[1.9]', { l: list }), 'y');
    assert.equal(evaluate("l['+1']", { l: list }), 'y');
    assert.equal(evaluate('l[2]', { l: list }), null);
    assert.equal(evaluate('l[-1]', { l: list }), null);
    // A hole is not an element, and nothing on Array.prototype is reachable through an index.
    assert.equal(evaluate('l[0]', { l: withHole() }), null);
    for (const key of ["'a'", "'1.5'", 'null', 'true']) {
      assert.equal(evaluationError(`l[${key}]`, { l: list }), 'a list index must be a number', key);
    }
    // A name is an index too: nothing of Array.prototype (length, map…) can be read.
    assert.equal(evaluationError('l.length', { l: list }), 'a list index must be a number');
  });

  test('an object that is neither a map, a list nor a host object has no properties', () => {
    assert.equal(evaluationError('b.length', { b: Buffer.from('hi') }), 'a byte array has no properties');
    assert.equal(evaluationError('d.time', { d: new Date(0) }), 'a Date has no properties');
    assert.equal(evaluationError("s['length']", { s: 'text' }), 'a string has no properties');
    assert.equal(evaluationError('n.x', { n: 5 }), 'a number has no properties');
  });

  test('a host object is read through its elGet, with the key as text', () => {
    const host = new Scope({ '7': 'seven', name: 'n' });
    assert.equal(evaluate('h[7]', { h: host }), 'seven');
    assert.equal(evaluate('h.name', { h: host }), 'n');
    assert.equal(evaluate('h.__proto__', { h: host }), null);
    assert.deepEqual(host.asked, ['7', 'name']);
  });

  test('a computed key is not evaluated when the object is null, as in JUEL', () => {
    const { functions, calls } = counter();
    assert.equal(evaluate('missing[count(1)]', {}, functions), null);
    assert.equal(calls(), 0);
    assert.equal(evaluate('m[count("a")]', { m: { a: 'A' } }, functions), 'A');
    assert.equal(calls(), 1);
  });
});

describe('function calls', () => {
  test('only an own function of the table is callable; anything else fails at compile time, at the call', () => {
    const inherited = Object.create({ hidden: () => 'x' }) as FunctionTable;
    const notAFunction = { three: 3 } as unknown as FunctionTable;
    for (const [body, table, name] of [
      ['1 + nope(1)', NO_FUNCTIONS, 'nope'],
      ['1 + hidden()', inherited, 'hidden'],
      ['1 + three()', notAFunction, 'three'],
      ['1 + toString()', NO_FUNCTIONS, 'toString'],
    ] as const) {
      const error = compileError(body, table);
      assert.equal(error.message, `unknown function '${name}'`);
      assert.equal(error.index, 4);
      assert.equal(error.code, 'TG_CONFIG_BAD_EXPRESSION');
    }
  });

  test('arguments arrive evaluated and in order, whatever their number; the result is an EL value', () => {
    const functions: FunctionTable = Object.freeze({
      list: (...args: unknown[]) => args,
      nothing: () => undefined,
      code: () => () => 'never',
    });
    assert.deepEqual(evaluate('list()', {}, functions), []);
    assert.deepEqual(evaluate('list(a)', { a: 1 }, functions), [1]);
    assert.deepEqual(evaluate('list(a, 2)', { a: 1 }, functions), [1, 2]);
    assert.deepEqual(evaluate("list(a, 2, 'c', a + 3)", { a: 1 }, functions), [1, 2, 'c', 4]);
    assert.equal(evaluate('nothing()', {}, functions), null);
    assert.equal(evaluate('code()', {}, functions), null);
  });

  test('a preparable function is prepared with the shape of each argument, once, when compiled', () => {
    const shapes: (readonly ArgumentShape[])[] = [];
    const fn = Object.assign(() => 'unprepared', {
      [elPrepare]: (given: readonly ArgumentShape[]) => {
        shapes.push(given);
        return (value: unknown) => `prepared ${String(value)}`;
      },
    });
    const evaluator = compileNode(parseExpression("fn('lit', x, null)"), Object.freeze({ fn }));
    assert.deepEqual(shapes, [
      [{ literal: true, value: 'lit' }, { literal: false }, { literal: true, value: null }],
    ]);
    assert.equal(evaluator(new Scope({ x: 1 })), 'prepared lit');
    evaluator(new Scope({ x: 1 }));
    assert.equal(shapes.length, 1);
  });

  test('a coded refusal while preparing becomes a compile error at the call, with its code', () => {
    const fn = Object.assign(() => null, {
      [elPrepare]: (): never => {
        throw new TollgateError('TG_CONFIG_BAD_VALUE', 'the second argument must be a CIDR block');
      },
    });
    const error = compileError('a and fn(x)', Object.freeze({ fn }));
    assert.equal(error.code, 'TG_CONFIG_BAD_VALUE');
    assert.equal(error.message, 'the second argument must be a CIDR block');
    assert.equal(error.index, 6);
  });

  test('an uncoded failure while preparing is a bug, and is not disguised as a config error', () => {
    const bug = new TypeError('oops');
    const fn = Object.assign(() => null, {
      [elPrepare]: (): never => {
        throw bug;
      },
    });
    assert.throws(
      () => compileNode(parseExpression('fn()'), Object.freeze({ fn })),
      (error) => error === bug,
    );
  });
});

describe('method calls', () => {
  test('a literal pattern is compiled with the route: a bad one is a regex error at the literal', () => {
    const error = compileError("s.matches('(')");
    assert.equal(error.code, 'TG_CONFIG_BAD_REGEX');
    assert.equal(error.index, 10);
    // Only the regex methods take a pattern: the same text elsewhere is just a string.
    assert.equal(evaluate("s.contains('(')", { s: 'a(b' }), true);
  });

  test('a computed pattern is compiled when evaluated: a bad one is an evaluation error', () => {
    assert.equal(evaluate('s.matches(p)', { s: 'abc', p: '[a-c]+' }), true);
    assert.match(evaluationError('s.matches(p)', { s: 'abc', p: '(' }), /regular expression/);
  });

  test('the target is evaluated before the arguments', () => {
    const order: string[] = [];
    const functions: FunctionTable = Object.freeze({
      mark: (label: unknown) => (order.push(String(label)), String(label)),
    });
    assert.equal(evaluate("mark('target').concat(mark('arg'))", {}, functions), 'targetarg');
    assert.deepEqual(order, ['target', 'arg']);
  });

  test('an unknown method is an evaluation error: the target is only known then', () => {
    assert.equal(evaluationError("'a'.nope()", {}), 'a string has no method nope() taking 0 argument(s)');
  });
});

describe('operators', () => {
  test('and / or evaluate their right side only when it decides the answer', () => {
    const { functions, calls } = counter();
    assert.equal(evaluate('false and count(true)', {}, functions), false);
    assert.equal(evaluate('true or count(true)', {}, functions), true);
    assert.equal(calls(), 0);
    assert.equal(evaluate('true and count(false)', {}, functions), false);
    assert.equal(evaluate('false or count(true)', {}, functions), true);
    assert.equal(calls(), 2);
  });

  test('a conditional evaluates only the branch it takes', () => {
    const { functions, calls } = counter();
    assert.equal(evaluate("t ? 'yes' : count('no')", { t: true }, functions), 'yes');
    assert.equal(calls(), 0);
    assert.equal(evaluate("t ? count('yes') : 'no'", { t: 'false' }, functions), 'no');
    assert.equal(calls(), 0);
  });

  test('each operator is the one the tree names', () => {
    const cases: [body: string, expected: unknown][] = [
      ['7 - 2', 5],
      ['7 * 2', 14],
      ['7 / 2', 3.5],
      ['7 % 2', 1],
      ['7 + 2', 9],
      ['7 == 7', true],
      ['7 != 7', false],
      ['7 < 2', false],
      ['7 > 2', true],
      ['7 <= 7', true],
      ['7 >= 8', false],
      ['-x', -3],
      ['!t', false],
      ['empty e', true],
    ];
    for (const [body, expected] of cases) {
      assert.equal(evaluate(body, { x: 3, t: true, e: [] }), expected, body);
    }
  });
});

describe('assignment', () => {
  function assign(body: string, scope: Scope, value: unknown): boolean {
    return compileAssignment(parseExpression(body), NO_FUNCTIONS)(scope, value);
  }

  test('a root name is written through the scope; a blocked name never reaches it', () => {
    const scope = new Scope({});
    assert.equal(assign('user', scope, 'alice'), true);
    assert.equal(scope.values.user, 'alice');
    for (const name of ['__proto__', 'constructor', 'prototype']) assert.equal(assign(name, scope, 1), false);
    assert.deepEqual(scope.written, ['user']);
  });

  test('a scope that is not writable, or answers anything but true, refuses the write', () => {
    const readOnly: ElReadable = { [elGet]: () => undefined };
    assert.equal(compileAssignment(parseExpression('x'), NO_FUNCTIONS)(readOnly, 1), false);
    const vague = { [elGet]: () => undefined, [elSet]: () => 1 as unknown as boolean };
    assert.equal(compileAssignment(parseExpression('x'), NO_FUNCTIONS)(vague, 1), false);
  });

  test('only a name or a property can be assigned to; anything else fails at compile time', () => {
    for (const [body, index] of [
      ['a + b', 0],
      ["'text'", 0],
      ['f()', 0],
      ['a.trim()', 0],
      ['(x ? a : b)', 1],
    ] as const) {
      assert.throws(
        () => compileAssignment(parseExpression(body), NO_FUNCTIONS),
        (error: unknown) =>
          error instanceof ElSyntaxError &&
          error.message === 'only a name or a property (such as attributes.name) can be assigned to' &&
          error.index === index,
        body,
      );
    }
  });

  test('a new key becomes an own, enumerable, writable property; a number key is its text', () => {
    const map: Record<string, unknown> = {};
    const scope = new Scope({ m: map });
    assert.equal(assign('m.fresh', scope, 1), true);
    assert.equal(assign('m[2]', scope, 'two'), true);
    assert.deepEqual(Object.getOwnPropertyDescriptor(map, 'fresh'), {
      value: 1,
      writable: true,
      enumerable: true,
      configurable: true,
    });
    assert.equal(map['2'], 'two');
    assert.equal(assign('m[null]', scope, 1), false);
  });

  test('an accessor is never run, and a read-only or frozen target is left as it is', () => {
    let setterRan = false;
    const withAccessor = {
      set hook(_value: unknown) {
        setterRan = true;
      },
    };
    const readOnly = Object.defineProperty({} as { fixed?: string }, 'fixed', {
      value: 'kept',
      writable: false,
      enumerable: true,
    });
    const frozen = Object.freeze({ a: 1 });
    const scope = new Scope({ withAccessor, readOnly, frozen, instance: new Date(0) });
    assert.equal(assign('withAccessor.hook', scope, 1), false);
    assert.equal(setterRan, false);
    assert.equal(assign('readOnly.fixed', scope, 'changed'), false);
    assert.equal(readOnly.fixed, 'kept');
    assert.equal(assign('frozen.a', scope, 2), false);
    assert.equal(assign('frozen.b', scope, 2), false);
    assert.deepEqual(frozen, { a: 1 });
    assert.equal(assign('instance.x', scope, 1), false);
  });

  test('a list element is written only where one exists and is writable', () => {
    const list = ['a', 'b'];
    const holes = withHole();
    const frozen = Object.freeze(['a']);
    const scope = new Scope({ list, holes, frozen });
    assert.equal(assign("list['1']", scope, 'B'), true);
    assert.deepEqual(list, ['a', 'B']);
    assert.equal(assign('list[2]', scope, 'c'), false);
    assert.equal(assign('holes[0]', scope, 'a'), false);
    assert.equal(Object.hasOwn(holes, 0), false);
    assert.equal(assign('frozen[0]', scope, 'z'), false);
    assert.throws(() => assign("list['x']", scope, 1), TollgateError);
  });

  test('a host object decides through its elSet', () => {
    const host = new Scope({});
    assert.equal(assign('h.name', new Scope({ h: host }), 'v'), true);
    assert.deepEqual(host.written, ['name']);
    assert.equal(assign('h.__proto__', new Scope({ h: host }), 'v'), false);
    assert.deepEqual(host.written, ['name']);
  });
});

describe('globals', () => {
  const globals = Object.freeze({ prop: Object.freeze({ x: 1 }), request: 'a property' });
  const run = (body: string, values: Record<string, unknown>): unknown =>
    compileNode(
      parseExpression(body),
      Object.freeze({ max: (...args: unknown[]) => Math.max(...args.map(Number)) }),
      globals,
    )(new Scope(values));

  test('a top-level name the scope does not give reads the global, in every part of an expression', () => {
    assert.equal(run('prop.x', {}), 1);
    assert.equal(run('max(prop.x, 0) + (empty prop ? 0 : 1)', {}), 2);
    assert.equal(run("prop['x'] == 1 ? 'yes' : 'no'", {}), 'yes');
  });

  test("the scope's value wins; a name in neither reads null", () => {
    assert.equal(run('request', { request: 'the request' }), 'the request');
    assert.equal(run('request', {}), 'a property');
    assert.equal(run('other', {}), null);
  });

  test('an assignment reads its base through the globals but cannot write into a frozen one', () => {
    const scope = new Scope({});
    assert.equal(compileAssignment(parseExpression('prop.x'), NO_FUNCTIONS, globals)(scope, 2), false);
    assert.equal(globals.prop.x, 1);
  });
});
