import { isAbsolute, resolve as resolvePath } from 'node:path';
import { parseDuration } from '../config/duration.js';
import { durationSchema, expressionSchema, objectSchema, referenceSchema } from '../config/schema.js';
import { childPlace } from '../errors/tollgate-error.js';
import { textResponse, type Response } from '../http/message.js';
import { defineType, type Handler } from '../heap/types.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { conditionHolds } from '../http/entity-loading.js';
import type { Exchange } from '../http/exchange.js';
import { DirectoryWatcher } from './directory-watcher.js';
import type { Route } from './route.js';
import { RouteDirectory } from './route-directory.js';
import { RoutesEndpoint } from './routes-endpoint.js';
import { RouteTable } from './route-table.js';

interface RouterConfig {
  directory?: string;
  defaultHandler?: unknown;
  scanInterval?: string | number;
}

/**
 * Dispatches each request to the first route, in order, whose condition holds; the default
 * handler (or an empty 404) answers when none does. It only dispatches: the table it reads is
 * immutable and replaced by one assignment (`publish`), so a request sees one table from start to
 * end. A request holds each route it tries from before the route's condition runs, so a build
 * replaced meanwhile is not stopped under it.
 */
export class Router implements Handler {
  readonly #defaultHandler: Handler | undefined;
  readonly #metrics: GatewayMetrics;
  #table = new RouteTable<Route>([]);

  constructor(init: { defaultHandler: Handler | undefined; metrics: GatewayMetrics }) {
    this.#defaultHandler = init.defaultHandler;
    this.#metrics = init.metrics;
  }

  get routes(): readonly Route[] {
    return this.#table.routes;
  }

  publish(table: RouteTable<Route>): void {
    this.#table = table;
  }

  async handle(exchange: Exchange): Promise<Response> {
    for (const route of this.#table.candidates(exchange.request.uri.path)) {
      route.hold();
      try {
        if (route.condition) {
          // No await when nothing is loaded: a hundred routes tried should not cost a hundred ticks.
          let holds = conditionHolds(exchange, route.condition);
          if (typeof holds !== 'boolean') holds = await holds;
          if (!holds) continue;
        }
        exchange.enterRoute(route.name, route.id);
        const response = await route.handle(exchange);
        this.#metrics.routeRequest(route.name, response.status);
        return response;
      } finally {
        route.release();
      }
    }
    const response = this.#defaultHandler ? await this.#defaultHandler.handle(exchange) : textResponse(404);
    this.#metrics.routeRequest('default', response.status);
    return response;
  }
}

export const routerType = defineType<RouterConfig, Handler>({
  type: 'Router',
  kind: 'Handler',
  description:
    'Loads route files (JSON, YAML) from a directory, reloads them on change, and dispatches to the first matching route.',
  schema: objectSchema({
    directory: expressionSchema,
    defaultHandler: referenceSchema,
    scanInterval: durationSchema,
  }),
  create: (config, context) => {
    const { gateway } = context;
    const configured =
      config.directory === undefined
        ? undefined
        : String(context.configValue(config.directory, childPlace(context.place, 'directory')));
    const directory =
      configured === undefined
        ? gateway.routesDirectory
        : isAbsolute(configured)
          ? configured
          : resolvePath(gateway.configDirectory, configured);
    const router = new Router({
      defaultHandler: context.resolveOptional<Handler>(
        config.defaultHandler,
        'Handler',
        childPlace(context.place, 'defaultHandler'),
      ),
      metrics: gateway.metrics,
    });
    const watcher = new DirectoryWatcher({
      directory,
      intervalMs: parseDuration(
        config.scanInterval ?? '10 seconds',
        childPlace(context.place, 'scanInterval'),
      ),
      logger: context.logger,
      onChange: () => void routes.scan(),
    });
    const routes = new RouteDirectory({
      directory,
      heap: context.childHeap(),
      logger: context.logger,
      publish: (table) => router.publish(table),
      rescanSoon: () => watcher.soon(),
    });
    let withdraw: (() => void) | undefined;
    // The first scan is awaited, so the gateway serves only once the routes are loaded; the
    // routes endpoint is there before it, so the admin API shows the routes as they load.
    context.onStart(async () => {
      withdraw = gateway.endpoints.expose(context.name, new RoutesEndpoint(routes, gateway.mode));
      await routes.scan();
      watcher.start();
    });
    context.onStop(async () => {
      withdraw?.();
      watcher.stop();
      await routes.stop();
    });
    return router;
  },
});
