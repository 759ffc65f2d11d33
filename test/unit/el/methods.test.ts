import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { elGet } from '../../../src/el/host.js';
import { bindMethod, PATTERN_METHODS } from '../../../src/el/methods.js';
import { compileJavaPattern } from '../../../src/el/regex.js';
import { TollgateError } from '../../../src/errors/tollgate-error.js';

/**
 * The method whitelist on its own, called as the evaluator calls it: bound once by name, then
 * applied to whatever the target turns out to be. test/unit/el/cases.test.ts has the common
 * calls through whole expressions; these are the edges of each method's Java contract.
 */
function call(name: string, target: unknown, ...args: unknown[]): unknown {
  return bindMethod(name, undefined)(target, args);
}

function refusal(name: string, target: unknown, ...args: unknown[]): string {
  try {
    call(name, target, ...args);
  } catch (error) {
    assert.ok(error instanceof TollgateError, String(error));
    assert.equal(error.code, 'TG_EL_EVALUATION');
    return error.detail ?? '';
  }
  assert.fail(`${name}() answered`);
}

/** ['b'] at index 1 and nothing at index 0: a list with a hole, as JSON can never make but code can. */
function withHole(): unknown[] {
  const list: unknown[] = [];
  list[1] = 'b';
  return list;
}

describe('string methods', () => {
  test('substring takes an end equal to the length, and refuses indexes outside the string', () => {
    assert.equal(call('substring', 'abc', 3), '');
    assert.equal(call('substring', 'abc', 1, 3), 'bc');
    assert.equal(call('substring', 'abc', 1.9), 'bc');
    for (const args of [[-1], [4], [1, 4], [0, -1]]) {
      assert.equal(refusal('substring', 'abc', ...args), 'a string index is out of range', String(args));
    }
    assert.equal(refusal('substring', 'abc', 2, 1), 'a substring ends before it begins');
  });

  test('startsWith with an offset is false outside the string, as in Java', () => {
    assert.equal(call('startsWith', 'abc', 'b', 1), true);
    assert.equal(call('startsWith', 'abc', '', 3), true);
    assert.equal(call('startsWith', 'abc', '', 4), false);
    assert.equal(call('startsWith', 'abc', 'a', -1), false);
  });

  test('indexOf and lastIndexOf take a starting index; a negative one is -1 for lastIndexOf', () => {
    assert.equal(call('indexOf', 'abcabc', 'a', -5), 0);
    assert.equal(call('indexOf', 'abc', '', 10), 3);
    assert.equal(call('lastIndexOf', 'abcabc', 'a', 2), 0);
    assert.equal(call('lastIndexOf', 'abc', '', -1), -1);
    assert.equal(call('lastIndexOf', 'abc', 'z'), -1);
  });

  test('replace is literal: no pattern in the target, no $ groups in the replacement', () => {
    assert.equal(call('replace', 'a.b.c', '.', '$&'), 'a$&b$&c');
    assert.equal(call('replace', 'a+b', '+', '$1'), 'a$1b');
    assert.equal(call('replace', 'ab', '', '-'), '-a-b-');
  });

  test('a null string argument is the empty string, as EL coerces method parameters', () => {
    assert.equal(call('contains', 'abc', null), true);
    assert.equal(call('concat', 'abc', null), 'abc');
    assert.equal(call('concat', 'abc', 1), 'abc1');
    assert.equal(call('endsWith', 'abc', null), true);
  });

  test('equals and equalsIgnoreCase compare with strings only; case folds char by char', () => {
    assert.equal(call('equals', '1', 1), false);
    assert.equal(call('equalsIgnoreCase', 'abc', null), false);
    assert.equal(call('equalsIgnoreCase', 'ÉCOLE', 'école'), true);
    // Java folds each character: ß is not SS, but it is the capital ẞ.
    assert.equal(call('equalsIgnoreCase', 'ß', 'SS'), false);
    assert.equal(call('equalsIgnoreCase', 'ß', 'ẞ'), true);
  });

  test("trim is Java's: it removes control characters and spaces up to U+0020, not U+00A0", () => {
    assert.equal(call('trim', '\u0001 a \t\n'), 'a');
    assert.equal(call('trim', '\u00a0a'), '\u00a0a');
  });
});

describe('regex methods', () => {
  test('a pattern bound with the call site is used whatever the argument is', () => {
    const matches = bindMethod('matches', compileJavaPattern('a+'));
    assert.equal(matches('aaa', ['ignored']), true);
    assert.equal(matches('b', ['b']), false);
  });

  test('a computed pattern follows its argument from one call to the next', () => {
    // The call site keeps the pattern it compiled last: it must notice when the text changes.
    const matches = bindMethod('matches', undefined);
    assert.equal(matches('abc', ['a.c']), true);
    assert.equal(matches('abc', ['x']), false);
    assert.equal(matches('abc', ['a.c']), true);
    assert.deepEqual(bindMethod('split', undefined)('a1b', ['\\d']), ['a', 'b']);
  });

  test('the methods whose first argument is a pattern are the four regex methods', () => {
    assert.deepEqual([...PATTERN_METHODS].sort(), ['matches', 'replaceAll', 'replaceFirst', 'split']);
  });
});

describe('list methods', () => {
  test('contains and indexOf compare by value, without coercion', () => {
    assert.equal(call('contains', [1, 2], '1'), false);
    assert.equal(call('contains', [['a'], { k: 1 }], { k: 1 }), true);
    assert.equal(call('indexOf', [[1], [2]], [2]), 1);
    assert.equal(call('indexOf', ['a'], 'b'), -1);
  });

  test('get refuses an index outside the list or on a hole', () => {
    assert.equal(call('get', ['a', 'b'], '1'), 'b');
    assert.equal(refusal('get', ['a'], 1), 'a list index is out of range');
    assert.equal(refusal('get', ['a'], -1), 'a list index is out of range');
    assert.equal(refusal('get', withHole(), 0), 'a list index is out of range');
  });
});

describe('map methods', () => {
  test('get and containsKey see own keys only, never the prototype or a blocked name', () => {
    const map = JSON.parse('{"a": 1, "__proto__": {"polluted": true}}') as Record<string, unknown>;
    assert.equal(call('get', map, 'a'), 1);
    assert.equal(call('get', map, 'toString'), null);
    assert.equal(call('get', map, '__proto__'), null);
    assert.equal(call('containsKey', map, '__proto__'), false);
    assert.equal(call('containsKey', map, 'hasOwnProperty'), false);
    assert.equal(call('size', map), 2);
  });

  test('containsKey is true for a key whose value is null, as Map.containsKey is', () => {
    // get() cannot tell a null value from a missing key; containsKey is how an expression does.
    const map = JSON.parse('{"present": null}') as Record<string, unknown>;
    assert.equal(call('get', map, 'present'), null);
    assert.equal(call('containsKey', map, 'present'), true);
    assert.equal(call('containsKey', map, 'absent'), false);
  });
});

/** A host object as http/ makes them: a class instance with the protocol, not a plain map. */
class Host {
  [elGet](name: string): unknown {
    return name === 'x-one' ? ['1'] : undefined;
  }
}

describe('host objects and any value', () => {
  const host = new Host();

  test('a host object answers get and containsKey through elGet, and nothing else', () => {
    assert.deepEqual(call('get', host, 'x-one'), ['1']);
    assert.equal(call('containsKey', host, 'x-one'), true);
    assert.equal(call('containsKey', host, 'x-two'), false);
    assert.equal(call('get', host, 'constructor'), null);
    assert.equal(refusal('size', host), 'a Host has no method size() taking 0 argument(s)');
  });

  test('every value has toString and equals', () => {
    assert.equal(call('toString', [1, 'a', null]), '[1, a, null]');
    assert.equal(call('toString', { a: [1] }), '{a=[1]}');
    assert.equal(call('equals', [1], [1]), true);
    assert.equal(call('equals', 1, '1'), false);
    assert.equal(call('toString', 5), '5');
  });

  test('a method on null, an unknown method and a wrong count of arguments are evaluation errors', () => {
    assert.equal(refusal('trim', null), 'cannot call trim() on null');
    assert.equal(refusal('trim', undefined), 'cannot call trim() on null');
    assert.equal(refusal('nope', 'abc'), 'a string has no method nope() taking 0 argument(s)');
    assert.equal(refusal('substring', 'abc'), 'a string has no method substring() taking 0 argument(s)');
    assert.equal(
      refusal('substring', 'abc', 1, 2, 3),
      'a string has no method substring() taking 3 argument(s)',
    );
    assert.equal(refusal('size', 'abc'), 'a string has no method size() taking 0 argument(s)');
    assert.equal(refusal('get', new Date(0), 0), 'a Date has no method get() taking 1 argument(s)');
    // A name the whitelist lacks is refused even when the object itself has such a method.
    assert.equal(refusal('valueOf', 5), 'a number has no method valueOf() taking 0 argument(s)');
    assert.equal(refusal('push', [], 1), 'a list has no method push() taking 1 argument(s)');
  });
});
