import type { Logger } from 'pino';
import { ignoredKeysWarning, ignoredKeyNotes } from '../config/ignored-keys.js';
import { declarationSchema, type JsonSchema } from '../config/schema.js';
import type { Validator } from '../config/validate.js';
import type { FunctionTable } from '../el/api.js';
import { compileCondition, compileLValue, compileTemplate } from '../el/index.js';
import { elGet, type ElReadable } from '../el/host.js';
import {
  childPlace,
  ConfigErrors,
  configError,
  formatPlace,
  type Place,
  TollgateError,
} from '../errors/tollgate-error.js';
import type { Environment } from '../http/exchange.js';
import { decorate, type Decoration } from './decorators.js';
import type { TypeRegistry } from './registry.js';
import type { ChildHeap, CreateContext, GatewayInfo, Handler, Kind } from './types.js';

interface Declaration {
  readonly name: string;
  readonly type: string;
  readonly config: unknown;
  readonly decorations: readonly Decoration[];
  readonly place: Place;
}

interface Hook {
  readonly owner: object;
  readonly run: () => Promise<void> | void;
}

const decorationKeys: ReadonlySet<string> = new Set(['capture', 'timer', 'baseURI']);

/** A heap object that exists without being written, created only when referenced. */
export interface DefaultDeclaration {
  readonly name: string;
  readonly type: string;
}

export interface HeapOptions {
  readonly registry: TypeRegistry;
  readonly logger: Logger;
  readonly environment: Environment;
  readonly functions: FunctionTable;
  readonly gateway: GatewayInfo;
  readonly parent?: Heap;
  readonly defaults?: readonly DefaultDeclaration[];
  /** The name of the route whose file this heap belongs to, if any. */
  readonly route?: string;
}

/**
 * Named and inline heap objects of one config file. Lookups go to the parent heap when a name is
 * not declared here. Objects are created once; `start` and `stop` run their lifecycle hooks, stop
 * in reverse order of creation.
 */
export class Heap implements ChildHeap {
  readonly #options: HeapOptions;
  readonly #declarations = new Map<string, Declaration>();
  readonly #lazyNames = new Set<string>();
  /** Names whose declarations were refused: their errors are listed once, not again at each reference. */
  readonly #refused = new Set<string>();
  readonly #instances = new Map<string, { kind: Kind; value: unknown }>();
  readonly #inline = new WeakMap<object, { kind: Kind; value: unknown }>();
  readonly #constructing: string[] = [];
  /** Each hook with the build context that registered it: the object whose hook it is. */
  readonly #startHooks: Hook[] = [];
  readonly #stopHooks: Hook[] = [];
  /** Accepted keys with no meaning here, by file: each file gets one warning naming them all. */
  readonly #ignored = new Map<string, string[]>();
  #started = false;

  constructor(options: HeapOptions) {
    this.#options = options;
    for (const { name, type } of options.defaults ?? []) {
      this.#declarations.set(name, {
        name,
        type,
        config: {},
        decorations: [],
        place: { pointer: `/${name}` },
      });
      this.#lazyNames.add(name);
    }
  }

  get logger(): Logger {
    return this.#options.logger;
  }

  get environment(): Environment {
    return this.#options.environment;
  }

  get gateway(): GatewayInfo {
    return this.#options.gateway;
  }

  /** The check for a schema that is not a type's (a declaration, a route file), by the registry's ajv. */
  validatorFor(schema: JsonSchema): Validator {
    return this.#options.registry.validatorFor(schema);
  }

  child(logger: Logger, route = this.#options.route): Heap {
    const { registry, environment, functions, gateway } = this.#options;
    return new Heap({ registry, environment, functions, gateway, logger, parent: this, route });
  }

  /** The build context for a config value that is not a heap object (a route's own keys). */
  contextFor(name: string, place: Place): CreateContext {
    return this.#context(name, place, this.logger);
  }

  /** Applies route-level decorations (`baseURI`, `capture`, `timer`) to a route's handler. */
  decorateHandler(handler: Handler, entry: Record<string, unknown>, place: Place): Handler {
    const { decorations } = toDeclaration(entry, place);
    if (decorations.length === 0) return handler;
    return decorate(handler, 'Handler', decorations, this.contextFor('route', place)) as Handler;
  }

  /** Adds a file's `heap` array. Throws ConfigErrors listing every malformed declaration. */
  declare(entries: unknown, place: Place): void {
    if (entries === undefined) return;
    if (!Array.isArray(entries))
      throw new ConfigErrors([configError('TG_CONFIG_SCHEMA', place, 'heap must be an array')]);
    const errors: TollgateError[] = [];
    entries.forEach((entry, index) => {
      const entryPlace = childPlace(place, index);
      const problems = this.validatorFor(declarationSchema)(entry, entryPlace);
      if (problems.length > 0) {
        errors.push(...problems);
        const name = (entry as { name?: unknown } | null)?.name;
        if (typeof name === 'string' && !this.#declarations.has(name)) this.#refused.add(name);
        return;
      }
      const declaration = toDeclaration(entry as Record<string, unknown>, entryPlace);
      if (declaration.name === '') {
        errors.push(
          configError(
            'TG_CONFIG_MISSING_PROPERTY',
            childPlace(entryPlace, 'name'),
            'heap objects need a name',
          ),
        );
      } else if (this.#declarations.has(declaration.name) && !this.#lazyNames.has(declaration.name)) {
        errors.push(
          configError(
            'TG_CONFIG_DUPLICATE_NAME',
            childPlace(entryPlace, 'name'),
            `"${declaration.name}" is declared twice`,
          ),
        );
      } else {
        this.#lazyNames.delete(declaration.name);
        this.#declarations.set(declaration.name, declaration);
      }
    });
    if (errors.length > 0) throw new ConfigErrors(errors);
  }

  /**
   * Creates every declared object now, as PingGateway does, so errors surface at load. An object
   * that fails is tried again by each object that references it: its errors are listed once.
   */
  createAll(): void {
    const errors = new Map<string, TollgateError>();
    for (const [name, declaration] of this.#declarations) {
      if (this.#lazyNames.has(name) || this.#instances.has(name)) continue;
      try {
        const registered = this.#options.registry.get(declaration.type);
        this.#createNamed(name, registered?.definition.kind ?? 'Handler', declaration.place);
      } catch (error) {
        // A message holds the code, the place and the detail.
        for (const e of asErrors(error)) errors.set(e.message, e);
      }
    }
    this.#warnIgnored();
    if (errors.size > 0) throw new ConfigErrors([...errors.values()]);
  }

  #noteIgnored(config: unknown, ignoredKeys: Readonly<Record<string, string>>, place: Place): void {
    const notes = ignoredKeyNotes(config, ignoredKeys, place);
    if (notes.length === 0) return;
    const file = place.file ?? '';
    this.#ignored.set(file, [...(this.#ignored.get(file) ?? []), ...notes]);
  }

  #warnIgnored(): void {
    for (const [file, notes] of this.#ignored) {
      this.gateway.configReader.warn(ignoredKeysWarning(file, notes));
    }
    this.#ignored.clear();
  }

  resolve<T>(reference: unknown, kind: Kind, place: Place): T {
    if (typeof reference === 'string') return this.#resolveName(reference, kind, place) as T;
    if (typeof reference === 'object' && reference !== null && !Array.isArray(reference)) {
      return this.#resolveInline(reference as Record<string, unknown>, kind, place) as T;
    }
    throw new ConfigErrors([
      configError('TG_CONFIG_SCHEMA', place, `expected a ${kind} reference (a name or an object)`),
    ]);
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    for (const [index, hook] of this.#startHooks.entries()) {
      try {
        await hook.run();
      } catch (error) {
        // The objects whose start did not complete are left alone; every other is stopped, an
        // object with no start hook too (what it holds exists from its creation).
        const unstarted = new Set(this.#startHooks.slice(index).map((h) => h.owner));
        await this.#runStops((h) => !unstarted.has(h.owner));
        throw error;
      }
    }
  }

  async stop(): Promise<void> {
    await this.#runStops(() => true);
  }

  async #runStops(select: (hook: Hook) => boolean): Promise<void> {
    const hooks = this.#stopHooks.filter(select).reverse();
    for (const hook of hooks) this.#stopHooks.splice(this.#stopHooks.indexOf(hook), 1);
    for (const hook of hooks) {
      try {
        await hook.run();
      } catch (error) {
        this.logger.warn({ err: error }, 'a heap object failed to stop');
      }
    }
  }

  #resolveName(name: string, kind: Kind, place: Place): unknown {
    if (this.#declarations.has(name)) return this.#createNamed(name, kind, place);
    if (this.#refused.has(name)) throw new ConfigErrors([]);
    if (this.#options.parent) return this.#options.parent.resolve(name, kind, place);
    throw new ConfigErrors([configError('TG_CONFIG_BAD_REFERENCE', place, `no heap object named "${name}"`)]);
  }

  #createNamed(name: string, kind: Kind, referencePlace: Place): unknown {
    const existing = this.#instances.get(name);
    if (existing) return checkKind(existing, kind, referencePlace, name);
    if (this.#constructing.includes(name)) {
      const cycle = [...this.#constructing.slice(this.#constructing.indexOf(name)), name].join(' → ');
      throw new ConfigErrors([configError('TG_CONFIG_REFERENCE_CYCLE', referencePlace, cycle)]);
    }
    const declaration = this.#declarations.get(name)!;
    this.#constructing.push(name);
    try {
      const created = this.#create(declaration);
      this.#instances.set(name, created);
      return checkKind(created, kind, referencePlace, name);
    } finally {
      this.#constructing.pop();
    }
  }

  #resolveInline(entry: Record<string, unknown>, kind: Kind, place: Place): unknown {
    const cached = this.#inline.get(entry);
    if (cached) return checkKind(cached, kind, place, String(entry.name ?? entry.type));
    const problems = this.validatorFor(declarationSchema)(entry, place);
    if (problems.length > 0) throw new ConfigErrors(problems);
    const declaration = toDeclaration(entry, place);
    if (
      declaration.name !== '' &&
      this.#declarations.has(declaration.name) &&
      !this.#lazyNames.has(declaration.name)
    ) {
      throw new ConfigErrors([
        configError(
          'TG_CONFIG_DUPLICATE_NAME',
          childPlace(place, 'name'),
          `"${declaration.name}" is also declared in the heap`,
        ),
      ]);
    }
    const created = this.#create({
      ...declaration,
      name: declaration.name || `${declaration.type}${place.pointer}`,
    });
    this.#inline.set(entry, created);
    return checkKind(created, kind, place, declaration.name || declaration.type);
  }

  #create(declaration: Declaration): { kind: Kind; value: unknown } {
    const registered = this.#options.registry.get(declaration.type);
    if (!registered) {
      const near = this.#options.registry.nearestType(declaration.type);
      throw new ConfigErrors([
        configError(
          'TG_CONFIG_UNKNOWN_TYPE',
          childPlace(declaration.place, 'type'),
          `unknown type "${declaration.type}"${near ? `; did you mean "${near}"?` : ''}`,
        ),
      ]);
    }
    const config = declaration.config ?? {};
    const configPlace = childPlace(declaration.place, 'config');
    const problems = registered.validate(config, configPlace);
    if (problems.length > 0) throw new ConfigErrors(problems);
    const { kind, ignoredKeys } = registered.definition;
    if (ignoredKeys) this.#noteIgnored(config, ignoredKeys, configPlace);
    const logger = this.logger.child({ object: declaration.name });
    let value = registered.definition.create(config, this.#context(declaration.name, configPlace, logger));
    if (declaration.decorations.length > 0) {
      value = decorate(
        value,
        kind,
        declaration.decorations,
        this.#context(declaration.name, declaration.place, logger),
      );
    }
    return { kind, value };
  }

  #context(name: string, place: Place, logger: Logger): CreateContext {
    const { functions, environment, gateway } = this.#options;
    const owner = {};
    const onError = (error: TollgateError): void => {
      logger.warn({ code: error.code, place: error.place && formatPlace(error.place) }, error.message);
    };
    return {
      name,
      place,
      route: this.#options.route,
      logger,
      environment,
      functions,
      gateway,
      childHeap: () => this.child(this.logger),
      resolve: <T>(reference: unknown, kind: Kind, at: Place): T => this.resolve<T>(reference, kind, at),
      resolveOptional: <T>(reference: unknown, kind: Kind, at: Place): T | undefined =>
        reference === undefined || reference === null ? undefined : this.resolve<T>(reference, kind, at),
      template: (source, at) => compileTemplate(stringify(source), { place: at, functions, onError }),
      condition: (source, at) => {
        // PingGateway 2025+ also writes conditions as { "expression": …, "label": … }.
        const labelled = typeof source === 'object' && source !== null && 'expression' in source;
        const expression = labelled ? (source as { expression: unknown }).expression : source;
        const place = labelled ? childPlace(at, 'expression') : at;
        return compileCondition(typeof expression === 'boolean' ? expression : stringify(expression), {
          place,
          functions,
          onError,
        });
      },
      lvalue: (source, at) => compileLValue(stringify(source), { place: at, functions, onError }),
      configValue: (source, at) => {
        if (typeof source !== 'string') return source;
        return compileTemplate(source, { place: at, functions, onError }).evaluate(configScope(environment));
      },
      onStart: (run) => {
        this.#startHooks.push({ owner, run });
      },
      onStop: (run) => {
        this.#stopHooks.push({ owner, run });
      },
    };
  }
}

/** The scope of configuration expressions: no request, only the environment. */
export function configScope(environment: Environment): ElReadable {
  return {
    [elGet](name: string): unknown {
      if (name === 'env') return environment.env;
      if (name === 'system') return environment.system;
      return undefined;
    },
  };
}

function stringify(source: unknown): string {
  return typeof source === 'string' ? source : JSON.stringify(source);
}

function checkKind(created: { kind: Kind; value: unknown }, kind: Kind, place: Place, name: string): unknown {
  if (created.kind !== kind) {
    throw new ConfigErrors([
      configError('TG_CONFIG_WRONG_KIND', place, `"${name}" is a ${created.kind}, not a ${kind}`),
    ]);
  }
  return created.value;
}

function toDeclaration(entry: Record<string, unknown>, place: Place): Declaration {
  const decorations: Decoration[] = [];
  for (const [key, value] of Object.entries(entry)) {
    if (decorationKeys.has(key))
      decorations.push({ key: key as Decoration['key'], value, place: childPlace(place, key) });
  }
  return {
    name: typeof entry.name === 'string' ? entry.name : '',
    type: String(entry.type),
    config: entry.config,
    decorations,
    place,
  };
}

export function asErrors(error: unknown): TollgateError[] {
  if (error instanceof ConfigErrors) return [...error.errors];
  if (error instanceof TollgateError) return [error];
  throw error;
}
