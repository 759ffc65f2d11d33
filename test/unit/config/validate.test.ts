import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SchemaCompiler } from '../../../src/config/validate.js';
import type { TollgateError } from '../../../src/errors/tollgate-error.js';

const place = { file: 'routes/10-api.json', pointer: '/heap/2/config' };

/** Code, pointer and detail of each error, with the file checked once for all of them. */
function summary(errors: readonly TollgateError[]): [code: string, pointer: string, detail: string][] {
  for (const error of errors) assert.equal(error.place?.file, 'routes/10-api.json');
  return errors.map((error) => [error.code, error.place?.pointer ?? '', error.detail ?? '']);
}

describe('SchemaCompiler', () => {
  const compiler = new SchemaCompiler();
  const validate = compiler.compile({
    type: 'object',
    properties: {
      uri: { type: 'string' },
      nested: {
        type: 'object',
        properties: { list: { type: 'array', items: { type: 'integer', minimum: 0 } } },
        additionalProperties: false,
      },
    },
    required: ['uri'],
    additionalProperties: false,
  });

  test('a valid value gives no errors', () => {
    assert.deepEqual(validate({ uri: 'http://x', nested: { list: [0, 1] } }, place), []);
  });

  test('an unknown key is TG_CONFIG_UNKNOWN_PROPERTY at the key itself, under the given place', () => {
    assert.deepEqual(summary(validate({ uri: 'u', nested: { lst: [] } }, place)), [
      [
        'TG_CONFIG_UNKNOWN_PROPERTY',
        '/heap/2/config/nested/lst',
        'unknown property "lst"; did you mean "list"?',
      ],
    ]);
  });

  test('a missing key is TG_CONFIG_MISSING_PROPERTY at the key it should have been', () => {
    assert.deepEqual(summary(validate({}, place)), [
      ['TG_CONFIG_MISSING_PROPERTY', '/heap/2/config/uri', '"uri" is required'],
    ]);
  });

  test('any other problem is TG_CONFIG_SCHEMA at the bad value, in words (schema-errors.ts)', () => {
    assert.deepEqual(summary(validate({ uri: 1, nested: { list: [0, -1, 'x'] } }, place)), [
      ['TG_CONFIG_SCHEMA', '/heap/2/config/uri', 'must be a string, not an integer'],
      ['TG_CONFIG_SCHEMA', '/heap/2/config/nested/list/1', 'must be at least 0, not -1'],
      ['TG_CONFIG_SCHEMA', '/heap/2/config/nested/list/2', 'must be an integer, not a string'],
    ]);
  });

  test('every problem of a value is listed, so `tollgate validate` shows them in one run', () => {
    const errors = validate({ nested: { a: 1, b: 2, list: 'no' } }, place);
    assert.deepEqual(
      errors.map((error) => error.code),
      [
        'TG_CONFIG_MISSING_PROPERTY',
        'TG_CONFIG_UNKNOWN_PROPERTY',
        'TG_CONFIG_UNKNOWN_PROPERTY',
        'TG_CONFIG_SCHEMA',
      ],
    );
  });

  test('key names in pointers are escaped: a header name with / or ~ points at itself', () => {
    const strict = compiler.compile({
      type: 'object',
      properties: { 'a/b': { type: 'integer' } },
      required: ['a/b'],
      additionalProperties: false,
    });
    assert.deepEqual(
      summary(strict({ 'x~y/z': 1 }, place)).map(([code, pointer]) => [code, pointer]),
      [
        ['TG_CONFIG_MISSING_PROPERTY', '/heap/2/config/a~1b'],
        ['TG_CONFIG_UNKNOWN_PROPERTY', '/heap/2/config/x~0y~1z'],
      ],
    );
  });

  test('a value that fails every branch of a union is one error at its pointer, not one per branch', () => {
    const union = compiler.compile({ anyOf: [{ type: 'string' }, { type: 'object' }] });
    const errors = union(3, { pointer: '/condition' });
    assert.deepEqual(
      errors.map((error) => [error.code, error.place?.pointer, error.detail]),
      [['TG_CONFIG_SCHEMA', '/condition', 'must be a string or an object, not an integer']],
    );
    assert.equal(errors[0]?.place?.file, undefined);
  });

  test('a schema with an unknown keyword is refused when it is compiled (strict mode)', () => {
    // A typo in a type's own schema (`propertees`) would otherwise accept anything.
    assert.throws(
      () => compiler.compile({ type: 'object', propertees: {} }),
      /unknown keyword: "propertees"/,
    );
  });

  test('each compiler has its own ajv: schemas with the same $id live in two, not twice in one', () => {
    const schema = { $id: 'urn:tollgate:test', type: 'string' };
    compiler.compile(schema);
    assert.throws(() => compiler.compile({ ...schema }), /already exists/);
    assert.deepEqual(new SchemaCompiler().compile({ ...schema })('x', place), []);
  });
});
