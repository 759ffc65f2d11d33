import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { childPointer, configError, type Place, type TollgateError } from '../errors/tollgate-error.js';
import type { JsonSchema } from './schema.js';

/** A compiled schema check: returns the errors, each with the JSON Pointer of the bad value. */
export type Validator = (value: unknown, place: Place) => TollgateError[];

function toError(error: ErrorObject, place: Place): TollgateError {
  const pointer = place.pointer + error.instancePath;
  switch (error.keyword) {
    case 'additionalProperties': {
      const property = String(error.params.additionalProperty);
      return configError(
        'TG_CONFIG_UNKNOWN_PROPERTY',
        { file: place.file, pointer: childPointer(pointer, property) },
        `unknown property "${property}"`,
      );
    }
    case 'required': {
      const property = String(error.params.missingProperty);
      return configError(
        'TG_CONFIG_MISSING_PROPERTY',
        { file: place.file, pointer: childPointer(pointer, property) },
        `"${property}" is required`,
      );
    }
    default:
      return configError('TG_CONFIG_SCHEMA', { file: place.file, pointer }, error.message ?? 'invalid value');
  }
}

/**
 * One ajv instance per registry (TypeRegistry owns it); every schema is compiled once, the types'
 * when the registry is built, the others (route files, admin.json…) when first asked for.
 * `allErrors` so `tollgate validate` can list every problem of a file in one run.
 */
export class SchemaCompiler {
  readonly #ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });

  compile(schema: JsonSchema): Validator {
    const validate: ValidateFunction = this.#ajv.compile(schema);
    return (value, place) => {
      if (validate(value)) return [];
      return dedupe((validate.errors ?? []).map((e) => toError(e, place)));
    };
  }
}

/** ajv reports `type` once per branch of a union; one line per pointer and code is enough. */
function dedupe(errors: TollgateError[]): TollgateError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.code} ${e.place?.pointer}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
