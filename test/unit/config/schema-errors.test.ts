import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nearestKey } from '../../../src/config/schema-errors.js';
import { conditionSchema, objectSchema, type JsonSchema } from '../../../src/config/schema.js';
import { SchemaCompiler } from '../../../src/config/validate.js';

const place = { file: 'routes/10-api.json', pointer: '/handler/config' };

/** Pointer and words of each error `value` gives under `schema`, with the code. */
function check(schema: JsonSchema, value: unknown): [code: string, pointer: string, detail: string][] {
  const validate = new SchemaCompiler().compile(schema);
  return validate(value, place).map((error) => [error.code, error.place?.pointer ?? '', error.detail ?? '']);
}

describe('schemaErrors', () => {
  test('a wrong type names every type allowed and the one found', () => {
    assert.deepEqual(check({ type: ['integer', 'array'] }, 'x'), [
      ['TG_CONFIG_SCHEMA', '/handler/config', 'must be an integer or an array, not a string'],
    ]);
    assert.deepEqual(check({ type: 'object' }, [1]), [
      ['TG_CONFIG_SCHEMA', '/handler/config', 'must be an object, not an array'],
    ]);
    assert.deepEqual(check({ type: ['string', 'boolean', 'null'] }, 1.5), [
      ['TG_CONFIG_SCHEMA', '/handler/config', 'must be a string, a boolean or null, not a number'],
    ]);
  });

  test('enum and const list the values allowed and show the one found', () => {
    assert.deepEqual(check({ enum: ['json', 'pretty'] }, 'loud'), [
      ['TG_CONFIG_SCHEMA', '/handler/config', 'must be one of "json" or "pretty", not "loud"'],
    ]);
    assert.deepEqual(check({ enum: ['a', 'b', 'c'] }, { x: 1 }), [
      ['TG_CONFIG_SCHEMA', '/handler/config', 'must be one of "a", "b" or "c", not an object'],
    ]);
    assert.deepEqual(check({ const: 'Bearer' }, 'bearer'), [
      ['TG_CONFIG_SCHEMA', '/handler/config', 'must be "Bearer", not "bearer"'],
    ]);
  });

  test('limits say the limit and the value: numbers, lengths, counts, patterns, formats', () => {
    const schema = objectSchema({
      status: { type: 'integer', minimum: 100, maximum: 599 },
      ratio: { type: 'number', exclusiveMinimum: 0 },
      name: { type: 'string', minLength: 1 },
      code: { type: 'string', minLength: 3, maxLength: 4 },
      list: { type: 'array', minItems: 1, uniqueItems: true },
      id: { type: 'string', pattern: '^[a-z]+$' },
    });
    assert.deepEqual(
      check(schema, { status: 700, ratio: 0, name: '', code: 'ab', list: [], id: 'A1' }).map(([, p, d]) => [
        p,
        d,
      ]),
      [
        ['/handler/config/status', 'must be at most 599, not 700'],
        ['/handler/config/ratio', 'must be more than 0, not 0'],
        ['/handler/config/name', 'must not be empty'],
        ['/handler/config/code', 'must be at least 3 characters long, not 2'],
        ['/handler/config/list', 'must not be empty'],
        ['/handler/config/id', 'must match the pattern ^[a-z]+$, not "A1"'],
      ],
    );
    assert.deepEqual(
      check(schema, { status: 99, list: [1, 1] }).map(([, , d]) => d),
      ['must be at least 100, not 99', 'must not repeat an item (items 0 and 1 are the same)'],
    );
    assert.deepEqual(
      check({ type: 'string', maxLength: 3 }, 'abcdef')[0]?.[2],
      'must be at most 3 characters long, not 6',
    );
  });

  test('an unknown key is named, with the known key it is closest to, or the known keys', () => {
    const schema = objectSchema({ status: { type: 'integer' }, entity: { type: 'string' }, headers: {} });
    assert.deepEqual(check(schema, { stauts: 200, entitty: 'x', zzz: 1 }), [
      [
        'TG_CONFIG_UNKNOWN_PROPERTY',
        '/handler/config/stauts',
        'unknown property "stauts"; did you mean "status"?',
      ],
      [
        'TG_CONFIG_UNKNOWN_PROPERTY',
        '/handler/config/entitty',
        'unknown property "entitty"; did you mean "entity"?',
      ],
      [
        'TG_CONFIG_UNKNOWN_PROPERTY',
        '/handler/config/zzz',
        'unknown property "zzz" (known: "status", "entity", "headers")',
      ],
    ]);
  });

  test('a missing key is named at the pointer it should be at', () => {
    assert.deepEqual(check(objectSchema({ uri: { type: 'string' } }, ['uri']), {}), [
      ['TG_CONFIG_MISSING_PROPERTY', '/handler/config/uri', '"uri" is required'],
    ]);
  });

  test('a union the value matches no branch of by type is one error naming all the types', () => {
    assert.deepEqual(check(conditionSchema, 3), [
      ['TG_CONFIG_SCHEMA', '/handler/config', 'must be a string, a boolean or an object, not an integer'],
    ]);
    assert.deepEqual(check({ anyOf: [{ const: 'disabled' }, { type: 'integer' }] }, 'never'), [
      ['TG_CONFIG_SCHEMA', '/handler/config', 'must be an integer or "disabled", not "never"'],
    ]);
  });

  test('a union with a branch of the value’s type reports that branch’s errors, not the others', () => {
    assert.deepEqual(check(conditionSchema, { expresion: '${true}' }), [
      ['TG_CONFIG_MISSING_PROPERTY', '/handler/config/expression', '"expression" is required'],
      [
        'TG_CONFIG_UNKNOWN_PROPERTY',
        '/handler/config/expresion',
        'unknown property "expresion"; did you mean "expression"?',
      ],
    ]);
    const either = {
      anyOf: [
        objectSchema({ uri: {}, method: {} }, ['uri', 'method']),
        objectSchema({ handler: {} }, ['handler']),
      ],
    };
    assert.deepEqual(check(either, {}), [
      ['TG_CONFIG_MISSING_PROPERTY', '/handler/config/handler', '"handler" is required'],
    ]);
    const nested = {
      oneOf: [
        { type: 'string' },
        { type: 'object', properties: { n: { anyOf: [{ type: 'integer' }, { const: 'x' }] } } },
      ],
    };
    assert.deepEqual(check(nested, { n: true }), [
      ['TG_CONFIG_SCHEMA', '/handler/config/n', 'must be an integer or "x", not true'],
    ]);
  });

  test('a oneOf that more than one branch matches says which', () => {
    assert.deepEqual(check({ oneOf: [{ type: 'number' }, { type: 'integer' }] }, 1), [
      [
        'TG_CONFIG_SCHEMA',
        '/handler/config',
        'matches more than one of the allowed forms (1 and 2); it must match exactly one',
      ],
    ]);
  });

  test('if/then reports what "then" finds, not ajv’s "must match then schema"', () => {
    const schema = {
      type: 'object',
      properties: { type: { type: 'string' }, config: {} },
      if: { properties: { type: { const: 'A' } } },
      then: { properties: { config: { type: 'object' } } },
    };
    assert.deepEqual(check(schema, { type: 'A', config: 1 }), [
      ['TG_CONFIG_SCHEMA', '/handler/config/config', 'must be an object, not an integer'],
    ]);
  });
});

describe('nearestKey', () => {
  test('suggests a key only when it is close for the name’s length, case aside', () => {
    const known = ['status', 'headers', 'entity', 'baseURI'];
    assert.equal(nearestKey('stauts', known), 'status');
    assert.equal(nearestKey('baseUri', known), 'baseURI');
    assert.equal(nearestKey('header', known), 'headers');
    assert.equal(nearestKey('body', known), undefined);
    assert.equal(nearestKey('x', []), undefined);
  });
});
