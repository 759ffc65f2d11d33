import { Ajv, type ValidateFunction } from 'ajv';
import type { Place, TollgateError } from '../errors/tollgate-error.js';
import type { JsonSchema } from './schema.js';
import { schemaErrors } from './schema-errors.js';

/** A compiled schema check: returns the errors, each with the JSON Pointer of the bad value. */
export type Validator = (value: unknown, place: Place) => TollgateError[];

/**
 * One ajv instance per registry (TypeRegistry owns it); every schema is compiled once, the types'
 * when the registry is built, the others (route files, admin.json…) when first asked for.
 * `allErrors` so `tollgate validate` can list every problem of a file in one run; `verbose` so each
 * error has the value and schema it is about, which schema-errors.ts puts into words.
 */
export class SchemaCompiler {
  readonly #ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });

  compile(schema: JsonSchema): Validator {
    const validate: ValidateFunction = this.#ajv.compile(schema);
    return (value, place) => {
      if (validate(value)) return [];
      return dedupe(schemaErrors(validate.errors ?? [], place));
    };
  }
}

/** One line per pointer and code is enough: the second says nothing the first does not. */
function dedupe(errors: TollgateError[]): TollgateError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.code} ${e.place?.pointer}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
