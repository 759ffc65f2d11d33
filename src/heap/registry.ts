import { SchemaCompiler, type Validator } from '../config/validate.js';
import { TollgateError } from '../errors/tollgate-error.js';
import type { TypeDefinition } from './types.js';

export interface RegisteredType {
  readonly definition: TypeDefinition;
  readonly validate: Validator;
}

/**
 * PingGateway type name → definition, with each config schema compiled once. Built from an
 * explicit list and frozen: nothing registers types at run time.
 */
export class TypeRegistry {
  readonly #types: ReadonlyMap<string, RegisteredType>;

  private constructor(types: Map<string, RegisteredType>) {
    this.#types = types;
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
    return new TypeRegistry(types);
  }

  get(type: string): RegisteredType | undefined {
    return this.#types.get(type);
  }

  get definitions(): TypeDefinition[] {
    return [...this.#types.values()].map((t) => t.definition);
  }
}
