import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtinTypes } from '../../../src/builtins.js';
import { objectSchema } from '../../../src/config/schema.js';
import { TollgateError } from '../../../src/errors/tollgate-error.js';
import { TypeRegistry } from '../../../src/heap/registry.js';

const place = { file: 'routes/r.json', pointer: '' };

test('two registries have an ajv each: a schema id taken in one is free in the other', () => {
  // ajv refuses a second schema with an $id it already holds, so this tells one ajv from two.
  const probe = (): Record<string, unknown> => ({ $id: 'https://tollgate.test/probe', type: 'string' });
  const first = TypeRegistry.create([]);
  const second = TypeRegistry.create([]);
  first.validatorFor(probe());
  assert.doesNotThrow(() => second.validatorFor(probe()));
  assert.throws(() => first.validatorFor(probe()), /already exists/);
});

test("a schema is compiled once per registry, and checks with the registry's errors", () => {
  const registry = TypeRegistry.create(builtinTypes);
  const schema = objectSchema({ name: { type: 'string' } }, ['name']);
  assert.equal(registry.validatorFor(schema), registry.validatorFor(schema));
  assert.notEqual(TypeRegistry.create([]).validatorFor(schema), registry.validatorFor(schema));
  const errors = registry.validatorFor(schema)({ nmae: 'x' }, place);
  assert.deepEqual(
    errors.map((error) => [error.code, error.place?.pointer]),
    [
      ['TG_CONFIG_MISSING_PROPERTY', '/name'],
      ['TG_CONFIG_UNKNOWN_PROPERTY', '/nmae'],
    ],
  );
});

test('a type defined twice fails when the registry is built', () => {
  const [type] = builtinTypes;
  assert.throws(
    () => TypeRegistry.create([type!, type!]),
    (error: unknown) => error instanceof TollgateError && error.code === 'TG_CONFIG_DUPLICATE_TYPE',
  );
});
