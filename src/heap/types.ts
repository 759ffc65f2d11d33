import type { Logger } from 'pino';
import type { ConfigFileReader } from '../config/file-reader.js';
import type { JsonSchema } from '../config/schema.js';
import type { Validator } from '../config/validate.js';
import type { CompiledCondition, CompiledLValue, CompiledTemplate, FunctionTable } from '../el/api.js';
import type { Place } from '../errors/tollgate-error.js';
import type { Environment, Exchange } from '../http/exchange.js';
import type { Response } from '../http/message.js';
import type { GatewayMetrics } from '../observability/metrics.js';

export interface Handler {
  handle(exchange: Exchange): Promise<Response>;
}

export interface Filter {
  filter(exchange: Exchange, next: Handler): Promise<Response>;
}

/** What a heap object can be, and so what a reference to it may expect. */
export type Kind =
  | 'Handler'
  | 'Filter'
  | 'SecretStore'
  | 'Service'
  | 'ResourceAccess'
  | 'AccessTokenResolver'
  | 'Decorator'
  | 'KeyManager'
  | 'ProxyOptions'
  | 'AuditService'
  | 'SessionManager'
  | 'ThrottlingPolicy'
  | 'TlsOptions'
  | 'TrustManager';

/**
 * A Decorator heap object (CaptureDecorator, TimerDecorator, BaseUriDecorator): the name it is
 * declared under becomes a key that decorates any Handler or Filter it is written on.
 */
export interface Decorator {
  /**
   * Wraps `target` with the decoration `value` (what the key holds at `place`), or returns it as it
   * is when the value turns the decoration off. `context` is the decorated object's. Throws
   * ConfigErrors for a value the decorator cannot take.
   */
  decorate(
    target: Handler | Filter,
    kind: 'Handler' | 'Filter',
    value: unknown,
    place: Place,
    context: CreateContext,
  ): Handler | Filter;
}

/** Facts about the running gateway that some types (Router, secret stores) need. */
export interface GatewayInfo {
  /** The directory holding admin.json and config.json; relative paths in config resolve from it. */
  readonly configDirectory: string;
  /** The instance directory: configDirectory's parent when the files sit in its `config/`, else configDirectory. */
  readonly instanceDirectory: string;
  /** `${openig.temporaryDirectory}`: the instance's `tmp/` as PingGateway's default; Tollgate writes nothing there. */
  readonly temporaryDirectory: string;
  /** The routes directory of the main Router. */
  readonly routesDirectory: string;
  /** admin.json then config.json `properties`, for `&{…}` tokens in route files. */
  readonly properties: readonly Readonly<Record<string, unknown>>[];
  /** Largest body the gateway buffers for expressions, in bytes. */
  readonly maxEntityBytes: number;
  readonly metrics: GatewayMetrics;
  /** Reads and parses route files off the event loop, within the configuration limits. */
  readonly configReader: ConfigFileReader;
  /** admin.json's `mode`, else IG_RUN_MODE's: in development the admin API may also deploy routes. */
  readonly mode: 'development' | 'production';
  /** Where heap objects expose admin endpoints, under PingGateway's `api/system/objects/<name>/`. */
  readonly endpoints: ObjectEndpoints;
  /**
   * The token buckets every unit's ThrottlingFilters share when the instance runs several units
   * (admin.json's `gatewayUnits`), held by the primary; undefined in one process, where each
   * filter keeps its own.
   */
  readonly throttling?: ThrottleStore;
}

/** A ThrottlingFilter's rate as the shared buckets take it: `numberOfRequests` per `durationMs`. */
export interface SharedRate {
  readonly numberOfRequests: number;
  readonly durationMs: number;
}

/** Token buckets kept outside the filters that use them, keyed by the filter's identity and a partition. */
export interface ThrottleStore {
  /**
   * Takes a token from the bucket of `filter` (the same string in every unit for the same filter)
   * for `partition`: 0 when the request may pass, else how many ms until a token is there. Rejects
   * when the store cannot answer; the filter then counts on its own.
   */
  take(filter: string, partition: string, rate: SharedRate): Promise<number> | number;
}

/** One request to a heap object's admin endpoint. */
export interface EndpointRequest {
  readonly method: string;
  /** The decoded path segments below the object's own: `…/_router/routes/a` gives ['routes', 'a']. */
  readonly segments: readonly string[];
  /** The decoded query parameters. */
  readonly query: Readonly<Record<string, readonly string[]>>;
  /** The body parsed as JSON, read up to the gateway's maxBodyLength; throws a coded error otherwise. */
  json(): Promise<unknown>;
}

export interface ObjectEndpoint {
  handle(request: EndpointRequest): Promise<Response>;
  /** How many route files the object (a Router) serves and how many failed, for the start-up summary. */
  routeCounts?(): { readonly loaded: number; readonly failed: number };
}

export interface ObjectEndpoints {
  /** Serves `endpoint` under the object's name until the returned function is called. */
  expose(objectName: string, endpoint: ObjectEndpoint): () => void;
}

/**
 * The heap `CreateContext.childHeap` gives: a Router builds its routes in it, each in a child of
 * its own. heap.ts's Heap is the implementation; the contract is declared here, with the others,
 * because heap.ts imports this file and must not be imported back.
 */
export interface ChildHeap {
  readonly logger: Logger;
  readonly environment: Environment;
  readonly gateway: GatewayInfo;
  /** The check for a schema that is not a type's (a route file's), by the registry's ajv. */
  validatorFor(schema: JsonSchema): Validator;
  /**
   * A heap whose parent is this one; `route` names the route file it belongs to (else this heap's),
   * whose `properties` its expressions read as top-level names.
   */
  child(logger: Logger, route?: string, properties?: Readonly<Record<string, unknown>>): ChildHeap;
  /** The build context for a config value that is not a heap object (a route's own keys). */
  contextFor(name: string, place: Place): CreateContext;
  /**
   * Resolves a file's top-level handler and applies the file's top-level decorations to it: every
   * key of `entry` that is not one of `reserved` names a decorator. Throws ConfigErrors listing the
   * handler's errors and each key that names no decorator.
   */
  decorateHandler(
    resolveHandler: () => Handler,
    entry: Record<string, unknown>,
    place: Place,
    reserved: readonly string[],
  ): Handler;
  /** Adds a file's `heap` array. Throws ConfigErrors listing every malformed declaration. */
  declare(entries: unknown, place: Place): void;
  /**
   * A file's `globalDecorators`: decorations applied to every Handler and Filter this heap and its
   * children resolve. Call it after `declare`; throws ConfigErrors for a name that is no decorator.
   */
  decorateGlobally(decorations: unknown, place: Place): void;
  /** Creates every declared object now, so errors surface at load. */
  createAll(): void;
  resolve<T>(reference: unknown, kind: Kind, place: Place): T;
  /** Whether `name` resolves here or in a parent heap (a default object such as `AuditService`). */
  declares(name: string): boolean;
  start(): Promise<void>;
  /** Runs the stop hooks, in reverse order of creation. */
  stop(): Promise<void>;
}

/**
 * Everything a type's factory may use while it builds its object: no I/O happens here, only
 * compiling expressions and resolving references. Work that needs sockets or timers goes in
 * `onStart`; cleanup in `onStop`.
 */
export interface CreateContext {
  /** The object's heap name (generated from its place when it is inline and unnamed). */
  readonly name: string;
  /** Where the object's `config` sits. */
  readonly place: Place;
  /** The name of the route whose file declares the object; undefined in config.json and admin.json. */
  readonly route?: string;
  readonly logger: Logger;
  readonly environment: Environment;
  readonly functions: FunctionTable;
  readonly gateway: GatewayInfo;
  /** A new heap whose parent is the heap this object is declared in (what a Router's routes use). */
  childHeap(): ChildHeap;
  /** Resolves a reference (a heap name or an inline declaration) to an object of `kind`. */
  resolve<T>(reference: unknown, kind: Kind, place: Place): T;
  /** Like resolve, for an optional key: undefined stays undefined. */
  resolveOptional<T>(reference: unknown, kind: Kind, place: Place): T | undefined;
  template(source: unknown, place: Place): CompiledTemplate;
  condition(source: unknown, place: Place): CompiledCondition;
  lvalue(source: unknown, place: Place): CompiledLValue;
  /** Evaluates a configuration expression once, now, with no request in scope. */
  configValue(source: unknown, place: Place): unknown;
  /** Registers work to run when the object's heap starts (listeners, timers, warm-ups). */
  onStart(start: () => Promise<void> | void): void;
  /** Registers cleanup to run when the object's heap is stopped. */
  onStop(stop: () => Promise<void> | void): void;
}

/** One PingGateway type: its name, what it is, the schema of its config and how to build it. */
export interface TypeDefinition<Config = unknown, Instance = unknown> {
  readonly type: string;
  /**
   * Other names PingGateway resolves to this type: the class names of its heaplet (as route files
   * written for OpenIG and PingGateway give them) and documented aliases. `type` stays the name
   * Tollgate reports and suggests.
   */
  readonly aliases?: readonly string[];
  readonly kind: Kind;
  readonly description: string;
  readonly schema: JsonSchema;
  /**
   * Keys PingGateway documents that have no meaning on Node, each with the reason: the schema
   * accepts them, and a file that uses any gets one TG_CONFIG_IGNORED_KEYS warning naming them.
   * A nested key is written with dots (`retries.executor`).
   */
  readonly ignoredKeys?: Readonly<Record<string, string>>;
  create(config: Config, context: CreateContext): Instance;
}

/** Lets a list of differently-typed definitions share one array type. */
export function defineType<Config, Instance>(
  definition: TypeDefinition<Config, Instance>,
): TypeDefinition<Config, Instance> {
  return Object.freeze(definition);
}
