import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { conditionSchema, objectSchema, referenceSchema } from '../config/schema.js';
import { resolveTokens } from '../config/tokens.js';
import type { CompiledCondition } from '../el/api.js';
import {
  childPlace,
  collectErrors,
  ConfigErrors,
  configError,
  type Place,
  type TollgateError,
} from '../errors/tollgate-error.js';
import type { Exchange } from '../http/exchange.js';
import type { Response } from '../http/message.js';
import { conditionPathPrefix } from './path-prefix.js';
import { RequestCounts } from './route-status.js';
import { withSession } from '../heap/session-scope.js';
import type { ChildHeap, CreateContext, Handler } from '../heap/types.js';
import type { SessionManager } from '../http/session-manager.js';
import { auditAccess, type AuditService } from '../services/audit-service.js';

/** PingGateway 7's deprecated route `secrets`: the stores of the route's default secrets object. */
export const routeSecretsSchema = objectSchema(
  { stores: { type: 'array', items: referenceSchema, minItems: 1 } },
  ['stores'],
  { description: 'Secret stores, a SecretsProvider heap object named "secrets" in this file\'s heap' },
);

/**
 * A file's `secrets` (a route's, or config.json's) declared as the SecretsProvider named `secrets`
 * in its heap, for objects to name in their `secretsProvider`. Each store is resolved here first,
 * so that its errors point into `secrets/stores`; the provider then finds the same objects built.
 */
export function declareRouteSecrets(heap: ChildHeap, secrets: unknown, place: Place): void {
  if (secrets === undefined) return;
  const { stores } = secrets as { stores: unknown[] };
  const errors: TollgateError[] = [];
  stores.forEach((store, i) =>
    collectErrors(errors, () => heap.resolve(store, 'SecretStore', childPlace(place, 'stores', i))),
  );
  if (errors.length > 0) throw new ConfigErrors(errors);
  heap.declare([{ name: 'secrets', type: 'SecretsProvider', config: { stores } }], place);
}

/**
 * The route's handler recorded by its audit service: `auditService` when the file names one,
 * else the heap object named `AuditService` (PingGateway's default one records nothing).
 */
export function auditedHandler(heap: ChildHeap, handler: Handler, reference: unknown, place: Place): Handler {
  if (reference === undefined && !heap.declares('AuditService')) return handler;
  const at = reference === undefined ? place : childPlace(place, 'auditService');
  return auditAccess(handler, heap.resolve<AuditService>(reference ?? 'AuditService', 'AuditService', at));
}

/**
 * A route file's own keys. Any other key is a decoration of the route's handler (`baseURI`,
 * `capture`, `timer` or a decorator declared in a heap): the heap checks that it names a
 * decorator, so a typo still fails at its pointer.
 */
export const routeSchema = objectSchema(
  {
    $schema: { type: 'string' },
    name: { type: 'string', minLength: 1 },
    condition: conditionSchema,
    handler: referenceSchema,
    heap: { type: 'array', items: { type: 'object' } },
    properties: { type: 'object' },
    auditService: {
      ...referenceSchema,
      description: 'The AuditService recording this route (default: the heap object named AuditService)',
    },
    secrets: routeSecretsSchema,
    session: referenceSchema,
    globalDecorators: {
      type: 'object',
      description: 'Decorator name → decoration, applied to every handler and filter of the route',
    },
    monitor: {
      anyOf: [
        { type: ['boolean', 'string'] },
        objectSchema({
          enabled: { type: ['boolean', 'string'] },
          percentiles: { type: 'array', items: { type: 'number' } },
        }),
      ],
      description: 'false leaves the route out of the ig_route_* metrics (recorded by default)',
    },
  },
  ['handler'],
  { additionalProperties: { description: 'A decoration of the route handler: a decorator name' } },
);

/** The route keys that are not decorations. */
const routeKeys: readonly string[] = Object.keys(routeSchema.properties as Record<string, unknown>);

/**
 * One loaded route file: an immutable build. A request holds it from before its condition is
 * tested until its answer is complete, so that once the build is replaced or removed, its heap is
 * stopped only after the last request that may still use it has let go.
 */
export class Route {
  readonly id: string;
  readonly name: string;
  readonly file: string;
  readonly condition: CompiledCondition | undefined;
  /** A prefix every path this route accepts starts with, when its condition says so plainly. */
  readonly pathPrefix: string | undefined;
  /** The requests this file's builds answered; shared with the builds before and after this one. */
  readonly counts: RequestCounts;
  /** Whether the Router records this route's ig_route_* metrics (its `monitor`). */
  readonly monitored: boolean;
  readonly #handler: Handler;
  readonly #heap: ChildHeap;
  #holds = 0;
  #retired = false;
  #stopped: Promise<void> | undefined;

  constructor(init: {
    id: string;
    name: string;
    file: string;
    condition: CompiledCondition | undefined;
    pathPrefix: string | undefined;
    handler: Handler;
    heap: ChildHeap;
    counts: RequestCounts;
    monitored?: boolean;
  }) {
    this.id = init.id;
    this.name = init.name;
    this.file = init.file;
    this.condition = init.condition;
    this.pathPrefix = init.pathPrefix;
    this.counts = init.counts;
    this.monitored = init.monitored ?? true;
    this.#handler = init.handler;
    this.#heap = init.heap;
  }

  /** Keeps the build's heap running until the matching release(). */
  hold(): void {
    this.#holds++;
  }

  release(): void {
    this.#holds--;
    if (this.#retired && this.#holds === 0) void this.#stop();
  }

  /** Answers a request whose condition this route accepted. */
  async handle(exchange: Exchange): Promise<Response> {
    this.hold();
    this.counts.total++;
    this.counts.inFlight++;
    try {
      return await this.#handler.handle(exchange);
    } finally {
      this.counts.inFlight--;
      this.release();
    }
  }

  /** Takes the route out of service: its heap stops when the last hold on it is released. */
  retire(): Promise<void> {
    this.#retired = true;
    return this.#holds === 0 ? this.#stop() : Promise.resolve();
  }

  #stop(): Promise<void> {
    this.#stopped ??= this.#heap.stop();
    return this.#stopped;
  }
}

/**
 * Builds a route from a parsed file: `&{…}` tokens, schema, heap, handler, condition, then the
 * heap's start hooks (skipped when only validating). Throws ConfigErrors; a failed build stops
 * whatever it had started. The phases are separated by a turn of the event loop, so requests
 * waiting meanwhile are served between them (each phase is bounded by the file's limits).
 */
export async function buildRoute(
  document: unknown,
  source: { id: string; file: string },
  parent: ChildHeap,
  options: { start?: boolean; counts?: RequestCounts } = {},
): Promise<Route> {
  const place: Place = { file: source.file, pointer: '' };
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new ConfigErrors([configError('TG_CONFIG_SCHEMA', place, 'a route file holds one JSON object')]);
  }
  await yieldToLoop();
  const raw = document as Record<string, unknown>;
  const ownProperties =
    typeof raw.properties === 'object' && raw.properties !== null
      ? (raw.properties as Record<string, unknown>)
      : {};
  const resolved = resolveTokens(raw, {
    place,
    properties: [ownProperties, ...parent.gateway.properties],
    env: parent.environment.env,
    limits: parent.gateway.configReader.limits,
  }) as Record<string, unknown>;
  await yieldToLoop();
  const problems = parent.validatorFor(routeSchema)(resolved, place);
  if (problems.length > 0) throw new ConfigErrors(problems);
  await yieldToLoop();

  const name = typeof resolved.name === 'string' ? resolved.name : source.id;
  const heap = parent.child(
    parent.logger.child({ route: name }),
    name,
    resolved.properties as Record<string, unknown> | undefined,
  );
  try {
    // Each step runs even when one before it failed, so that the file's every error is listed.
    const errors: TollgateError[] = [];
    collectErrors(errors, () => heap.declare(resolved.heap, childPlace(place, 'heap')));
    collectErrors(errors, () => declareRouteSecrets(heap, resolved.secrets, childPlace(place, 'secrets')));
    collectErrors(errors, () =>
      heap.decorateGlobally(resolved.globalDecorators, childPlace(place, 'globalDecorators')),
    );
    const context = heap.contextFor(name, place);
    const decorated = collectErrors(errors, () =>
      auditedHandler(
        heap,
        heap.decorateHandler(
          () => heap.resolve<Handler>(resolved.handler, 'Handler', childPlace(place, 'handler')),
          resolved,
          place,
          routeKeys,
        ),
        resolved.auditService,
        place,
      ),
    );
    const session =
      resolved.session === undefined
        ? undefined
        : collectErrors(errors, () =>
            heap.resolve<SessionManager>(resolved.session, 'SessionManager', childPlace(place, 'session')),
          );
    const handler = decorated && session ? withSession(decorated, session) : decorated;
    const monitored = collectErrors(errors, () =>
      isMonitored(resolved.monitor, childPlace(place, 'monitor'), context),
    );
    const condition =
      resolved.condition === undefined
        ? undefined
        : collectErrors(errors, () => context.condition(resolved.condition, childPlace(place, 'condition')));
    await yieldToLoop();
    collectErrors(errors, () => heap.createAll());
    if (errors.length > 0 || handler === undefined) throw new ConfigErrors(errors);
    if (options.start !== false) await heap.start();
    const pathPrefix = conditionPathPrefix(resolved.condition, context.functions);
    return new Route({
      id: source.id,
      name,
      file: source.file,
      condition,
      pathPrefix,
      handler,
      heap,
      counts: options.counts ?? new RequestCounts(),
      monitored,
    });
  } catch (error) {
    await heap.stop();
    throw error;
  }
}

/**
 * A route's `monitor`: true, false, a configuration expression giving either, or
 * `{ enabled, percentiles }`. Unset, the route is monitored: PingGateway records every route's
 * metrics. `percentiles` are accepted and have no effect (the histogram buckets serve every quantile).
 */
function isMonitored(monitor: unknown, place: Place, context: CreateContext): boolean {
  if (monitor === undefined) return true;
  const labelled = typeof monitor === 'object' && monitor !== null;
  const value = labelled ? (monitor as { enabled?: unknown }).enabled : monitor;
  const at = labelled ? childPlace(place, 'enabled') : place;
  if (value === undefined) return true;
  const on = context.configValue(value, at);
  if (on === true || on === 'true') return true;
  if (on === false || on === 'false') return false;
  throw new ConfigErrors([
    configError('TG_CONFIG_BAD_VALUE', at, `monitor gave ${JSON.stringify(on)}, not true or false`),
  ]);
}
