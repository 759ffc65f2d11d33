import type { Logger } from 'pino';
import { ignoredKeysWarning, ignoredKeyNotes } from '../config/ignored-keys.js';
import { declarationSchema, type JsonSchema } from '../config/schema.js';
import { nearestKey } from '../config/schema-errors.js';
import type { Validator } from '../config/validate.js';
import type { FunctionTable } from '../el/api.js';
import { compileCondition, compileLValue, compileTemplate } from '../el/index.js';
import { elGet, type ElReadable } from '../el/host.js';
import {
  childPlace,
  collectErrors,
  ConfigErrors,
  configError,
  formatPlace,
  type Place,
  TollgateError,
} from '../errors/tollgate-error.js';
import type { Environment } from '../http/exchange.js';
import { decorate, decorationsOf, type Decoration, type ResolvedDecoration } from './decorators.js';
import type { TypeRegistry } from './registry.js';
import type { ChildHeap, CreateContext, Decorator, GatewayInfo, Handler, Kind } from './types.js';

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

/** The keys of a declaration that are not decorations. */
const declarationKeys: ReadonlySet<string> = new Set(['name', 'type', 'config']);

/** What a global decoration is tried on when it is declared, so that a bad value fails at its place, once. */
const TRIAL_HANDLER: Handler = { handle: () => Promise.reject(new Error('never called')) };

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
  /**
   * The `properties` of the file this heap belongs to, top-level names in its expressions and its
   * children's (a child's win). A root heap takes config.json's and admin.json's from `gateway`.
   */
  readonly properties?: Readonly<Record<string, unknown>>;
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
  /** This file's `globalDecorators`, each with its decorator. */
  #globals: readonly ResolvedDecoration[] = [];
  /** Handlers and filters this heap resolved, each with the global decorations applied. */
  readonly #globallyDecorated = new WeakMap<object, unknown>();
  #started = false;
  /** What expressions compiled in this heap read as top-level names besides the request's. */
  readonly #variables: Readonly<Record<string, unknown>>;

  constructor(options: HeapOptions) {
    this.#options = options;
    this.#variables = Object.freeze({
      ...(options.parent ? options.parent.#variables : rootGlobals(options.gateway)),
      ...frozenCopy(options.properties ?? {}),
    });
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

  child(logger: Logger, route = this.#options.route, properties?: Readonly<Record<string, unknown>>): Heap {
    const { registry, environment, functions, gateway } = this.#options;
    return new Heap({ registry, environment, functions, gateway, logger, parent: this, route, properties });
  }

  /** The build context for a config value that is not a heap object (a route's own keys). */
  contextFor(name: string, place: Place): CreateContext {
    return this.#context(name, place, this.logger);
  }

  /**
   * Resolves a file's top-level handler and applies the file's top-level decorations to it: every
   * key of `entry` that is not one of `reserved` names a decorator (PingGateway's route-level
   * `baseURI`, `capture`, `timer` and named ones), applied after the global ones.
   */
  decorateHandler(
    resolveHandler: () => Handler,
    entry: Record<string, unknown>,
    place: Place,
    reserved: readonly string[],
  ): Handler {
    const errors: TollgateError[] = [];
    const decorations: ResolvedDecoration[] = [];
    for (const decoration of decorationsOf(entry, place, new Set(reserved))) {
      const decorator = collectErrors(errors, () =>
        this.#decoratorFor(decoration, 'TG_CONFIG_UNKNOWN_PROPERTY', reserved)!,
      );
      if (decorator) decorations.push({ ...decoration, decorator });
    }
    const handler = collectErrors(errors, resolveHandler);
    if (errors.length > 0 || handler === undefined) throw new ConfigErrors(errors);
    if (decorations.length === 0) return handler;
    return decorate(handler, 'Handler', decorations, this.contextFor('route', place)) as Handler;
  }

  /**
   * A file's `globalDecorators`: applied to every Handler and Filter this heap and its children
   * resolve, after the object's own decorations and after the parent heaps' global ones. Each
   * value is tried once here, so a bad one fails at its place.
   */
  decorateGlobally(decorations: unknown, place: Place): void {
    if (decorations === undefined) return;
    if (typeof decorations !== 'object' || decorations === null || Array.isArray(decorations)) {
      throw new ConfigErrors([configError('TG_CONFIG_SCHEMA', place, 'globalDecorators must be an object')]);
    }
    const errors: TollgateError[] = [];
    const resolved: ResolvedDecoration[] = [];
    for (const decoration of decorationsOf(decorations as Record<string, unknown>, place, new Set())) {
      const decorator = collectErrors(errors, () => {
        const found = this.#decoratorFor(decoration, 'TG_CONFIG_UNKNOWN_DECORATOR', [])!;
        found.decorate(
          TRIAL_HANDLER,
          'Handler',
          decoration.value,
          decoration.place,
          this.contextFor('globalDecorators', place),
        );
        return found;
      });
      if (decorator) resolved.push({ ...decoration, decorator });
    }
    this.#globals = resolved;
    if (errors.length > 0) throw new ConfigErrors(errors);
  }

  /** Adds a file's `heap` array. Throws ConfigErrors listing every malformed declaration. */
  declare(entries: unknown, place: Place): void {
    if (entries === undefined) return;
    if (!Array.isArray(entries))
      throw new ConfigErrors([configError('TG_CONFIG_SCHEMA', place, 'heap must be an array')]);
    // Each entry's errors, so that they are listed in the order of the file.
    const errors: TollgateError[][] = entries.map(() => []);
    const added: [Declaration, number][] = [];
    entries.forEach((entry, index) => {
      const entryPlace = childPlace(place, index);
      const problems = this.validatorFor(declarationSchema)(entry, entryPlace);
      if (problems.length > 0) {
        errors[index]!.push(...problems);
        const name = (entry as { name?: unknown } | null)?.name;
        if (typeof name === 'string' && !this.#declarations.has(name)) this.#refused.add(name);
        return;
      }
      const declaration = toDeclaration(entry as Record<string, unknown>, entryPlace);
      if (declaration.name === '') {
        errors[index]!.push(
          configError(
            'TG_CONFIG_MISSING_PROPERTY',
            childPlace(entryPlace, 'name'),
            'heap objects need a name',
          ),
        );
      } else if (this.#declarations.has(declaration.name) && !this.#lazyNames.has(declaration.name)) {
        errors[index]!.push(
          configError(
            'TG_CONFIG_DUPLICATE_NAME',
            childPlace(entryPlace, 'name'),
            `"${declaration.name}" is declared twice`,
          ),
        );
      } else {
        this.#lazyNames.delete(declaration.name);
        this.#declarations.set(declaration.name, declaration);
        added.push([declaration, index]);
      }
    });
    // Once the whole array is in, a decoration key may name any decorator of it: one naming none
    // is refused now, as a misspelt key is, rather than when the object is first created.
    for (const [declaration, index] of added) {
      if (this.#kindOf(declaration) === 'Decorator') continue;
      const found = errors[index]!;
      for (const decoration of declaration.decorations) {
        collectErrors(found, () =>
          this.#decoratorFor(decoration, 'TG_CONFIG_UNKNOWN_PROPERTY', [...declarationKeys], false),
        );
      }
      if (found.length > 0) {
        this.#declarations.delete(declaration.name);
        this.#refused.add(declaration.name);
      }
    }
    if (errors.some((found) => found.length > 0)) throw new ConfigErrors(errors.flat());
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
    if (typeof reference === 'string') {
      return this.#globally(this.#resolveName(reference, kind, place), kind, reference, place) as T;
    }
    if (typeof reference === 'object' && reference !== null && !Array.isArray(reference)) {
      const entry = reference as Record<string, unknown>;
      const name = typeof entry.name === 'string' ? entry.name : `${String(entry.type)}${place.pointer}`;
      return this.#globally(this.#resolveInline(entry, kind, place), kind, name, place) as T;
    }
    throw new ConfigErrors([
      configError('TG_CONFIG_SCHEMA', place, `expected a ${kind} reference (a name or an object)`),
    ]);
  }

  declares(name: string): boolean {
    return this.#declarations.has(name) || (this.#options.parent?.declares(name) ?? false);
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
    // The parent's object as it declared it: the global decorations applied are this heap's chain.
    if (this.#options.parent) return this.#options.parent.#resolveName(name, kind, place);
    throw new ConfigErrors([configError('TG_CONFIG_BAD_REFERENCE', place, `no heap object named "${name}"`)]);
  }

  /** The global decorations of the parent heaps, outermost parent first, then this heap's. */
  #globalChain(): readonly ResolvedDecoration[] {
    const parent = this.#options.parent;
    const inherited = parent === undefined ? [] : parent.#globalChain();
    return inherited.length === 0 ? this.#globals : [...inherited, ...this.#globals];
  }

  /** A handler or filter with the global decorations applied, once for each object this heap resolves. */
  #globally(value: unknown, kind: Kind, name: string, place: Place): unknown {
    if ((kind !== 'Handler' && kind !== 'Filter') || typeof value !== 'object' || value === null)
      return value;
    const chain = this.#globalChain();
    if (chain.length === 0) return value;
    const known = this.#globallyDecorated.get(value);
    if (known !== undefined) return known;
    const decorated = decorate(
      value,
      kind,
      chain,
      this.#context(name, place, this.logger.child({ object: name })),
    );
    this.#globallyDecorated.set(value, decorated);
    return decorated;
  }

  /** The heap that declares `name` (this one or an ancestor); 'refused' when its declaration was refused. */
  #declaringHeap(name: string): Heap | 'refused' | undefined {
    if (this.#declarations.has(name)) return this;
    if (this.#refused.has(name)) return 'refused';
    const parent = this.#options.parent;
    return parent === undefined ? undefined : parent.#declaringHeap(name);
  }

  #kindOf(declaration: Declaration): Kind | undefined {
    return this.#options.registry.get(declaration.type)?.definition.kind;
  }

  /** Every decorator name this heap can resolve, for suggestions. */
  #decoratorNames(): string[] {
    const own = [...this.#declarations.values()]
      .filter((declaration) => this.#kindOf(declaration) === 'Decorator')
      .map((declaration) => declaration.name);
    const parent = this.#options.parent;
    return parent === undefined ? own : [...own, ...parent.#decoratorNames()];
  }

  /**
   * The decorator a decoration key names. A key that names none is `code` at the key (a typo is
   * an error, not a silent no-op); a decorator whose declaration failed has its errors listed there.
   * With `create` false it only checks the name.
   */
  #decoratorFor(
    decoration: Decoration,
    code: 'TG_CONFIG_UNKNOWN_PROPERTY' | 'TG_CONFIG_UNKNOWN_DECORATOR',
    known: readonly string[],
    create = true,
  ): Decorator | undefined {
    const { name, place } = decoration;
    const owner = this.#declaringHeap(name);
    if (owner === 'refused') throw new ConfigErrors([]);
    const declaration = owner === undefined ? undefined : owner.#declarations.get(name);
    const kind = declaration === undefined ? undefined : owner!.#kindOf(declaration);
    if (declaration !== undefined && kind === undefined) throw new ConfigErrors([]);
    if (kind !== 'Decorator') {
      const near = nearestKey(name, [...known.filter((key) => key !== 'comment'), ...this.#decoratorNames()]);
      const what = code === 'TG_CONFIG_UNKNOWN_PROPERTY' ? 'property' : 'decorator';
      const detail = kind === undefined ? '' : ` (a ${kind}, not a decorator)`;
      throw new ConfigErrors([
        configError(
          code,
          place,
          `unknown ${what} "${name}"${detail}${near ? `; did you mean "${near}"?` : ''}`,
        ),
      ]);
    }
    return create ? this.resolve<Decorator>(name, 'Decorator', place) : undefined;
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
    // Decorators are never decorated themselves (PingGateway's rule, which also keeps them acyclic).
    if (declaration.decorations.length > 0 && kind !== 'Decorator') {
      const errors: TollgateError[] = [];
      const decorations: ResolvedDecoration[] = [];
      for (const decoration of declaration.decorations) {
        const decorator = collectErrors(errors, () =>
          this.#decoratorFor(decoration, 'TG_CONFIG_UNKNOWN_PROPERTY', [...declarationKeys])!,
        );
        if (decorator) decorations.push({ ...decoration, decorator });
      }
      if (errors.length > 0) throw new ConfigErrors(errors);
      value = decorate(value, kind, decorations, this.#context(declaration.name, declaration.place, logger));
    }
    return { kind, value };
  }

  #context(name: string, place: Place, logger: Logger): CreateContext {
    const { functions, environment, gateway } = this.#options;
    const globals = this.#variables;
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
      template: (source, at) =>
        compileTemplate(stringify(source), { place: at, functions, onError, globals }),
      condition: (source, at) => {
        // PingGateway 2025+ also writes conditions as { "expression": …, "label": … }.
        const labelled = typeof source === 'object' && source !== null && 'expression' in source;
        const expression = labelled ? (source as { expression: unknown }).expression : source;
        const place = labelled ? childPlace(at, 'expression') : at;
        return compileCondition(typeof expression === 'boolean' ? expression : stringify(expression), {
          place,
          functions,
          onError,
          globals,
        });
      },
      lvalue: (source, at) => compileLValue(stringify(source), { place: at, functions, onError, globals }),
      configValue: (source, at) => {
        if (typeof source !== 'string') return source;
        return compileTemplate(source, { place: at, functions, onError, globals }).evaluate(
          configScope(environment),
        );
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

/**
 * What every expression of a gateway reads besides the request: `openig`, PingGateway's instance
 * directories (`baseDirectory` is its deprecated name for `instanceDirectory`), and the
 * `properties` of config.json over admin.json's.
 */
function rootGlobals(gateway: GatewayInfo): Record<string, unknown> {
  const instanceDirectory = gateway.instanceDirectory;
  const merged: Record<string, unknown> = {};
  for (const properties of [...gateway.properties].reverse()) Object.assign(merged, frozenCopy(properties));
  return {
    ...merged,
    openig: Object.freeze({
      instanceDirectory,
      baseDirectory: instanceDirectory,
      configDirectory: gateway.configDirectory,
      temporaryDirectory: gateway.temporaryDirectory,
    }),
  };
}

/** A deep, frozen copy of JSON properties: expressions read them and can never write to them. */
function frozenCopy<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {};
  for (const [key, item] of Object.entries(value)) (copy as Record<string, unknown>)[key] = frozenCopy(item);
  return Object.freeze(copy) as T;
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
  return {
    name: typeof entry.name === 'string' ? entry.name : '',
    type: String(entry.type),
    config: entry.config,
    decorations: decorationsOf(entry, place, declarationKeys),
    place,
  };
}

export function asErrors(error: unknown): TollgateError[] {
  if (error instanceof ConfigErrors) return [...error.errors];
  if (error instanceof TollgateError) return [error];
  throw error;
}
