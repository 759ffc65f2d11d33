import { declarationSchema, type JsonSchema } from './config/schema.js';
import type { TypeRegistry } from './heap/registry.js';
import type { TypeDefinition } from './heap/types.js';
import { routeSchema } from './router/route.js';
import { adminSchema, gatewayConfigSchema } from './server/instance.js';

const BASE = 'https://tollgate.dev/schemas';

/** The names a declaration's `type` may give a definition: its own, then its aliases. */
function namesOf(definition: TypeDefinition): string[] {
  return [definition.type, ...(definition.aliases ?? [])];
}

/**
 * A declaration whose `config` is checked against its type's schema: one if/then per type, so an
 * editor knows the keys of `config` once `type` is written, by any of its names.
 */
function declarationWithConfigs(registry: TypeRegistry): JsonSchema {
  return {
    ...declarationSchema,
    properties: {
      ...(declarationSchema.properties as Record<string, unknown>),
      type: { enum: registry.definitions.flatMap(namesOf) },
    },
    allOf: registry.definitions.map((d) => ({
      if: {
        properties: { type: d.aliases?.length ? { enum: namesOf(d) } : { const: d.type } },
        required: ['type'],
      },
      then: { properties: { config: { $ref: `#/$defs/types/${d.type}` } } },
    })),
  };
}

/** Every published schema, by file name under schemas/. The files are generated from this. */
export function buildJsonSchemas(registry: TypeRegistry): Record<string, JsonSchema> {
  const types: Record<string, JsonSchema> = {};
  for (const d of registry.definitions) types[d.type] = { description: d.description, ...d.schema };
  const defs = { declaration: declarationWithConfigs(registry), types };
  const withDeclarations = (schema: JsonSchema): JsonSchema => ({
    ...schema,
    properties: {
      ...(schema.properties as Record<string, unknown>),
      heap: { type: 'array', items: { $ref: '#/$defs/declaration' } },
    },
  });
  // Any other key of a route file or config.json is a decoration: editors are told the defaults' shapes.
  const { baseURI, capture, timer } = declarationSchema.properties as Record<string, JsonSchema>;
  const withDefaultDecorations = (schema: JsonSchema): JsonSchema => ({
    ...schema,
    properties: { ...(schema.properties as Record<string, unknown>), baseURI, capture, timer },
  });
  const adminProperties = adminSchema.properties as Record<string, JsonSchema>;
  const files: Record<string, JsonSchema> = {
    'route.schema.json': {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: `${BASE}/route.schema.json`,
      title: 'Tollgate route file',
      ...withDeclarations(withDefaultDecorations(routeSchema)),
      $defs: defs,
    },
    'config.schema.json': {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: `${BASE}/config.schema.json`,
      title: 'Tollgate config.json',
      ...withDeclarations(withDefaultDecorations(gatewayConfigSchema)),
      $defs: defs,
    },
    'admin.schema.json': {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: `${BASE}/admin.schema.json`,
      title: 'Tollgate admin.json',
      ...adminSchema,
      properties: {
        ...adminProperties,
        // An editor checks the filter's config against its type, as in a heap.
        apiProtectionFilter: {
          description: adminProperties.apiProtectionFilter?.description,
          $ref: '#/$defs/declaration',
        },
      },
      $defs: defs,
    },
  };
  for (const d of registry.definitions) {
    files[`types/${d.type}.schema.json`] = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: `${BASE}/types/${d.type}.schema.json`,
      title: `${d.type} config`,
      description: d.description,
      ...d.schema,
    };
  }
  return files;
}
