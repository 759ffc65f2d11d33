import { childPlace, configError, type Place, type TollgateError } from '../errors/tollgate-error.js';
import type { JsonSchema } from './schema.js';

/** The path of a value in a document: its keys and indexes from the root. */
export type ValuePath = readonly (string | number)[];

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The schemas that may apply to the value at `path`, following properties, items and the branches of anyOf/oneOf. */
function schemasAt(schema: JsonSchema, path: ValuePath): JsonSchema[] {
  let current: JsonSchema[] = [schema];
  for (const key of path) {
    const next: JsonSchema[] = [];
    for (const candidate of current.flatMap(branches)) {
      if (typeof key === 'number') {
        if (isObject(candidate.items)) next.push(candidate.items);
        continue;
      }
      const properties = isObject(candidate.properties) ? candidate.properties : {};
      if (isObject(properties[key]) && Object.hasOwn(properties, key)) {
        next.push(properties[key]);
        continue;
      }
      const patterns = isObject(candidate.patternProperties) ? candidate.patternProperties : {};
      const matched = Object.entries(patterns).filter(([pattern]) => new RegExp(pattern, 'u').test(key));
      for (const [, sub] of matched) if (isObject(sub)) next.push(sub);
      if (matched.length === 0 && isObject(candidate.additionalProperties)) {
        next.push(candidate.additionalProperties);
      }
    }
    current = next;
  }
  return current.flatMap(branches);
}

/** A schema and the alternatives it offers, each on its own. */
function branches(schema: JsonSchema): JsonSchema[] {
  const alternatives = [schema.anyOf, schema.oneOf].flatMap((list) =>
    Array.isArray(list) ? list.filter(isObject) : [],
  );
  return [schema, ...alternatives.flatMap(branches)];
}

function typesOf(schemas: readonly JsonSchema[]): Set<string> {
  const types = new Set<string>();
  for (const schema of schemas) {
    const type = schema.type;
    for (const name of Array.isArray(type) ? type : [type]) if (typeof name === 'string') types.add(name);
  }
  return types;
}

/**
 * A token always gives a string, so `"port": "&{listen.port|8085}"` would fail a schema that wants
 * an integer. Each string that was one token and nothing else (`paths`, as resolveTokens reports
 * them) becomes a number or a boolean where the schema wants one and takes no string there; a
 * string with text around its token, or in a place that takes strings, is left as written. A value
 * that cannot be what the place wants is TG_CONFIG_BAD_VALUE at its pointer. Returns a copy of
 * what changed; the input is not modified.
 */
export function coerceWholeTokens(
  document: unknown,
  paths: readonly ValuePath[],
  schema: JsonSchema,
  place: Place,
): { value: unknown; errors: TollgateError[] } {
  const errors: TollgateError[] = [];
  let value = document;
  for (const path of paths) {
    const text = valueAt(value, path);
    if (typeof text !== 'string') continue;
    const types = typesOf(schemasAt(schema, path));
    if (types.has('string') || types.size === 0) continue;
    const wantsNumber = types.has('integer') || types.has('number');
    if (wantsNumber && NUMBER.test(text.trim())) {
      const parsed = Number(text.trim());
      if (types.has('number') || Number.isInteger(parsed)) {
        value = replaced(value, path, parsed);
        continue;
      }
    }
    if (types.has('boolean') && (text.trim() === 'true' || text.trim() === 'false')) {
      value = replaced(value, path, text.trim() === 'true');
      continue;
    }
    if (!wantsNumber && !types.has('boolean')) continue;
    const number = wantsNumber ? (types.has('number') ? 'a number' : 'an integer') : undefined;
    const wanted = [number, types.has('boolean') ? 'true or false' : undefined].filter(Boolean).join(' or ');
    errors.push(
      configError(
        'TG_CONFIG_BAD_VALUE',
        childPlace(place, ...path),
        `the configuration token gives "${text}" where ${wanted} is expected`,
      ),
    );
  }
  return { value, errors };
}

function valueAt(value: unknown, path: ValuePath): unknown {
  let current = value;
  for (const key of path) {
    if (typeof key === 'number' ? !Array.isArray(current) : !isObject(current)) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** `value` with the item at `path` replaced, copying only the containers on the way. */
function replaced(value: unknown, path: ValuePath, item: unknown): unknown {
  if (path.length === 0) return item;
  const [key, ...rest] = path as [string | number, ...(string | number)[]];
  if (Array.isArray(value)) {
    const copy = [...(value as unknown[])];
    copy[key as number] = replaced(copy[key as number], rest, item);
    return copy;
  }
  const record = value as Record<string, unknown>;
  // fromEntries defines own properties, so a "__proto__" key stays a key.
  return Object.fromEntries(
    Object.entries(record).map(([name, inner]) => [name, name === key ? replaced(inner, rest, item) : inner]),
  );
}
