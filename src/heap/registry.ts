import type { JsonSchema } from '../config/schema.js';
import { nearestKey } from '../config/schema-errors.js';
import { SchemaCompiler, type Validator } from '../config/validate.js';
import { TollgateError } from '../errors/tollgate-error.js';
import type { TypeDefinition } from './types.js';

export interface RegisteredType {
  readonly definition: TypeDefinition;
  readonly validate: Validator;
}

/**
 * PingGateway type name → definition, with each config schema compiled once; a type's aliases map
 * to the same entry. Built from an explicit list and frozen: nothing registers types at run time. The registry owns its gateway's
 * one ajv instance: the other schemas (route files, admin.json, config.json, heap declarations)
 * are compiled through it too, each on first use, and kept here rather than in a module.
 */
export class TypeRegistry {
  readonly #types: ReadonlyMap<string, RegisteredType>;
  readonly #definitions: readonly TypeDefinition[];
  readonly #compiler: SchemaCompiler;
  readonly #validators = new WeakMap<JsonSchema, Validator>();

  private constructor(
    types: Map<string, RegisteredType>,
    definitions: readonly TypeDefinition[],
    compiler: SchemaCompiler,
  ) {
    this.#types = types;
    this.#definitions = definitions;
    this.#compiler = compiler;
    Object.freeze(this);
  }

  static create(definitions: readonly TypeDefinition[]): TypeRegistry {
    const compiler = new SchemaCompiler();
    const types = new Map<string, RegisteredType>();
    for (const definition of definitions) {
      const registered = Object.freeze({ definition, validate: compiler.compile(definition.schema) });
      for (const name of [definition.type, ...(definition.aliases ?? [])]) {
        if (types.has(name)) {
          throw new TollgateError('TG_CONFIG_DUPLICATE_TYPE', `type "${name}" is defined twice`);
        }
        types.set(name, registered);
      }
    }
    return new TypeRegistry(types, Object.freeze([...definitions]), compiler);
  }

  /** The type a name (its own or one of its aliases) stands for. */
  get(type: string): RegisteredType | undefined {
    return this.#types.get(type);
  }

  /**
   * The type an unknown name most likely means, by its own name: a class name is compared by its
   * last segment without `Heaplet`, so a misspelt or mis-packaged class name still points at it.
   */
  nearestType(name: string): string | undefined {
    const className = name.replace(/[.$]Heaplet$/, '');
    const simple = className.slice(className.lastIndexOf('.') + 1).replace(/(?<=.)Heaplet$/, '');
    return nearestKey(
      simple,
      this.#definitions.map((definition) => definition.type),
    );
  }

  /** Each type once, in the order it was listed. */
  get definitions(): TypeDefinition[] {
    return [...this.#definitions];
  }

  /** The check for `schema`, compiled by this registry's ajv the first time it is asked for. */
  validatorFor(schema: JsonSchema): Validator {
    let validate = this.#validators.get(schema);
    if (validate === undefined) {
      validate = this.#compiler.compile(schema);
      this.#validators.set(schema, validate);
    }
    return validate;
  }
}
