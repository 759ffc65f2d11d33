import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { elGet, elKeys } from '../../../src/el/host.js';
import { Headers, isValidHeaderName, isValidHeaderValue, isValidMethod } from '../../../src/http/headers.js';

describe('Headers', () => {
  test('names are case-insensitive and keep the case they were first added with', () => {
    const headers = new Headers();
    headers.add('X-Trace', 'a');
    headers.add('x-trace', 'b');
    assert.deepEqual(headers.get('X-TRACE'), ['a', 'b']);
    assert.equal(headers.first('x-Trace'), 'a');
    assert.equal(headers.has('x-trace'), true);
    assert.deepEqual(headers.toRaw(), ['X-Trace', 'a', 'X-Trace', 'b']);
    assert.equal(headers.get('X-Other'), undefined);
    assert.equal(headers.first('X-Other'), undefined);
  });

  test('set replaces every value and the name’s case, and keeps its own copy of a list', () => {
    const headers = Headers.fromRaw(['content-type', 'text/plain', 'Accept', 'a']);
    const values = ['application/json'];
    headers.set('Content-Type', values);
    values.push('changed later');
    assert.deepEqual(headers.toRaw(), ['Content-Type', 'application/json', 'Accept', 'a']);
    headers.set('accept', 'b');
    assert.deepEqual(headers.get('ACCEPT'), ['b']);
  });

  test('entries keep insertion order; a deleted name added again goes to the end', () => {
    const headers = Headers.fromRaw(['A', '1', 'B', '2']);
    assert.equal(headers.delete('a'), true);
    assert.equal(headers.delete('a'), false);
    headers.add('A', '3');
    assert.deepEqual(
      [...headers.entries()],
      [
        ['B', ['2']],
        ['A', ['3']],
      ],
    );
    assert.equal(headers.size, 2);
  });

  test('deleteWhere is given lower-case names', () => {
    const headers = Headers.fromRaw(['X-Keep', '1', 'X-DROP-Me', '2', 'x-drop-too', '3']);
    const seen: string[] = [];
    headers.deleteWhere((name) => {
      seen.push(name);
      return name.startsWith('x-drop');
    });
    assert.deepEqual(seen, ['x-keep', 'x-drop-me', 'x-drop-too']);
    assert.deepEqual(headers.toRaw(), ['X-Keep', '1']);
  });

  test('fromRaw takes name/value pairs; a trailing name without a value is ignored', () => {
    assert.deepEqual(Headers.fromRaw(['A', '1', 'a', '2', 'B']).toRaw(), ['A', '1', 'A', '2']);
    assert.equal(Headers.fromRaw([]).size, 0);
  });

  test('fromRecord takes strings and lists, and skips undefined (as node:http gives)', () => {
    const headers = Headers.fromRecord({ 'Set-Cookie': ['a=1', 'b=2'], Host: 'h', Missing: undefined });
    assert.deepEqual(headers.toRaw(), ['Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'Host', 'h']);
  });

  test('toRecord is a copy with no prototype: a header named __proto__ is only a header', () => {
    const headers = Headers.fromRaw(['__proto__', 'x', 'A', '1']);
    const record = headers.toRecord();
    assert.equal(Object.getPrototypeOf(record), null);
    assert.deepEqual(Object.keys(record), ['__proto__', 'A']);
    record.A!.push('2');
    assert.deepEqual(headers.get('A'), ['1']);
  });

  test('expressions read a header as its list of values, and list names in their first case', () => {
    const headers = Headers.fromRaw(['X-Multi', 'one', 'x-multi', 'two', 'Host', 'h']);
    assert.deepEqual(headers[elGet]('x-MULTI'), ['one', 'two']);
    assert.equal(headers[elGet]('constructor'), undefined);
    assert.deepEqual(headers[elKeys](), ['X-Multi', 'Host']);
  });
});

describe('header and method syntax (RFC 9110)', () => {
  test('a name or method is a token: no spaces, colons, separators or non-ASCII', () => {
    for (const name of ['Content-Type', 'x', "!#$%&'*+-.^_`|~09AZaz"]) {
      assert.equal(isValidHeaderName(name), true, name);
    }
    for (const name of ['', 'Bad Name', 'a:b', 'a(b)', 'é', 'a\tb', 'a\r\nb', 'a"b', 'a/b', 'a{b}']) {
      assert.equal(isValidHeaderName(name), false, JSON.stringify(name));
    }
    assert.equal(isValidMethod('PROPFIND'), true);
    assert.equal(isValidMethod('GET /'), false);
    assert.equal(isValidMethod(''), false);
  });

  test('a value is latin1 text with no control character but tab', () => {
    for (const value of ['', 'text/plain; q=0.5', 'a\tb', 'caf\u00e9', '\u00ff', ' spaced ']) {
      assert.equal(isValidHeaderValue(value), true, JSON.stringify(value));
    }
    for (const value of ['a\r\nX-Injected: 1', 'a\nb', 'a\0b', '\u007f', '\u0100', '😀']) {
      assert.equal(isValidHeaderValue(value), false, JSON.stringify(value));
    }
  });
});
