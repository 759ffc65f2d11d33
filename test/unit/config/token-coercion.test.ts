import assert from 'node:assert/strict';
import { test } from 'node:test';
import { objectSchema } from '../../../src/config/schema.js';
import { coerceWholeTokens } from '../../../src/config/token-coercion.js';

const schema = objectSchema({
  port: { type: ['integer', 'array'], items: { type: 'integer' } },
  ratio: { type: 'number' },
  enabled: { type: 'boolean' },
  gracePeriod: { type: ['string', 'integer'] },
  name: { type: 'string' },
  either: { anyOf: [{ type: 'integer' }, { type: 'object' }] },
  map: { type: 'object', additionalProperties: { type: 'integer' } },
});
const place = { file: 'admin.json', pointer: '' };

test('a whole-token string becomes the number or boolean its place wants, and the input is kept', () => {
  const document = {
    port: '8085',
    ratio: '0.5',
    enabled: 'true',
    either: '7',
    map: { a: '1' },
    name: 'kept',
  };
  const paths = [['port'], ['ratio'], ['enabled'], ['either'], ['map', 'a']];
  const { value, errors } = coerceWholeTokens(document, paths, schema, place);
  assert.deepEqual(errors, []);
  assert.deepEqual(value, { port: 8085, ratio: 0.5, enabled: true, either: 7, map: { a: 1 }, name: 'kept' });
  assert.equal(document.port, '8085');
});

test('items of an array are coerced by the schema of the items', () => {
  const { value } = coerceWholeTokens(
    { port: ['8080', '8443'] },
    [
      ['port', 0],
      ['port', 1],
    ],
    schema,
    place,
  );
  assert.deepEqual(value, { port: [8080, 8443] });
});

test('only the strings reported as whole tokens, and only where no string is taken, are touched', () => {
  const document = { port: '8085', gracePeriod: '10', name: '12' };
  const { value, errors } = coerceWholeTokens(document, [['gracePeriod'], ['name']], schema, place);
  assert.deepEqual(errors, []);
  assert.equal(value, document);
});

test('a value that is not what the place wants is TG_CONFIG_BAD_VALUE at its pointer', () => {
  const { errors } = coerceWholeTokens(
    { port: 'eighty', ratio: '1/2', enabled: 'yes', map: { 'a/b': '1.5' } },
    [['port'], ['ratio'], ['enabled'], ['map', 'a/b']],
    schema,
    place,
  );
  assert.deepEqual(
    errors.map((error) => [error.code, error.place?.pointer, error.detail]),
    [
      ['TG_CONFIG_BAD_VALUE', '/port', 'the configuration token gives "eighty" where an integer is expected'],
      ['TG_CONFIG_BAD_VALUE', '/ratio', 'the configuration token gives "1/2" where a number is expected'],
      [
        'TG_CONFIG_BAD_VALUE',
        '/enabled',
        'the configuration token gives "yes" where true or false is expected',
      ],
      [
        'TG_CONFIG_BAD_VALUE',
        '/map/a~1b',
        'the configuration token gives "1.5" where an integer is expected',
      ],
    ],
  );
});

test('numbers are read strictly: no hex, no blanks inside, no empty string', () => {
  for (const text of ['0x50', '8 0', '', '1e', '+80', '08']) {
    const { errors } = coerceWholeTokens({ port: text }, [['port']], schema, place);
    assert.equal(errors.length, 1, JSON.stringify(text));
  }
});
