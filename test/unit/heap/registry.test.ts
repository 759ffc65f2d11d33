import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtinTypes } from '../../../src/builtins.js';
import { objectSchema } from '../../../src/config/schema.js';
import { TollgateError } from '../../../src/errors/tollgate-error.js';
import { TypeRegistry } from '../../../src/heap/registry.js';
import type { TypeDefinition } from '../../../src/heap/types.js';

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

test("an alias that is another type's name, or another type's alias, fails when the registry is built", () => {
  const [first, second] = builtinTypes as [TypeDefinition, TypeDefinition];
  const duplicate = (aliases: string[]): unknown => {
    try {
      TypeRegistry.create([
        { ...first, aliases: ['com.example.Shared'] },
        { ...second, aliases },
      ]);
      return undefined;
    } catch (error) {
      return error instanceof TollgateError ? [error.code, error.detail] : error;
    }
  };
  assert.deepEqual(duplicate([first.type]), [
    'TG_CONFIG_DUPLICATE_TYPE',
    `type "${first.type}" is defined twice`,
  ]);
  assert.deepEqual(duplicate(['com.example.Shared']), [
    'TG_CONFIG_DUPLICATE_TYPE',
    'type "com.example.Shared" is defined twice',
  ]);
  assert.equal(duplicate(['com.example.Other']), undefined);
});

test('a type is listed once among the definitions, whatever its aliases', () => {
  const registry = TypeRegistry.create(builtinTypes);
  assert.deepEqual(
    registry.definitions.map((d) => d.type),
    builtinTypes.map((d) => d.type),
  );
});

test('the type an unknown name most likely means is given by its short name', () => {
  const registry = TypeRegistry.create(builtinTypes);
  const cases: [string, string | undefined][] = [
    ['StaticResponseHandlr', 'StaticResponseHandler'],
    ['staticresponsehandler', 'StaticResponseHandler'],
    ['org.forgerock.openig.handler.StaticResponseHandlr', 'StaticResponseHandler'],
    ['com.example.HeaderFilter', 'HeaderFilter'],
    ['org.forgerock.openig.filter.HeaderFilterHeaplet', 'HeaderFilter'],
    ['org.forgerock.openig.filter.HeaderFilter$Heaplet', 'HeaderFilter'],
    ['org.forgerock.openig.filter.HeaderFilter.Heaplet', 'HeaderFilter'],
    ['org.forgerock.openig.openam.SingleSignOnFilter', undefined],
    ['Heaplet', undefined],
  ];
  for (const [name, expected] of cases) assert.equal(registry.nearestType(name), expected, name);
});
