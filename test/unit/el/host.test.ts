import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  elGet,
  elKeys,
  elSet,
  elText,
  isElMap,
  isElReadable,
  isElText,
  isElWritable,
} from '../../../src/el/host.js';

test('an object is a host object only when it holds the protocol symbol itself', () => {
  const readable = { [elGet]: () => 'x' };
  assert.equal(isElReadable(readable), true);
  assert.equal(isElWritable({ [elSet]: () => true }), true);
  assert.equal(isElMap({ [elGet]: () => null, [elKeys]: () => [] }), true);
  assert.equal(isElText({ [elText]: () => 'x' }), true);
  // Inherited through the prototype counts too: Request and Headers implement it on their class.
  assert.equal(isElReadable(Object.create(readable)), true);
  for (const guard of [isElReadable, isElWritable, isElMap, isElText]) {
    for (const value of [null, undefined, 'text', 1, true, [], {}]) assert.equal(guard(value), false);
  }
});

test('data cannot pretend to be a host object: JSON has no symbols, and the symbols are not registered', () => {
  // A request body or a config file can only produce string keys; a key spelled like the symbol
  // description, or a symbol from the global registry with that description, is not the protocol.
  const json = JSON.parse('{"tollgate.el.get": 1, "Symbol(tollgate.el.get)": 2}');
  assert.equal(isElReadable(json), false);
  assert.equal(isElReadable({ [Symbol.for('tollgate.el.get')]: () => 'x' }), false);
  assert.equal(isElReadable({ [Symbol('tollgate.el.get')]: () => 'x' }), false);
  assert.equal(Symbol.keyFor(elGet), undefined);
  assert.equal(new Set([elGet, elSet, elKeys, elText]).size, 4);
});

test('a map is a readable with keys; being readable alone does not make a map', () => {
  assert.equal(isElMap({ [elGet]: () => null }), false);
  assert.equal(isElReadable({ [elKeys]: () => [] }), false);
});
