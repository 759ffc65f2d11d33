import { watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, isAbsolute, join, resolve as resolvePath } from 'node:path';
import type { Logger } from 'pino';
import { parseDuration } from '../config/duration.js';
import { routeExtensions } from '../config/files.js';
import { durationSchema, expressionSchema, objectSchema, referenceSchema } from '../config/schema.js';
import { childPlace, configError, formatPlace, loadErrors } from '../errors/tollgate-error.js';
import { textResponse, type Response } from '../http/message.js';
import type { Heap } from '../heap/heap.js';
import { defineType, type Handler } from '../heap/types.js';
import { conditionHolds } from '../server/entities.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { Exchange } from '../server/exchange.js';
import type { Route } from './route.js';
import { buildRoute } from './route.js';
import { RouteTable } from './route-table.js';

interface RouterConfig {
  directory?: string;
  defaultHandler?: unknown;
  scanInterval?: string | number;
}

interface FileState {
  /** mtime and size: a change of either means the file is read again. */
  readonly version: string;
  /** The route built from the last good version of the file, if any. */
  route: Route | undefined;
}

/** PingGateway's order: by route name, then by id (file name), by UTF-16 code units. */
function compareRoutes(a: Route, b: Route): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Serves the routes of one directory. The list of routes is an immutable array replaced by a
 * single assignment after each scan; a request reads it once and finishes on the routes it saw.
 * A file that fails to build is reported once per version and leaves its previous build serving.
 */
export class Router implements Handler {
  readonly directory: string;
  readonly #defaultHandler: Handler | undefined;
  readonly #scanIntervalMs: number;
  readonly #heap: Heap;
  readonly #logger: Logger;
  readonly #metrics: GatewayMetrics;
  #table = new RouteTable<Route>([]);
  readonly #files = new Map<string, FileState>();
  #scanning: Promise<void> | undefined;
  #rescan = false;
  #timer: NodeJS.Timeout | undefined;
  #watcher: FSWatcher | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(init: {
    directory: string;
    defaultHandler: Handler | undefined;
    scanIntervalMs: number;
    heap: Heap;
    logger: Logger;
  }) {
    this.directory = init.directory;
    this.#defaultHandler = init.defaultHandler;
    this.#scanIntervalMs = init.scanIntervalMs;
    this.#heap = init.heap;
    this.#logger = init.logger;
    this.#metrics = init.heap.gateway.metrics;
  }

  get routes(): readonly Route[] {
    return this.#table.routes;
  }

  async handle(exchange: Exchange): Promise<Response> {
    const path = exchange.request.uri.path;
    for (const route of this.#table.candidates(path)) {
      if (route.condition) {
        // No await when nothing is loaded: a hundred routes tried should not cost a hundred ticks.
        let holds = conditionHolds(exchange, route.condition);
        if (typeof holds !== 'boolean') holds = await holds;
        if (!holds) continue;
      }
      exchange.contexts.router = Object.freeze({ route: route.name, routeId: route.id });
      const response = await route.handle(exchange);
      this.#metrics.routeRequest(route.name, response.status);
      return response;
    }
    const response = this.#defaultHandler ? await this.#defaultHandler.handle(exchange) : textResponse(404);
    this.#metrics.routeRequest('default', response.status);
    return response;
  }

  /** First scan (awaited, so the gateway serves only once routes are loaded), then watching. */
  async start(): Promise<void> {
    await this.scan();
    if (this.#scanIntervalMs <= 0 || !Number.isFinite(this.#scanIntervalMs)) return;
    this.#timer = setInterval(() => void this.scan(), this.#scanIntervalMs);
    this.#timer.unref();
    try {
      this.#watcher = watch(this.directory, () => {
        clearTimeout(this.#debounce);
        this.#debounce = setTimeout(() => void this.scan(), 25);
      });
      this.#watcher.on('error', (error) =>
        this.#logger.warn({ err: error }, 'route directory watch failed; periodic scans continue'),
      );
    } catch (error) {
      this.#logger.warn(
        { err: error, directory: this.directory },
        'cannot watch the route directory; periodic scans continue',
      );
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    clearTimeout(this.#debounce);
    this.#watcher?.close();
    await this.#scanning;
    const routes = this.#table.routes;
    this.#table = new RouteTable<Route>([]);
    await Promise.all(routes.map((route) => route.retire()));
  }

  /** Scans now; a scan asked for while one runs is done right after it. */
  scan(): Promise<void> {
    if (this.#scanning) {
      this.#rescan = true;
      return this.#scanning;
    }
    this.#scanning = (async () => {
      try {
        do {
          this.#rescan = false;
          await this.#scanOnce();
        } while (this.#rescan && !this.#stopped);
      } finally {
        this.#scanning = undefined;
      }
    })();
    return this.#scanning;
  }

  async #scanOnce(): Promise<void> {
    const seen = new Map<string, string>();
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch (error) {
      this.#logger.error(
        { code: 'TG_CONFIG_READ', directory: this.directory, err: error },
        'cannot read the route directory',
      );
      return;
    }
    for (const name of names.sort()) {
      if (!routeExtensions.has(extname(name).toLowerCase())) continue;
      const file = join(this.directory, name);
      try {
        const info = await stat(file);
        if (info.isFile()) seen.set(file, `${info.mtimeMs}:${info.size}`);
      } catch {
        // Removed between readdir and stat: the next scan sees it gone.
      }
    }

    const retired: Route[] = [];
    for (const [file, state] of this.#files) {
      if (seen.has(file)) continue;
      this.#files.delete(file);
      if (state.route) {
        retired.push(state.route);
        this.#logger.info({ file, route: state.route.name }, 'route unloaded');
      }
    }
    for (const [file, version] of seen) {
      const previous = this.#files.get(file);
      if (previous?.version === version) continue;
      const state: FileState = { version, route: previous?.route };
      this.#files.set(file, state);
      const built = await this.#load(file);
      if (built) {
        if (state.route) retired.push(state.route);
        state.route = built;
      }
    }
    if (this.#stopped) return;
    this.#table = new RouteTable(
      [...this.#files.values()].flatMap((s) => (s.route ? [s.route] : [])).sort(compareRoutes),
    );
    await Promise.all(retired.map((route) => route.retire()));
  }

  async #load(file: string): Promise<Route | undefined> {
    const id = basename(file, extname(file));
    try {
      const document = await this.#heap.gateway.configReader.read(file);
      const route = await buildRoute(document, { id, file }, this.#heap);
      const clash = [...this.#files.entries()].find(
        ([other, s]) => other !== file && s.route?.name === route.name,
      );
      if (clash) {
        await route.retire();
        throw configError(
          'TG_CONFIG_DUPLICATE_NAME',
          childPlace({ file, pointer: '' }, 'name'),
          `route name "${route.name}" is already used by ${clash[0]}`,
        );
      }
      this.#logger.info({ file, route: route.name }, 'route loaded');
      return route;
    } catch (error) {
      const errors = loadErrors(error, file);
      for (const problem of errors) {
        this.#logger.error(
          { code: problem.code, place: problem.place ? formatPlace(problem.place) : file },
          problem.message,
        );
      }
      const kept = this.#files.get(file)?.route;
      if (kept)
        this.#logger.warn({ file, route: kept.name }, 'the previous version of the route keeps serving');
      return undefined;
    }
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
      directory,
      defaultHandler: context.resolveOptional<Handler>(
        config.defaultHandler,
        'Handler',
        childPlace(context.place, 'defaultHandler'),
      ),
      scanIntervalMs: parseDuration(
        config.scanInterval ?? '10 seconds',
        childPlace(context.place, 'scanInterval'),
      ),
      heap: context.childHeap(),
      logger: context.logger,
    });
    context.onStart(() => router.start());
    context.onStop(() => router.stop());
    return router;
  },
});
