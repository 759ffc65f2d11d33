import {
  childPlace,
  collectErrors,
  ConfigErrors,
  type Place,
  type TollgateError,
} from '../errors/tollgate-error.js';
import type { Exchange } from '../http/exchange.js';
import type { Response } from '../http/message.js';
import { Heap, type HeapOptions } from '../heap/heap.js';
import { withSession } from '../heap/session-scope.js';
import type { ChildHeap, Handler } from '../heap/types.js';
import { auditedHandler, declareRouteSecrets } from '../router/route.js';
import type { SessionManager } from '../http/session-manager.js';
import { Router } from '../router/router.js';
import { gatewayConfigKeys, type GatewayConfig } from './instance.js';

/**
 * One build of config.json: its heap and its root handler (a Router named `_router` unless
 * config.json says otherwise), with every route the Routers load. It is built to one side, with
 * no I/O, so a configuration error costs nothing to undo; started once (the Routers' first scans
 * run then); it answers requests, each holding it until its answer is complete; and stopping it
 * waits for the last of them before its heap stops.
 */
export class Generation {
  readonly #heap: Heap;
  readonly #root: Handler;
  /** The root handler inside the session scope: what requests enter. */
  readonly #entry: Handler;
  #inFlight = 0;
  #stopping: Promise<void> | undefined;
  #idle: (() => void) | undefined;

  private constructor(heap: Heap, root: Handler, session: SessionManager) {
    this.#heap = heap;
    this.#root = root;
    this.#entry = withSession(root, session);
  }

  /** Builds the heap and root handler of `config`; throws ConfigErrors with their places. */
  static build(config: GatewayConfig, place: Place, heapOptions: HeapOptions): Generation {
    const heap = new Heap(heapOptions);
    // Each step runs even when one before it failed, so that the file's every error is listed.
    const errors: TollgateError[] = [];
    collectErrors(errors, () => heap.declare(config.heap, childPlace(place, 'heap')));
    collectErrors(errors, () => declareRouteSecrets(heap, config.secrets, childPlace(place, 'secrets')));
    if (config.temporaryStorage !== undefined) {
      collectErrors(errors, () =>
        heap.resolve(config.temporaryStorage, 'Service', childPlace(place, 'temporaryStorage')),
      );
    }
    collectErrors(errors, () =>
      heap.decorateGlobally(config.globalDecorators, childPlace(place, 'globalDecorators')),
    );
    const root = collectErrors(errors, () => {
      const decorated = heap.decorateHandler(
        () =>
          heap.resolve<Handler>(
            config.handler ?? { type: 'Router', name: '_router' },
            'Handler',
            childPlace(place, 'handler'),
          ),
        config as Record<string, unknown>,
        place,
        gatewayConfigKeys,
      );
      // Only when named: an object called AuditService already records each route that uses it.
      return config.auditService === undefined
        ? decorated
        : auditedHandler(heap, decorated, config.auditService, place);
    });
    const session = collectErrors(errors, () =>
      heap.resolve<SessionManager>(sessionOf(config), 'SessionManager', childPlace(place, 'session')),
    );
    collectErrors(errors, () => heap.createAll());
    if (errors.length > 0 || root === undefined || session === undefined) throw new ConfigErrors(errors);
    return new Generation(heap, root, session);
  }

  /**
   * The directory of the root handler's routes, when the root handler is a Router (as it is unless
   * config.json names another or decorates it).
   */
  get routesDirectory(): string | undefined {
    return this.#root instanceof Router ? this.#root.directory : undefined;
  }

  /**
   * A heap below config.json's, as a Router gives its routes: `tollgate validate` builds the
   * routes in it without starting the Routers.
   */
  childHeap(): ChildHeap {
    return this.#heap.child(this.#heap.logger);
  }

  /** Starts the heap; a failure stops whatever had started, and is thrown. */
  async start(): Promise<void> {
    await this.#heap.start();
  }

  async handle(exchange: Exchange): Promise<Response> {
    this.#inFlight++;
    try {
      return await this.#entry.handle(exchange);
    } finally {
      if (--this.#inFlight === 0) this.#idle?.();
    }
  }

  /** Waits for the requests it is answering, then stops its heap. Later calls wait for the same. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      if (this.#inFlight > 0) await new Promise<void>((done) => (this.#idle = done));
      await this.#heap.stop();
    })();
    return this.#stopping;
  }
}

/**
 * config.json's session manager as PingGateway picks it: the `session` key; else, as before
 * 2024.11, a heap object named `Session`; else an in-memory session for every request.
 */
function sessionOf(config: GatewayConfig): unknown {
  if (config.session !== undefined) return config.session;
  const declared = config.heap?.some(
    (entry) =>
      typeof entry === 'object' && entry !== null && (entry as { name?: unknown }).name === 'Session',
  );
  return declared ? 'Session' : { type: 'InMemorySessionManager' };
}
