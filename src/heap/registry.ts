import type { JsonSchema } from '../config/schema.js';
import { SchemaCompiler, type Validator } from '../config/validate.js';
import { TollgateError } from '../errors/tollgate-error.js';
import type { TypeDefinition } from './types.js';

export interface RegisteredType {
  readonly definition: TypeDefinition;
  readonly validate: Validator;
}

/**
 * PingGateway type name → definition, with each config schema compiled once. Built from an
 * explicit list and frozen: nothing registers types at run time. The registry owns its gateway's
 * one ajv instance: the other schemas (route files, admin.json, config.json, heap declarations)
 * are compiled through it too, each on first use, and kept here rather than in a module.
 */
export class TypeRegistry {
  readonly #types: ReadonlyMap<string, RegisteredType>;
  readonly #compiler: SchemaCompiler;
  readonly #validators = new WeakMap<JsonSchema, Validator>();

  private constructor(types: Map<string, RegisteredType>, compiler: SchemaCompiler) {
    this.#types = types;
    this.#compiler = compiler;
    Object.freeze(this);
  }

  static create(definitions: readonly TypeDefinition[]): TypeRegistry {
    const compiler = new SchemaCompiler();
    const types = new Map<string, RegisteredType>();
    for (const definition of definitions) {
      if (types.has(definition.type)) {
        throw new TollgateError('TG_CONFIG_DUPLICATE_TYPE', `type "${definition.type}" is defined twice`);
      }
      types.set(
        definition.type,
        Object.freeze({ definition, validate: compiler.compile(definition.schema) }),
      );
    }
    return new TypeRegistry(types, compiler);
  }

  get(type: string): RegisteredType | undefined {
    return this.#types.get(type);
  }

  get definitions(): TypeDefinition[] {
    return [...this.#types.values()].map((t) => t.definition);
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
