/** A JSON Schema object, as ajv takes it. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/**
 * Building blocks for the config schemas. Objects are strict (unknown keys are errors) but keep
 * PingGateway's conventions for notes in JSON: a `comment` key (`comments` in some of its
 * examples, a list of lines) and keys starting with `_`.
 */
const noteLinesSchema: JsonSchema = { type: ['string', 'array'], items: { type: 'string' } };

export function objectSchema(
  properties: Record<string, JsonSchema>,
  required: readonly string[] = [],
  extra: Record<string, unknown> = {},
): JsonSchema {
  return {
    type: 'object',
    properties: { comment: { type: 'string' }, comments: noteLinesSchema, ...properties },
    patternProperties: { '^_': {} },
    additionalProperties: false,
    ...(required.length > 0 ? { required: [...required] } : {}),
    ...extra,
  };
}

/** A heap reference: the name of a heap object, or an inline declaration. */
export const referenceSchema: JsonSchema = {
  type: ['string', 'object'],
  description: 'The name of a heap object, or an inline object declaration { type, config }',
};

export const referenceListSchema: JsonSchema = { type: 'array', items: referenceSchema };

/** A string that may hold ${…} / #{…} expressions. */
export const expressionSchema: JsonSchema = { type: 'string' };

/** A runtime condition: a boolean, a string holding an expression, or `{ expression, label }`. */
export const conditionSchema: JsonSchema = {
  anyOf: [
    { type: ['string', 'boolean'] },
    {
      type: 'object',
      properties: { expression: { type: ['string', 'boolean'] }, label: { type: 'string' } },
      required: ['expression'],
      additionalProperties: false,
    },
  ],
};

/** A PingGateway duration: "10 seconds", "disabled", or a number of seconds. */
export const durationSchema: JsonSchema = { type: ['string', 'integer'] };

/** A map of header name → list of expression strings (a single string is accepted too). */
export const headerMapSchema: JsonSchema = {
  type: 'object',
  additionalProperties: { type: ['array', 'string'], items: { type: 'string' } },
};

/**
 * The shape shared by every heap declaration; `config` is checked against the type's schema. Any
 * other key is a decoration: the heap checks that it names a decorator, so a typo still fails.
 */
export const declarationSchema: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1 },
    type: { type: 'string', minLength: 1 },
    config: { type: ['object', 'null'] },
    comment: { type: 'string' },
    capture: { type: ['string', 'array'], items: { type: 'string' } },
    timer: { type: ['boolean', 'string'] },
    baseURI: { type: 'string' },
    audit: { description: "OpenIG's audit decoration: accepted and ignored, with a warning" },
  },
  patternProperties: { '^_': {} },
  required: ['type'],
  additionalProperties: { description: 'A decoration: the name of a decorator in this heap or a parent one' },
};
