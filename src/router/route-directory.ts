import { lstat, readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { Logger } from 'pino';
import { routeExtensions } from '../config/files.js';
import {
  childPlace,
  configError,
  formatPlace,
  loadErrors,
  type TollgateError,
} from '../errors/tollgate-error.js';
import type { ChildHeap } from '../heap/types.js';
import { buildRoute, type Route } from './route.js';
import { RequestCounts, routeError, type RouteState, type RouteStatus } from './route-status.js';
import { RouteTable } from './route-table.js';

/** What the directory knows of one route file. */
interface FileRecord {
  /** mtime and size of the version last tried: a change of either means the file is read again. */
  version: string;
  /** The build serving for the file, if any. */
  route: Route | undefined;
  /** The last try's errors; empty when it loaded. */
  errors: readonly TollgateError[];
  /** The name the file asked for, when it got that far. */
  name: string | undefined;
  /** The route name this file's last build lost to another file; it is built again once that is free. */
  clashName: string | undefined;
  loadedAt: Date | undefined;
  changedAt: Date;
  readonly counts: RequestCounts;
}

type LoadResult =
  | { readonly route: Route }
  | { readonly errors: readonly TollgateError[]; readonly name: string | undefined };

/** How often a scan looks again when files vanish under it, before it leaves the next look to later. */
const SCAN_ATTEMPTS = 3;
/** Removed files whose records are kept, newest first, so the admin API can say what went. */
const REMOVED_KEPT = 100;

/** PingGateway's order: by route name, then by id (file name), by UTF-16 code units. */
function compareRoutes(a: Route, b: Route): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function stateOf(record: FileRecord): RouteState {
  if (record.route === undefined) return 'failed';
  return record.errors.length > 0 ? 'loaded-with-previous-version' : 'loaded';
}

/**
 * The route files of one directory, each built to one side and kept with its status. A scan
 * builds every file that changed; its outcome becomes the serving table in one call of `publish`:
 * a file that failed keeps its previous build serving, a file gone loses its route, and a route
 * whose name another file's route already has is refused until the name is free. Replaced builds
 * are retired after the table is published, so requests in flight finish on the build they hold.
 */
export class RouteDirectory {
  readonly directory: string;
  readonly #heap: ChildHeap;
  readonly #logger: Logger;
  readonly #publish: (table: RouteTable<Route>) => void;
  readonly #rescanSoon: () => void;
  readonly #files = new Map<string, FileRecord>();
  #removed: RouteStatus[] = [];
  #table = new RouteTable<Route>([]);
  #scanning: Promise<void> | undefined;
  #rescan = false;
  #stopped = false;

  constructor(init: {
    directory: string;
    heap: ChildHeap;
    logger: Logger;
    publish: (table: RouteTable<Route>) => void;
    /** Asks for a scan a little later (files were still moving under the last one). */
    rescanSoon: () => void;
  }) {
    this.directory = init.directory;
    this.#heap = init.heap;
    this.#logger = init.logger;
    this.#publish = init.publish;
    this.#rescanSoon = init.rescanSoon;
  }

  /** Every route file's status, in the Router's order, then the files without a route, then removed ones. */
  statuses(): RouteStatus[] {
    const order = new Map(this.#table.routes.map((route, index) => [route.file, index]));
    const records = [...this.#files].map(([file, record]) => this.#status(file, record, order.get(file)));
    records.sort((a, b) => (a.order ?? Infinity) - (b.order ?? Infinity));
    return [...records, ...this.#removed];
  }

  /** Scans now; a scan asked for while one runs is done right after it. Never rejects. */
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

  /** Waits for a scan under way, then retires every route. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#scanning;
    const routes = this.#table.routes;
    this.#table = new RouteTable<Route>([]);
    this.#publish(this.#table);
    await Promise.all(routes.map((route) => route.retire()));
  }

  #status(file: string, record: FileRecord, order: number | undefined): RouteStatus {
    return {
      id: basename(file, extname(file)),
      name: record.route?.name ?? record.name,
      file,
      order,
      state: stateOf(record),
      errors: record.errors.map(routeError),
      loadedAt: record.loadedAt?.toISOString(),
      changedAt: record.changedAt.toISOString(),
      requests: { total: record.counts.total, inFlight: record.counts.inFlight },
    };
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
      this.#rescanSoon();
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
    const names = await this.#routeFileNames();
    if (names === undefined) return undefined;
    const listing = new Map<string, string>();
    for (const name of names) {
      const file = join(this.directory, name);
      try {
        const info = await stat(file);
        if (info.isFile()) listing.set(file, `${info.mtimeMs}:${info.size}`);
      } catch {
        // A link to nothing stays what it is; anything else was moved under the scan (a file back
        // already, after a rename there and back, is no link).
        const dangling = await lstat(file).then(
          (info) => info.isSymbolicLink(),
          () => false,
        );
        if (!dangling) return 'unsettled';
      }
    }
    return listing;
  }

  /** The names of the directory's route files, sorted; undefined (logged) when it cannot be read. */
  async #routeFileNames(): Promise<string[] | undefined> {
    try {
      const names = await readdir(this.directory);
      return names.filter((name) => routeExtensions.has(extname(name).toLowerCase())).sort();
    } catch (error) {
      this.#logger.error(
        { code: 'TG_CONFIG_READ', directory: this.directory, err: error },
        'cannot read the route directory',
      );
      return undefined;
    }
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
      const result = await this.#load(file, previous?.counts ?? new RequestCounts());
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
    for (const [other, record] of this.#files) {
      if (other !== file && listing.has(other) && record.route?.name === name) return true;
    }
    return false;
  }

  async #load(file: string, counts: RequestCounts): Promise<LoadResult | 'missing'> {
    let name: string | undefined;
    try {
      const read = await this.#heap.gateway.configReader.readIfPresent(file);
      if (read === 'missing') return 'missing';
      const asked = (read.value as { name?: unknown } | null)?.name;
      if (typeof asked === 'string') name = asked;
      const id = basename(file, extname(file));
      return { route: await buildRoute(read.value, { id, file }, this.#heap, { counts }) };
    } catch (error) {
      return { errors: loadErrors(error, file), name };
    }
  }

  /**
   * Makes the scan's outcome the serving table, in one call of `publish`: files no longer listed
   * lose their routes; a file that failed keeps its previous route; a new route whose name another
   * file's route already has is refused (TG_CONFIG_DUPLICATE_NAME) and tried again once that name
   * is free. Replaced routes are retired after the swap.
   */
  async #apply(
    listing: ReadonlyMap<string, string>,
    results: ReadonlyMap<string, LoadResult>,
  ): Promise<void> {
    const now = new Date();
    const retired: Route[] = [];
    for (const [file, record] of this.#files) {
      if (listing.has(file)) continue;
      this.#files.delete(file);
      this.#remember({
        ...this.#status(file, record, undefined),
        state: 'removed',
        changedAt: now.toISOString(),
      });
      if (record.route) {
        retired.push(record.route);
        this.#logger.info({ file, route: record.route.name }, 'route unloaded');
      }
    }
    const held = new Map<string, string>();
    for (const [file, record] of this.#files) {
      const result = results.get(file);
      if (record.route && (result === undefined || 'errors' in result)) held.set(record.route.name, file);
    }
    for (const [file, result] of results) {
      const record =
        this.#files.get(file) ??
        this.#newRecord(file, now, 'route' in result ? result.route.counts : new RequestCounts());
      const before = stateOf(record);
      record.version = listing.get(file)!;
      record.clashName = undefined;
      if ('errors' in result) {
        this.#fail(file, record, result.errors, result.name);
      } else {
        const holder = held.get(result.route.name);
        if (holder !== undefined && holder !== file) {
          retired.push(result.route);
          record.clashName = result.route.name;
          const clash = configError(
            'TG_CONFIG_DUPLICATE_NAME',
            childPlace({ file, pointer: '' }, 'name'),
            `route name "${result.route.name}" is already used by ${holder}`,
          );
          this.#fail(file, record, [clash], result.route.name);
        } else {
          held.set(result.route.name, file);
          if (record.route) retired.push(record.route);
          record.route = result.route;
          record.name = result.route.name;
          record.errors = [];
          record.loadedAt = now;
          this.#logger.info({ file, route: result.route.name }, 'route loaded');
        }
      }
      if (stateOf(record) !== before) record.changedAt = now;
    }
    this.#table = new RouteTable(
      [...this.#files.values()].flatMap((r) => (r.route ? [r.route] : [])).sort(compareRoutes),
    );
    this.#publish(this.#table);
    for (const record of this.#files.values()) {
      if (record.clashName !== undefined && !held.has(record.clashName)) this.#rescan = true;
    }
    await Promise.all(retired.map((route) => route.retire()));
  }

  /** A record for a file seen for the first time; `counts` are those its first build counts in. */
  #newRecord(file: string, now: Date, counts: RequestCounts): FileRecord {
    const record: FileRecord = {
      version: '',
      route: undefined,
      errors: [],
      name: undefined,
      clashName: undefined,
      loadedAt: undefined,
      changedAt: now,
      counts,
    };
    this.#files.set(file, record);
    this.#removed = this.#removed.filter((status) => status.file !== file);
    return record;
  }

  #fail(file: string, record: FileRecord, errors: readonly TollgateError[], name: string | undefined): void {
    record.errors = errors;
    record.name = record.route?.name ?? name;
    for (const problem of errors) {
      this.#logger.error(
        { code: problem.code, place: problem.place ? formatPlace(problem.place) : file, err: problem.cause },
        problem.message,
      );
    }
    if (record.route) {
      this.#logger.warn(
        { file, route: record.route.name },
        'the previous version of the route keeps serving',
      );
    }
  }

  #remember(status: RouteStatus): void {
    this.#removed = [status, ...this.#removed.filter((s) => s.file !== status.file)].slice(0, REMOVED_KEPT);
  }
}

async function retireBuilt(results: ReadonlyMap<string, LoadResult>): Promise<void> {
  await Promise.all(
    [...results.values()].map((result) => ('route' in result ? result.route.retire() : undefined)),
  );
}
