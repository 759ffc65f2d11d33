import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  conditionSchema,
  declarationSchema,
  durationSchema,
  expressionSchema,
  headerMapSchema,
  objectSchema,
  referenceListSchema,
  referenceSchema,
  type JsonSchema,
} from '../../../src/config/schema.js';
import { SchemaCompiler } from '../../../src/config/validate.js';

/**
 * The building blocks through the compiler every registry uses (strict ajv), so a block that
 * ajv's strict mode refused would fail here, as it would at boot.
 */
const compiler = new SchemaCompiler();
const place = { file: 'routes/t.json', pointer: '' };

/** `code pointer` of each error, or [] when the value is accepted. */
function check(schema: JsonSchema, value: unknown): string[] {
  return compiler
    .compile(schema)(value, place)
    .map((error) => `${error.code} ${error.place?.pointer}`);
}

describe('objectSchema', () => {
  const schema = objectSchema({ url: { type: 'string' }, retries: { type: 'integer' } }, ['url']);

  test('unknown keys are errors, but a comment and keys starting with _ are notes', () => {
    assert.deepEqual(check(schema, { url: 'u', comment: 'why', _todo: { anything: [1] } }), []);
    assert.deepEqual(check(schema, { url: 'u', retires: 3 }), ['TG_CONFIG_UNKNOWN_PROPERTY /retires']);
    // A comment is still a string: a typo'd object there is not silently a note.
    assert.deepEqual(check(schema, { url: 'u', comment: { text: 'x' } }), ['TG_CONFIG_SCHEMA /comment']);
  });

  test('required keys are required; with none given, the schema has no required list at all', () => {
    assert.deepEqual(check(schema, { retries: 1 }), ['TG_CONFIG_MISSING_PROPERTY /url']);
    assert.equal(Object.hasOwn(objectSchema({}), 'required'), false);
    assert.deepEqual(check(objectSchema({}), {}), []);
  });

  test('extra keywords are merged in, and a caller cannot bring a comment of another type', () => {
    const limited = objectSchema({ a: { type: 'integer' }, b: { type: 'integer' } }, [], {
      minProperties: 1,
    });
    assert.deepEqual(check(limited, {}), ['TG_CONFIG_SCHEMA ']);
    assert.deepEqual(check(limited, { a: 1 }), []);
    assert.deepEqual(check(objectSchema({ comment: { type: 'integer' } }), { comment: 2 }), []);
  });

  test('the required list is a copy: changing the caller’s array later changes nothing', () => {
    const required = ['url'];
    const built = objectSchema({ url: { type: 'string' } }, required);
    required.push('other');
    assert.deepEqual(built.required, ['url']);
  });
});

describe('shared value schemas', () => {
  test('a reference is a heap name or an inline declaration; a list holds references', () => {
    assert.deepEqual(check(referenceSchema, 'MyHandler'), []);
    assert.deepEqual(check(referenceSchema, { type: 'Chain', config: {} }), []);
    assert.deepEqual(check(referenceSchema, 3), ['TG_CONFIG_SCHEMA ']);
    assert.deepEqual(check(referenceListSchema, ['a', { type: 'T' }]), []);
    assert.deepEqual(check(referenceListSchema, ['a', 1]), ['TG_CONFIG_SCHEMA /1']);
    assert.deepEqual(check(referenceListSchema, 'a'), ['TG_CONFIG_SCHEMA ']);
  });

  test('an expression is a string', () => {
    assert.deepEqual(check(expressionSchema, '${request.method}'), []);
    assert.deepEqual(check(expressionSchema, true), ['TG_CONFIG_SCHEMA ']);
  });

  test('a condition is a boolean, a string, or { expression, label } with nothing else', () => {
    for (const value of [
      true,
      false,
      '${true}',
      { expression: '${x}' },
      { expression: false, label: 'off' },
    ]) {
      assert.deepEqual(check(conditionSchema, value), [], JSON.stringify(value));
    }
    assert.ok(check(conditionSchema, { label: 'l' }).includes('TG_CONFIG_MISSING_PROPERTY /expression'));
    assert.ok(
      check(conditionSchema, { expression: 'x', lable: 'l' }).includes('TG_CONFIG_UNKNOWN_PROPERTY /lable'),
    );
    assert.deepEqual(check(conditionSchema, 1), ['TG_CONFIG_SCHEMA ']);
    assert.deepEqual(check(conditionSchema, null), ['TG_CONFIG_SCHEMA ']);
  });

  test('a duration is a string or a whole number of seconds', () => {
    assert.deepEqual(check(durationSchema, '10 seconds'), []);
    assert.deepEqual(check(durationSchema, 5), []);
    assert.deepEqual(check(durationSchema, 1.5), ['TG_CONFIG_SCHEMA ']);
  });

  test('a header map takes a string or a list of strings per header', () => {
    assert.deepEqual(check(headerMapSchema, { 'X-One': 'a', 'X-Two': ['b', '${c}'] }), []);
    assert.deepEqual(check(headerMapSchema, { 'X-One': [1] }), ['TG_CONFIG_SCHEMA /X-One/0']);
    assert.deepEqual(check(headerMapSchema, { 'X-One': 1 }), ['TG_CONFIG_SCHEMA /X-One']);
  });
});

describe('declarationSchema', () => {
  test('a declaration needs a non-empty type; its config is an object or null', () => {
    assert.deepEqual(check(declarationSchema, { type: 'Chain' }), []);
    assert.deepEqual(check(declarationSchema, { type: 'Chain', config: null }), []);
    assert.deepEqual(check(declarationSchema, { name: 'n' }), ['TG_CONFIG_MISSING_PROPERTY /type']);
    assert.deepEqual(check(declarationSchema, { type: '' }), ['TG_CONFIG_SCHEMA /type']);
    assert.deepEqual(check(declarationSchema, { type: 'T', name: '' }), ['TG_CONFIG_SCHEMA /name']);
    assert.deepEqual(check(declarationSchema, { type: 'T', config: [] }), ['TG_CONFIG_SCHEMA /config']);
  });

  test('decorations and notes are accepted; the default decorations are checked, others are left to the heap', () => {
    const decorated = {
      name: 'proxy',
      type: 'ReverseProxyHandler',
      comment: 'the backend',
      capture: ['request', 'response'],
      timer: true,
      baseURI: 'http://backend:8080',
      _disabled: { config: 1 },
    };
    assert.deepEqual(check(declarationSchema, decorated), []);
    assert.deepEqual(check(declarationSchema, { type: 'T', capture: 'all', timer: '${true}' }), []);
    assert.deepEqual(check(declarationSchema, { type: 'T', capture: [1] }), ['TG_CONFIG_SCHEMA /capture/0']);
    // Any key may name a decorator declared in the heap: heap.test.ts pins that a typo still fails.
    assert.deepEqual(check(declarationSchema, { type: 'T', 'my-capture': 'all' }), []);
  });
});
