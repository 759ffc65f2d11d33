import { watch, type FSWatcher } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import { basename, extname, isAbsolute, join, resolve as resolvePath } from 'node:path';
import type { Logger } from 'pino';
import { parseDuration } from '../config/duration.js';
import { routeExtensions } from '../config/files.js';
import { durationSchema, expressionSchema, objectSchema, referenceSchema } from '../config/schema.js';
import {
  childPlace,
  configError,
  formatPlace,
  loadErrors,
  type TollgateError,
} from '../errors/tollgate-error.js';
import { conditionHolds } from '../http/entity-loading.js';
import type { Exchange } from '../http/exchange.js';
import { textResponse, type Response } from '../http/message.js';
import { defineType, type ChildHeap, type Handler } from '../heap/types.js';
import type { GatewayMetrics } from '../observability/metrics.js';
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
  /** The route name this file's last build lost to another file; it is built again once that is free. */
  clashName?: string;
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
  readonly #heap: ChildHeap;
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
    heap: ChildHeap;
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
      this.#watcher = watch(this.directory, () => this.#scheduleScan());
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

  /** A scan soon: changes often come in bursts (an editor's save, a rename), one scan takes them all. */
  #scheduleScan(): void {
    if (this.#stopped) return;
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => void this.scan(), 25);
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
    try {
      for (let attempt = 1; attempt <= SCAN_ATTEMPTS; attempt++) {
        const listing = await this.#list();
        if (listing === undefined) return;
        if (listing === 'unsettled') continue;
        const results = await this.#loadChanged(listing);
        if (results === 'unsettled') continue;
        if (this.#stopped) await retireBuilt(results);
        else await this.#apply(listing, results);
        return;
      }
      // Files kept vanishing under the scan: what serves stays, and the directory is looked at again.
      this.#scheduleScan();
    } catch (error) {
      this.#logger.error(
        { code: 'TG_CONFIG_BUILD_FAILED', directory: this.directory, err: error },
        'a scan of the route directory failed; the routes it had keep serving',
      );
    }
  }

  /**
   * The route files and their versions, or 'unsettled' when a file listed was gone before its
   * stat: it was renamed or replaced meanwhile, and a rename must never read as a removal.
   */
  async #list(): Promise<Map<string, string> | 'unsettled' | undefined> {
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch (error) {
      this.#logger.error(
        { code: 'TG_CONFIG_READ', directory: this.directory, err: error },
        'cannot read the route directory',
      );
      return undefined;
    }
    const listing = new Map<string, string>();
    for (const name of names.sort()) {
      if (!routeExtensions.has(extname(name).toLowerCase())) continue;
      const file = join(this.directory, name);
      try {
        const info = await stat(file);
        if (info.isFile()) listing.set(file, `${info.mtimeMs}:${info.size}`);
      } catch {
        // A link to nothing stays what it is; a file that is gone was moved under the scan.
        if (
          !(await lstat(file).then(
            () => true,
            () => false,
          ))
        )
          return 'unsettled';
      }
    }
    return listing;
  }

  /**
   * Builds every listed file that changed, and every file that lost its route name to another
   * file whose claim has gone since. 'unsettled' when a file disappeared before it could be read:
   * the routes built so far are retired and the scan starts again from the listing.
   */
  async #loadChanged(listing: ReadonlyMap<string, string>): Promise<Map<string, LoadResult> | 'unsettled'> {
    const results = new Map<string, LoadResult>();
    for (const [file, version] of listing) {
      const previous = this.#files.get(file);
      const retry = previous?.clashName !== undefined && !this.#nameHeld(previous.clashName, file, listing);
      if (previous?.version === version && !retry) continue;
      const result = await this.#load(file);
      if (result === 'missing') {
        await retireBuilt(results);
        return 'unsettled';
      }
      results.set(file, result);
    }
    return results;
  }

  /** Whether a listed file other than `file` serves a route named `name`. */
  #nameHeld(name: string, file: string, listing: ReadonlyMap<string, string>): boolean {
    for (const [other, state] of this.#files) {
      if (other !== file && listing.has(other) && state.route?.name === name) return true;
    }
    return false;
  }

  async #load(file: string): Promise<LoadResult | 'missing'> {
    try {
      const read = await this.#heap.gateway.configReader.readIfPresent(file);
      if (read === 'missing') return 'missing';
      const route = await buildRoute(read.value, { id: basename(file, extname(file)), file }, this.#heap);
      return { route };
    } catch (error) {
      return { errors: loadErrors(error, file) };
    }
  }

  /**
   * Makes the scan's outcome the serving table, in one assignment: files no longer listed lose
   * their routes; a file that failed keeps its previous route; a new route whose name another
   * file's route already has is refused (TG_CONFIG_DUPLICATE_NAME) and tried again once that
   * name is free. Replaced routes are retired after the swap.
   */
  async #apply(
    listing: ReadonlyMap<string, string>,
    results: ReadonlyMap<string, LoadResult>,
  ): Promise<void> {
    const retired: Route[] = [];
    for (const [file, state] of this.#files) {
      if (listing.has(file)) continue;
      this.#files.delete(file);
      if (state.route) {
        retired.push(state.route);
        this.#logger.info({ file, route: state.route.name }, 'route unloaded');
      }
    }
    const held = new Map<string, string>();
    for (const [file, state] of this.#files) {
      const result = results.get(file);
      if (state.route && (result === undefined || 'errors' in result)) held.set(state.route.name, file);
    }
    for (const [file, result] of results) {
      const previous = this.#files.get(file)?.route;
      const state: FileState = { version: listing.get(file)!, route: previous };
      this.#files.set(file, state);
      if ('errors' in result) {
        this.#report(file, result.errors, previous);
        continue;
      }
      const holder = held.get(result.route.name);
      if (holder !== undefined && holder !== file) {
        retired.push(result.route);
        state.clashName = result.route.name;
        const clash = configError(
          'TG_CONFIG_DUPLICATE_NAME',
          childPlace({ file, pointer: '' }, 'name'),
          `route name "${result.route.name}" is already used by ${holder}`,
        );
        this.#report(file, [clash], previous);
        continue;
      }
      held.set(result.route.name, file);
      if (previous) retired.push(previous);
      state.route = result.route;
      this.#logger.info({ file, route: result.route.name }, 'route loaded');
    }
    this.#table = new RouteTable(
      [...this.#files.values()].flatMap((s) => (s.route ? [s.route] : [])).sort(compareRoutes),
    );
    for (const state of this.#files.values()) {
      if (state.clashName !== undefined && !held.has(state.clashName)) this.#rescan = true;
    }
    await Promise.all(retired.map((route) => route.retire()));
  }

  #report(file: string, errors: readonly TollgateError[], kept: Route | undefined): void {
    for (const problem of errors) {
      this.#logger.error(
        { code: problem.code, place: problem.place ? formatPlace(problem.place) : file, err: problem.cause },
        problem.message,
      );
    }
    if (kept)
      this.#logger.warn({ file, route: kept.name }, 'the previous version of the route keeps serving');
  }
}

/** How often a scan looks again when files vanish under it, before it leaves the next look to a timer. */
const SCAN_ATTEMPTS = 3;

type LoadResult = { readonly route: Route } | { readonly errors: readonly TollgateError[] };

async function retireBuilt(results: ReadonlyMap<string, LoadResult>): Promise<void> {
  await Promise.all(
    [...results.values()].map((result) => ('route' in result ? result.route.retire() : undefined)),
  );
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
