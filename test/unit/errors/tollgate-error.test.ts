import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { errorCatalogue } from '../../../src/errors/catalogue.js';
import {
  childPlace,
  childPointer,
  ConfigErrors,
  configError,
  formatExcerpt,
  formatPlace,
  loadErrors,
  TollgateError,
} from '../../../src/errors/tollgate-error.js';

describe('places and JSON Pointers', () => {
  test('a place prints as file#pointer, or <inline> when it has no file', () => {
    assert.equal(
      formatPlace({ file: 'routes/10-api.json', pointer: '/heap/0' }),
      'routes/10-api.json#/heap/0',
    );
    assert.equal(formatPlace({ pointer: '' }), '<inline>#');
  });

  test('a reference token escapes ~ as ~0 and / as ~1, in that order (RFC 6901)', () => {
    assert.equal(childPointer('', 'heap'), '/heap');
    assert.equal(childPointer('/heap', 0), '/heap/0');
    assert.equal(childPointer('/headers', 'a/b'), '/headers/a~1b');
    assert.equal(childPointer('', 'a~b'), '/a~0b');
    // Escaping / first would turn it into ~1 and then into ~01: a pointer to another key.
    assert.equal(childPointer('', '~/'), '/~0~1');
    assert.equal(childPointer('', '~1'), '/~01');
    assert.equal(childPointer('', ''), '/');
  });

  test('childPlace appends every token and keeps the file', () => {
    const place = { file: 'config.json', pointer: '/heap/2' };
    assert.deepEqual(childPlace(place, 'config', 'a/b', 3), {
      file: 'config.json',
      pointer: '/heap/2/config/a~1b/3',
    });
    assert.deepEqual(childPlace(place), place);
    assert.deepEqual(place, { file: 'config.json', pointer: '/heap/2' });
  });
});

describe('TollgateError', () => {
  test('a detail is one line: a line break in it, from a library or a caller, becomes a space', () => {
    const error = new TollgateError(
      'TG_CONFIG_PARSE',
      'Unexpected token \'}\', "{\n  "a": }\r\n  " is not valid',
      {
        place: { file: 'a.json', pointer: '' },
      },
    );
    assert.equal(error.detail, 'Unexpected token \'}\', "{ "a": } " is not valid');
    assert.doesNotMatch(error.message, /[\r\n]/);
    assert.equal(loadErrors(new Error('first\nsecond'), 'a.json')[0]?.detail, 'Error: first second');
  });

  test('a parse error keeps its position; formatExcerpt shows the line with a caret under the column', () => {
    const source = { line: 12, column: 30, excerpt: '…"status": 200, }', caret: 16 };
    const error = new TollgateError('TG_CONFIG_PARSE', 'a comma', { place: { pointer: '' }, source });
    assert.deepEqual(error.source, source);
    assert.equal(formatExcerpt(source), `    12 | …"status": 200, }\n       | ${' '.repeat(15)}^`);
    assert.equal(formatExcerpt({ line: 1, column: 1, excerpt: '', caret: 1 }, ''), '1 |\n  | ^');
  });

  test('the message is the code, the place and the detail; without a detail, the catalogue message', () => {
    const place = { file: 'routes/a.json', pointer: '/handler/type' };
    assert.equal(
      new TollgateError('TG_CONFIG_UNKNOWN_TYPE', 'no type "Nope"', { place }).message,
      'TG_CONFIG_UNKNOWN_TYPE at routes/a.json#/handler/type: no type "Nope"',
    );
    assert.equal(
      new TollgateError('TG_ROUTE_NOT_FOUND').message,
      'TG_ROUTE_NOT_FOUND: no route matches the request',
    );
    const bare = new TollgateError('TG_CLIENT_GONE');
    assert.equal(bare.detail, undefined);
    assert.equal(bare.place, undefined);
    assert.equal(bare.name, 'TollgateError');
    assert.ok(bare instanceof Error);
  });

  test('the status comes from the catalogue, and so does what a client may see', () => {
    const exposed = new TollgateError('TG_UPSTREAM_TIMEOUT', 'GET http://10.0.0.7:8080: headers timeout');
    assert.equal(exposed.status, 504);
    assert.equal(exposed.publicMessage, 'the upstream server did not answer in time');
    // The detail names an internal host: it is for logs, never for the client.
    assert.notEqual(exposed.publicMessage, exposed.detail);
    const hidden = new TollgateError('TG_HANDLER_FAILED', 'stack and secrets');
    assert.equal(hidden.status, 500);
    assert.equal(hidden.publicMessage, undefined);
  });

  test('every catalogue entry gives its own status and exposure', () => {
    for (const [code, entry] of Object.entries(errorCatalogue)) {
      const error = new TollgateError(code as keyof typeof errorCatalogue);
      assert.equal(error.status, entry.status, code);
      assert.equal(error.publicMessage, entry.expose ? entry.message : undefined, code);
    }
  });

  test('the cause is kept for the logs', () => {
    const cause = new Error('ECONNRESET');
    assert.equal(new TollgateError('TG_UPSTREAM_UNREACHABLE', 'reset', { cause }).cause, cause);
    assert.equal(configError('TG_CONFIG_READ', { pointer: '' }, 'x', cause).cause, cause);
  });

  test('configError is a TollgateError at its place', () => {
    const error = configError('TG_CONFIG_BAD_VALUE', { file: 'f.json', pointer: '/a' });
    assert.ok(error instanceof TollgateError);
    assert.deepEqual(error.place, { file: 'f.json', pointer: '/a' });
    assert.equal(error.message, 'TG_CONFIG_BAD_VALUE at f.json#/a: the value is not valid here');
  });
});

describe('ConfigErrors and loadErrors', () => {
  const first = configError(
    'TG_CONFIG_UNKNOWN_PROPERTY',
    { file: 'r.json', pointer: '/x' },
    'unknown property "x"',
  );
  const second = configError('TG_CONFIG_MISSING_PROPERTY', { file: 'r.json', pointer: '/handler' });

  test('ConfigErrors holds every error and prints one per line', () => {
    const errors = new ConfigErrors([first, second]);
    assert.deepEqual(errors.errors, [first, second]);
    assert.equal(errors.message, `${first.message}\n${second.message}`);
    assert.equal(errors.name, 'ConfigErrors');
  });

  test('a load that failed with coded errors reports them as they are', () => {
    const collected = new ConfigErrors([first, second]);
    const reported = loadErrors(collected, 'r.json');
    assert.deepEqual(reported, [first, second]);
    assert.notEqual(reported, collected.errors, 'a copy: the caller may add to it');
    assert.deepEqual(loadErrors(first, 'other.json'), [first]);
  });

  test('any other failure becomes one TG_CONFIG_BUILD_FAILED for the whole file, with its cause', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'x')");
    const [error, ...rest] = loadErrors(bug, 'routes/b.json');
    assert.deepEqual(rest, []);
    assert.equal(error?.code, 'TG_CONFIG_BUILD_FAILED');
    assert.deepEqual(error?.place, { file: 'routes/b.json', pointer: '' });
    assert.equal(error?.detail, String(bug));
    assert.equal(error?.cause, bug);
    assert.equal(loadErrors('thrown text', 'c.json')[0]?.detail, 'thrown text');
  });

  test('a stack overflow while building says the file is nested too deeply', () => {
    const [error] = loadErrors(new RangeError('Maximum call stack size exceeded'), 'deep.json');
    assert.equal(error?.code, 'TG_CONFIG_BUILD_FAILED');
    assert.equal(error?.detail, 'the file is nested too deeply');
  });
});
