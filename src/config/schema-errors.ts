import type { ErrorObject } from 'ajv';
import { childPointer, configError, type Place, type TollgateError } from '../errors/tollgate-error.js';

/**
 * ajv's errors in words: what was expected (the types, the allowed values, the missing or unknown
 * key, with the nearest known key when a name looks like a typo) and what was found. The errors
 * ajv gives for each branch of an anyOf/oneOf are folded into the one error that helps: the
 * branches a value could be are reported, the ones whose type it does not have are not. Needs the
 * errors of an ajv compiled with `verbose` (the data and schema of each error).
 */

const ARTICLES: Readonly<Record<string, string>> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

/** `a, b or c` */
function alternatives(words: readonly string[], conjunction = 'or'): string {
  if (words.length <= 1) return words[0] ?? '';
  return `${words.slice(0, -1).join(', ')} ${conjunction} ${words[words.length - 1]}`;
}

/** The JSON type of a value, as a schema's `type` names it. */
function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

const SHOWN_LENGTH = 40;

/** A value for a message, short: `"two hundred"`, `8080`, `an object`. */
function shown(value: unknown): string {
  if (value !== null && typeof value === 'object') return ARTICLES[jsonType(value)]!;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > SHOWN_LENGTH ? `${text.slice(0, SHOWN_LENGTH)}…` : text;
}

function typeNames(type: unknown): string[] {
  return (Array.isArray(type) ? type : [type]).map(String);
}

function expectedTypes(types: readonly string[]): string {
  return alternatives([...new Set(types)].map((type) => ARTICLES[type] ?? type));
}

function foundType(data: unknown): string {
  return ARTICLES[jsonType(data)] ?? jsonType(data);
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The known key an unknown one is most likely a typo of: close for its length, and only one such. */
export function nearestKey(unknown: string, known: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(unknown.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const key of known) {
    const d = distance(unknown, key);
    if (d < bestDistance) [best, bestDistance] = [key, d];
  }
  return bestDistance <= limit ? best : undefined;
}

function knownKeys(parentSchema: unknown): string[] {
  const properties = (parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return properties ? Object.keys(properties).filter((key) => key !== 'comment' && key !== 'comments') : [];
}

function unknownProperty(error: ErrorObject, place: Place, pointer: string): TollgateError {
  const property = String(error.params.additionalProperty);
  const known = knownKeys(error.parentSchema);
  const near = nearestKey(property, known);
  const hint = near
    ? `; did you mean "${near}"?`
    : known.length > 0 && known.length <= 12
      ? ` (known: ${known.map((key) => `"${key}"`).join(', ')})`
      : '';
  return configError(
    'TG_CONFIG_UNKNOWN_PROPERTY',
    { file: place.file, pointer: childPointer(pointer, property) },
    `unknown property "${property}"${hint}`,
  );
}

const COMPARISONS: Readonly<Record<string, string>> = {
  minimum: 'at least',
  maximum: 'at most',
  exclusiveMinimum: 'more than',
  exclusiveMaximum: 'less than',
};

/** One ajv error that is not part of a union, as a sentence about the value at its pointer. */
function sentence(error: ErrorObject): string {
  const { params, data } = error;
  switch (error.keyword) {
    case 'type':
      return `must be ${expectedTypes(typeNames(params.type))}, not ${foundType(data)}`;
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((value) => JSON.stringify(value));
      return `must be one of ${alternatives(allowed)}, not ${shown(data)}`;
    }
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}, not ${shown(data)}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${COMPARISONS[error.keyword]} ${String(params.limit)}, not ${shown(data)}`;
    case 'multipleOf':
      return `must be a multiple of ${String(params.multipleOf)}, not ${shown(data)}`;
    case 'minLength':
      return params.limit === 1
        ? 'must not be empty'
        : `must be at least ${String(params.limit)} characters long, not ${(data as string).length}`;
    case 'maxLength':
      return `must be at most ${String(params.limit)} characters long, not ${(data as string).length}`;
    case 'minItems':
      return params.limit === 1
        ? 'must not be empty'
        : `must have at least ${String(params.limit)} items, not ${(data as unknown[]).length}`;
    case 'maxItems':
      return `must have at most ${String(params.limit)} items, not ${(data as unknown[]).length}`;
    case 'minProperties':
      return `must have at least ${String(params.limit)} properties`;
    case 'maxProperties':
      return `must have at most ${String(params.limit)} properties`;
    case 'uniqueItems':
      return `must not repeat an item (items ${String(params.j)} and ${String(params.i)} are the same)`;
    case 'pattern':
      return `must match the pattern ${String(params.pattern)}, not ${shown(data)}`;
    case 'format':
      return `must be ${ARTICLES[String(params.format)] ?? `a valid ${String(params.format)}`}, not ${shown(data)}`;
    case 'propertyNames':
      return `has a property name that is not allowed: ${shown(params.propertyName)}`;
    case 'dependentRequired':
      return `must have "${String(params.missingProperty)}" when it has "${String(params.property)}"`;
    case 'not':
      return 'must not be of the form given';
    case 'oneOf':
      return params.passingSchemas
        ? `matches more than one of the allowed forms (${(params.passingSchemas as number[]).map((index) => index + 1).join(' and ')}); it must match exactly one`
        : 'matches none of the allowed forms';
    case 'anyOf':
      return 'matches none of the allowed forms';
    default:
      return error.message ?? 'does not match the schema';
  }
}

/**
 * Folds the errors of each anyOf/oneOf, innermost first, into what helps. A branch whose type,
 * const or enum the value does not match at the union's own pointer is a form the value is not
 * trying to be: when every branch is such, one error names all the types (or values) allowed;
 * otherwise the errors of the branch the value could be stay (of the closest such branch, the one
 * with the fewest errors, when there are several: listing two branches' errors would read as if
 * both had to be met), and the union's own goes.
 */
function foldUnions(errors: readonly ErrorObject[]): ErrorObject[] {
  let list = [...errors];
  const unions = list
    .filter(
      (error) => (error.keyword === 'anyOf' || error.keyword === 'oneOf') && !error.params.passingSchemas,
    )
    .sort((a, b) => b.schemaPath.length - a.schemaPath.length);
  for (const union of unions) {
    const prefix = `${union.schemaPath}/`;
    const inside = list.filter((error) => error.schemaPath.startsWith(prefix));
    if (inside.length === 0) continue;
    const branchOf = (error: ErrorObject): string => error.schemaPath.slice(prefix.length).split('/')[0]!;
    const mismatched = new Set<string>();
    const types: string[] = [];
    const values: unknown[] = [];
    for (const error of inside) {
      if (error.instancePath !== union.instancePath) continue;
      if (error.keyword === 'type') types.push(...typeNames(error.params.type));
      else if (error.keyword === 'const') values.push(error.params.allowedValue);
      else if (error.keyword === 'enum') values.push(...(error.params.allowedValues as unknown[]));
      else continue;
      mismatched.add(branchOf(error));
    }
    const branches = new Set(inside.map(branchOf));
    let replacement: ErrorObject[];
    if ([...branches].every((branch) => mismatched.has(branch))) {
      const expected = [
        ...(types.length > 0 ? [expectedTypes(types)] : []),
        ...values.map((value) => JSON.stringify(value)),
      ];
      replacement = [
        {
          ...union,
          keyword: 'union',
          message: `must be ${alternatives(expected)}, not ${values.length > 0 ? shown(union.data) : foundType(union.data)}`,
        },
      ];
    } else {
      const candidates = new Map<string, ErrorObject[]>();
      for (const error of inside) {
        const branch = branchOf(error);
        if (!mismatched.has(branch)) candidates.set(branch, [...(candidates.get(branch) ?? []), error]);
      }
      replacement = [...candidates.values()].reduce((best, next) =>
        next.length < best.length ? next : best,
      );
    }
    const first = list.indexOf(inside[0]!);
    list = list.filter((error) => error !== union && !inside.includes(error));
    list.splice(first, 0, ...replacement);
  }
  // if/then: the "then" errors say what is wrong; ajv's own "must match "then" schema" does not.
  return list.filter((error) => error.keyword !== 'if');
}

/** The ajv errors of one check, under `place`, as coded errors in words. */
export function schemaErrors(errors: readonly ErrorObject[], place: Place): TollgateError[] {
  return foldUnions(errors).map((error) => {
    const pointer = place.pointer + error.instancePath;
    if (error.keyword === 'additionalProperties') return unknownProperty(error, place, pointer);
    if (error.keyword === 'required') {
      const property = String(error.params.missingProperty);
      return configError(
        'TG_CONFIG_MISSING_PROPERTY',
        { file: place.file, pointer: childPointer(pointer, property) },
        `"${property}" is required`,
      );
    }
    const words = error.keyword === 'union' ? error.message! : sentence(error);
    return configError('TG_CONFIG_SCHEMA', { file: place.file, pointer }, words);
  });
}
