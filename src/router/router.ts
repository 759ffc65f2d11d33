import { isAbsolute, resolve as resolvePath } from 'node:path';
import { parseDuration } from '../config/duration.js';
import { durationSchema, expressionSchema, objectSchema, referenceSchema } from '../config/schema.js';
import { childPlace } from '../errors/tollgate-error.js';
import { textResponse, type Response } from '../http/message.js';
import { defineType, type Handler } from '../heap/types.js';
import type { Count, GatewayMetrics, RouteSeries } from '../observability/metrics.js';
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
  readonly #name: string;
  /** The directory its routes are loaded from. */
  readonly directory: string;
  readonly #defaultHandler: Handler | undefined;
  readonly #metrics: GatewayMetrics;
  readonly #inFlight: Count;
  readonly #defaultSeries: RouteSeries;
  /** Each route build's series, looked up once per build rather than by labels per request. */
  readonly #series = new WeakMap<Route, RouteSeries>();
  #table = new RouteTable<Route>([]);

  constructor(init: {
    name: string;
    directory: string;
    defaultHandler: Handler | undefined;
    metrics: GatewayMetrics;
  }) {
    this.#name = init.name;
    this.directory = init.directory;
    this.#defaultHandler = init.defaultHandler;
    this.#metrics = init.metrics;
    this.#inFlight = init.metrics.routerRequests(init.name);
    this.#defaultSeries = init.metrics.route(init.name, 'default', 'default');
  }

  get routes(): readonly Route[] {
    return this.#table.routes;
  }

  publish(table: RouteTable<Route>): void {
    this.#table = table;
  }

  async handle(exchange: Exchange): Promise<Response> {
    this.#inFlight.value++;
    try {
      return await this.#dispatch(exchange);
    } finally {
      this.#inFlight.value--;
    }
  }

  async #dispatch(exchange: Exchange): Promise<Response> {
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
        return await (route.monitored
          ? answer(this.#seriesOf(route), route, exchange)
          : route.handle(exchange));
      } finally {
        route.release();
      }
    }
    return answer(this.#defaultSeries, this.#defaultHandler ?? NOT_FOUND, exchange);
  }

  #seriesOf(route: Route): RouteSeries {
    let series = this.#series.get(route);
    if (series === undefined) {
      series = this.#metrics.route(this.#name, route.id, route.name);
      this.#series.set(route, series);
    }
    return series;
  }
}

/** The answer when no route matches and there is no default handler: an empty 404. */
const NOT_FOUND: Handler = { handle: () => Promise.resolve(textResponse(404)) };

/** Has `handler` answer, counted and timed in `series`; a throw is counted as an error and rethrown. */
async function answer(series: RouteSeries, handler: Handler, exchange: Exchange): Promise<Response> {
  const started = series.begin();
  let status: number | undefined;
  try {
    const response = await handler.handle(exchange);
    status = response.status;
    return response;
  } finally {
    series.end(started, status);
  }
}

export const routerType = defineType<RouterConfig, Handler>({
  type: 'Router',
  aliases: ['RouterHandler', 'org.forgerock.openig.handler.router.RouterHandler'],
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
      name: context.name,
      directory,
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
    let withdrawStates: (() => void) | undefined;
    // The first scan is awaited, so the gateway serves only once the routes are loaded; the
    // routes endpoint is there before it, so the admin API shows the routes as they load.
    context.onStart(async () => {
      withdraw = gateway.endpoints.expose(context.name, new RoutesEndpoint(routes, gateway.mode));
      withdrawStates = gateway.metrics.routeStates(context.name, () => routes.statuses());
      await routes.scan();
      watcher.start();
    });
    context.onStop(async () => {
      withdraw?.();
      withdrawStates?.();
      watcher.stop();
      await routes.stop();
    });
    return router;
  },
});
