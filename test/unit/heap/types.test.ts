import assert from 'node:assert/strict';
import { test } from 'node:test';
import { objectSchema } from '../../../src/config/schema.js';
import { defineType, type Handler } from '../../../src/heap/types.js';
import { textResponse } from '../../../src/http/message.js';

test('defineType gives back the definition itself, frozen: a factory cannot be swapped after boot', () => {
  const definition = {
    type: 'Probe',
    kind: 'Handler' as const,
    description: 'test probe',
    schema: objectSchema({}),
    create: (): Handler => ({ handle: async () => textResponse(200) }),
  };
  const defined = defineType(definition);
  assert.equal(defined, definition);
  assert.ok(Object.isFrozen(defined));
  assert.throws(() => {
    (defined as { create: unknown }).create = () => undefined;
  }, TypeError);
});
