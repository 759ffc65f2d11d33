import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { createBuiltinRegistry } from '../../src/builtins.js';
import { buildJsonSchemas } from '../../src/json-schemas.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? listFiles(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]),
    ),
  );
  return nested.flat();
}

test('schemas/ is exactly what the registry generates (run `npm run schemas` after changing a type)', async () => {
  const expected = buildJsonSchemas(createBuiltinRegistry());
  const onDisk = (await listFiles(join(root, 'schemas')))
    .map((f) => relative(join(root, 'schemas'), f))
    .sort();
  assert.deepEqual(onDisk, Object.keys(expected).sort());
  for (const [file, schema] of Object.entries(expected)) {
    const text = await readFile(join(root, 'schemas', file), 'utf8');
    assert.deepEqual(JSON.parse(text), schema, `schemas/${file} is stale`);
  }
});

test('the route schema accepts a shipped-style route and rejects a typo inside a typed config', () => {
  const schemas = buildJsonSchemas(createBuiltinRegistry());
  const ajv = new Ajv2020({ allowUnionTypes: true, strict: false });
  const validate = ajv.compile(schemas['route.schema.json']!);
  const route = {
    name: 'r',
    heap: [{ name: 'h', type: 'StaticResponseHandler', config: { status: 200, entity: 'x' } }],
    handler: 'h',
  };
  assert.equal(validate(route), true, JSON.stringify(validate.errors));
  const typo = { ...route, heap: [{ name: 'h', type: 'StaticResponseHandler', config: { stauts: 200 } }] };
  assert.equal(validate(typo), false);
});

test('the route and config schemas know a type by its class names and aliases, and check its config by them', () => {
  const schemas = buildJsonSchemas(createBuiltinRegistry());
  const ajv = new Ajv2020({ allowUnionTypes: true, strict: false });
  for (const file of ['route.schema.json', 'config.schema.json']) {
    const validate = ajv.compile(schemas[file]!);
    const withHandler = (type: string, config: unknown): unknown => ({
      heap: [{ name: 'h', type, config }],
      handler: 'h',
    });
    for (const type of ['StaticResponseHandler', 'org.forgerock.openig.handler.StaticResponseHandler']) {
      assert.equal(validate(withHandler(type, { status: 200 })), true, `${file} ${type}`);
      assert.equal(validate(withHandler(type, { stauts: 200 })), false, `${file} ${type} typo`);
    }
    assert.equal(
      validate(withHandler('RouterHandler', { directory: 'routes' })),
      true,
      `${file} RouterHandler`,
    );
    assert.equal(validate(withHandler('RouterHandler', { directroy: 'routes' })), false, `${file} typo`);
    assert.equal(validate(withHandler('org.forgerock.openig.handler.NoSuchHandler', {})), false, file);
  }
});
