import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Session } from '../../../src/http/session.js';

test('the values load on first use, once, and not at all when nothing uses them', () => {
  let loads = 0;
  const load = (): [string, unknown][] => {
    loads++;
    return [['user', 'alice']];
  };
  const untouched = new Session(load);
  assert.equal(untouched.loaded, false);
  assert.equal(loads, 0);
  const used = new Session(load);
  assert.equal(used.get('user'), 'alice');
  assert.equal(used.get('user'), 'alice');
  assert.equal(loads, 1);
  assert.equal(used.loaded, true);
  assert.equal(used.changed, false, 'reading is no change');
});

test('set, null to remove, delete and clear mark the session changed; a refused value does not', () => {
  const session = new Session(
    () => [['a', 1]],
    (_name, value) => typeof value !== 'function',
  );
  assert.equal(
    session.set('f', () => 1),
    false,
  );
  assert.equal(session.changed, false);
  session.delete('missing');
  assert.equal(session.changed, false, 'removing what is not there changes nothing');
  assert.equal(session.set('b', 2), true);
  assert.equal(session.changed, true);
  assert.equal(session.set('a', null), true);
  assert.deepEqual(session.keys(), ['b']);
  const record = session.toRecord();
  assert.deepEqual({ ...record }, { b: 2 });
  assert.equal(Object.getPrototypeOf(record), null);
  const cleared = new Session(() => [['a', 1]]);
  cleared.clear();
  assert.equal(cleared.changed, true);
  assert.equal(cleared.size, 0);
});

test('a key such as __proto__ or constructor is an ordinary session value, never a prototype', () => {
  const session = new Session(() => []);
  session.set('__proto__', 'x');
  session.set('constructor', 'y');
  assert.equal(session.get('__proto__'), 'x');
  assert.equal(Object.getPrototypeOf(session.toRecord()), null);
  assert.equal(session.get('toString'), undefined);
});
