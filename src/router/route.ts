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
import type { ChildHeap, Handler } from '../heap/types.js';
import type { SessionManager } from '../http/session-manager.js';

export const routeSchema = objectSchema(
  {
    $schema: { type: 'string' },
    name: { type: 'string', minLength: 1 },
    condition: conditionSchema,
    handler: referenceSchema,
    heap: { type: 'array', items: { type: 'object' } },
    baseURI: { type: 'string' },
    properties: { type: 'object' },
    capture: { type: ['string', 'array'], items: { type: 'string' } },
    timer: { type: ['boolean', 'string'] },
    session: referenceSchema,
  },
  ['handler'],
);

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
  }) {
    this.id = init.id;
    this.name = init.name;
    this.file = init.file;
    this.condition = init.condition;
    this.pathPrefix = init.pathPrefix;
    this.counts = init.counts;
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
  const heap = parent.child(parent.logger.child({ route: name }), name);
  try {
    // Each step runs even when one before it failed, so that the file's every error is listed.
    const errors: TollgateError[] = [];
    collectErrors(errors, () => heap.declare(resolved.heap, childPlace(place, 'heap')));
    const context = heap.contextFor(name, place);
    const decorated = collectErrors(errors, () =>
      heap.decorateHandler(
        heap.resolve<Handler>(resolved.handler, 'Handler', childPlace(place, 'handler')),
        resolved,
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
    });
  } catch (error) {
    await heap.stop();
    throw error;
  }
}
