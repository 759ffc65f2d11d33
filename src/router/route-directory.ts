import { randomUUID } from 'node:crypto';
import type { Stats } from 'node:fs';
import { lstat, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { Logger } from 'pino';
import { isRouteFileName } from '../config/files.js';
import type { ConfigLimits } from '../config/limits.js';
import { checkStructure } from '../config/parse.js';
import {
  childPlace,
  configError,
  formatPlace,
  loadErrors,
  type Place,
  type TollgateError,
} from '../errors/tollgate-error.js';
import type { ChildHeap } from '../heap/types.js';
import { buildRoute, type Route } from './route.js';
import {
  RequestCounts,
  routeError,
  type RouteEntry,
  type RouteState,
  type RouteStatus,
} from './route-status.js';
import { RouteTable } from './route-table.js';

/** What the directory knows of one route file. */
interface FileRecord {
  /** mtime and size of the version last tried: a change of either means the file is read again. */
  version: string;
  /** The build serving for the file, if any. */
  route: Route | undefined;
  /** What the serving build was read from; else the last try's document, if the file parsed. */
  document: unknown;
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
  | { readonly route: Route; readonly document: unknown }
  | {
      readonly errors: readonly TollgateError[];
      readonly name: string | undefined;
      readonly document: unknown;
    };

/** What a deployment through the admin API came to. */
export type Deployment =
  | { readonly outcome: 'created' | 'replaced'; readonly entry: RouteEntry }
  /** The route did not build, or its id or name is taken: the file is as it was. */
  | { readonly outcome: 'refused'; readonly errors: readonly TollgateError[] }
  | { readonly outcome: 'stopped' };

export type Undeployment =
  | { readonly outcome: 'removed'; readonly entry: RouteEntry }
  | { readonly outcome: 'missing' }
  | { readonly outcome: 'stopped' };

/** How often a scan looks again when files vanish under it, before it leaves the next look to later. */
const SCAN_ATTEMPTS = 3;
/** Removed files whose records are kept, newest first, so the admin API can say what went. */
const REMOVED_KEPT = 100;

/** PingGateway's order: by route name, then by id (file name), by UTF-16 code units. */
function compareRoutes(a: Route, b: Route): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** A route id is its file name without the extension. */
function idOf(file: string): string {
  return basename(file, extname(file));
}

/** What tells one version of a file from the next: a change of either means it is read again. */
function versionOf(info: Stats): string {
  return `${info.mtimeMs}:${info.size}`;
}

/**
 * Whether `id` can name a file the admin API writes: letters, digits, `.`, `_` and `-`, not
 * starting with a dot (so no `..`, no hidden file), at most 200 characters. No separator, NUL or
 * other character a file system reads as more than a name can get through.
 */
export function isDeployableId(id: string): boolean {
  return /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/.test(id);
}

/**
 * `document` as the text of its route file, held to the limits a file read from disk is held to
 * (its size, depth and counts), so that what is written is what a scan can read back.
 */
function routeFileText(document: unknown, place: Place, limits: ConfigLimits): string {
  checkStructure(document, place, limits);
  const text = `${JSON.stringify(document, null, 2)}\n`;
  const bytes = Buffer.byteLength(text);
  if (bytes > limits.maxFileBytes) {
    throw configError(
      'TG_CONFIG_LIMIT',
      place,
      `the route has ${bytes} bytes as a file; at most ${limits.maxFileBytes} are read`,
    );
  }
  return text;
}

/** The error of a file whose route takes a name another file's route has: the first file keeps it. */
export function nameClash(file: string, name: string, holder: string): TollgateError {
  return configError(
    'TG_CONFIG_DUPLICATE_NAME',
    childPlace({ file, pointer: '' }, 'name'),
    `route name "${name}" is already used by ${holder}`,
  );
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
 * The admin API's deployments go through here too: a route is built before its file is written
 * (`deploy`), or its file removed (`undeploy`), and the table published before either returns.
 * Scans, deployments and the stop run one at a time, each on the table the one before left.
 */
export class RouteDirectory {
  readonly directory: string;
  readonly #heap: ChildHeap;
  readonly #logger: Logger;
  readonly #publish: (table: RouteTable<Route>) => void;
  readonly #rescanSoon: () => void;
  readonly #startRoutes: boolean;
  readonly #files = new Map<string, FileRecord>();
  #removed: RouteEntry[] = [];
  #table = new RouteTable<Route>([]);
  #queue: Promise<unknown> = Promise.resolve();
  #scanning: Promise<void> | undefined;
  #rescan = false;
  #stopped = false;
  /** Whether the last listing found no directory: the warning is logged once per absence, not per scan. */
  #missing = false;

  constructor(init: {
    directory: string;
    heap: ChildHeap;
    logger: Logger;
    publish: (table: RouteTable<Route>) => void;
    /** Asks for a scan a little later (files were still moving under the last one). */
    rescanSoon: () => void;
    /** false to build the routes without starting their heaps, as `tollgate validate` does. Default true. */
    startRoutes?: boolean;
  }) {
    this.directory = init.directory;
    this.#heap = init.heap;
    this.#logger = init.logger;
    this.#publish = init.publish;
    this.#rescanSoon = init.rescanSoon;
    this.#startRoutes = init.startRoutes ?? true;
  }

  /** Every route file's status, in the Router's order, then the files without a route, then removed ones. */
  statuses(): RouteStatus[] {
    return this.entries().map((entry) => entry.status);
  }

  /** Like statuses(), each with the document it was read from. */
  entries(): RouteEntry[] {
    const order = this.#order();
    const entries = [...this.#files].map(([file, record]) => this.#entry(file, record, order));
    entries.sort((a, b) => (a.status.order ?? Infinity) - (b.status.order ?? Infinity));
    return [...entries, ...this.#removed];
  }

  /** Every file of the directory with the errors of its last try (none when it loaded), by file name. */
  errors(): Map<string, readonly TollgateError[]> {
    return new Map([...this.#files].sort(([a], [b]) => (a < b ? -1 : 1)).map(([f, r]) => [f, r.errors]));
  }

  /** Scans now; a scan asked for while one waits or runs is done by it, or right after it. Never rejects. */
  scan(): Promise<void> {
    if (this.#scanning) {
      this.#rescan = true;
      return this.#scanning;
    }
    this.#scanning = this.#serially(async () => {
      try {
        do {
          this.#rescan = false;
          await this.#scanOnce();
        } while (this.#rescan && !this.#stopped);
      } finally {
        this.#scanning = undefined;
      }
    });
    return this.#scanning;
  }

  /**
   * Builds `document` as the route `<id>.json` and, when it builds and its name is free, writes
   * the file and serves the route; otherwise the file is left as it was and the errors say why.
   * The build is the one that serves: the scan that the new file triggers finds it up to date.
   * `id` must be deployable (isDeployableId).
   */
  deploy(id: string, document: unknown): Promise<Deployment> {
    if (!isDeployableId(id)) throw new TypeError(`"${id}" cannot be a route file name`);
    return this.#serially(async () => {
      if (this.#stopped) return { outcome: 'stopped' };
      const file = join(this.directory, `${id}.json`);
      const place = { file, pointer: '' };
      const refused = (errors: readonly TollgateError[]): Deployment => ({ outcome: 'refused', errors });
      const sibling = [...this.#files.keys()].find((other) => other !== file && idOf(other) === id);
      if (sibling !== undefined) {
        return refused([
          configError('TG_CONFIG_DUPLICATE_NAME', place, `the route id "${id}" is the file ${sibling}`),
        ]);
      }
      const previous = this.#files.get(file);
      let text: string;
      let route: Route;
      try {
        text = routeFileText(document, place, this.#heap.gateway.configReader.limits);
        route = await buildRoute(document, { id, file }, this.#heap, {
          counts: previous?.counts ?? new RequestCounts(),
        });
      } catch (error) {
        return refused(loadErrors(error, file));
      }
      const holder = this.#holderOf(route.name, file);
      if (holder !== undefined) {
        await route.retire();
        return refused([nameClash(file, route.name, holder)]);
      }
      const existed = await stat(file).then(
        () => true,
        () => false,
      );
      let version: string;
      try {
        await this.#write(file, text);
        version = versionOf(await stat(file));
      } catch (error) {
        await route.retire();
        throw error;
      }
      await this.#apply(
        new Map([...this.#versions(), [file, version]]),
        new Map([[file, { route, document }]]),
      );
      this.#scanIfNamesFreed();
      return { outcome: existed ? 'replaced' : 'created', entry: this.#entry(file, this.#files.get(file)!) };
    });
  }

  /** Takes the route `id` out of the table and removes its file; `missing` when no file has that id. */
  undeploy(id: string): Promise<Undeployment> {
    return this.#serially(async () => {
      if (this.#stopped) return { outcome: 'stopped' };
      const files = [...this.#files.keys()].filter((file) => idOf(file) === id);
      if (files.length === 0) return { outcome: 'missing' };
      for (const file of files) await rm(file, { force: true });
      const listing = this.#versions();
      for (const file of files) listing.delete(file);
      await this.#apply(listing, new Map());
      this.#scanIfNamesFreed();
      return { outcome: 'removed', entry: this.#removed.find((entry) => entry.status.file === files[0])! };
    });
  }

  /** Waits for the scans and deployments asked for before, then retires every route. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#serially(async () => {
      const routes = this.#table.routes;
      this.#table = new RouteTable<Route>([]);
      this.#publish(this.#table);
      await Promise.all(routes.map((route) => route.retire()));
    });
  }

  /** Runs `work` after everything queued before it; the queue goes on when `work` fails. */
  #serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Each file the table serves, by its place in the order. */
  #order(): Map<string, number> {
    return new Map(this.#table.routes.map((route, index) => [route.file, index]));
  }

  #entry(file: string, record: FileRecord, order = this.#order()): RouteEntry {
    return { status: this.#status(file, record, order.get(file)), document: record.document };
  }

  /** The versions of the files known, as a scan's listing would give them. */
  #versions(): Map<string, string> {
    return new Map([...this.#files].map(([file, record]) => [file, record.version]));
  }

  /** The file other than `file` whose route is named `name`, if any. */
  #holderOf(name: string, file: string): string | undefined {
    for (const [other, record] of this.#files)
      if (other !== file && record.route?.name === name) return other;
    return undefined;
  }

  /**
   * Writes the file whole, or not at all: a scan never reads half of it. The file is written
   * beside its place under a name no scan reads (`.tmp`), then renamed over it.
   */
  async #write(file: string, text: string): Promise<void> {
    const temporary = join(this.directory, `.${idOf(file)}.${randomUUID()}.tmp`);
    await writeFile(temporary, text, { flag: 'wx' });
    try {
      await rename(temporary, file);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  /** A deployment that freed a route name some file waits for: a scan builds that file again. */
  #scanIfNamesFreed(): void {
    if (this.#rescan) void this.scan();
  }

  #status(file: string, record: FileRecord, order: number | undefined): RouteStatus {
    return {
      id: idOf(file),
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
        if (info.isFile()) listing.set(file, versionOf(info));
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
      this.#missing = false;
      return names.filter(isRouteFileName).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        if (!this.#missing) {
          this.#logger.warn(
            { code: 'TG_ROUTES_DIRECTORY_MISSING', directory: this.directory },
            'the route directory does not exist; its routes load once it is created',
          );
        }
        this.#missing = true;
        return undefined;
      }
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
    let document: unknown;
    try {
      const read = await this.#heap.gateway.configReader.readIfPresent(file);
      if (read === 'missing') return 'missing';
      document = read.value;
      const asked = (document as { name?: unknown } | null)?.name;
      if (typeof asked === 'string') name = asked;
      const route = await buildRoute(document, { id: idOf(file), file }, this.#heap, {
        counts,
        start: this.#startRoutes,
      });
      return { route, document };
    } catch (error) {
      return { errors: loadErrors(error, file), name, document };
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
        status: { ...this.#status(file, record, undefined), state: 'removed', changedAt: now.toISOString() },
        document: record.document,
      });
      if (record.route) {
        retired.push(record.route);
        this.#logger.info({ file, route: record.route.name }, 'route removed');
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
      if (record.route === undefined) record.document = result.document;
      if ('errors' in result) {
        this.#fail(file, record, result.errors, result.name);
      } else {
        const holder = held.get(result.route.name);
        if (holder !== undefined && holder !== file) {
          retired.push(result.route);
          record.clashName = result.route.name;
          this.#fail(file, record, [nameClash(file, result.route.name, holder)], result.route.name);
        } else {
          held.set(result.route.name, file);
          const replaced = record.route;
          if (replaced) retired.push(replaced);
          record.route = result.route;
          record.document = result.document;
          record.name = result.route.name;
          record.errors = [];
          record.loadedAt = now;
          this.#logger.info(
            { file, route: result.route.name },
            replaced === undefined ? 'route loaded' : 'route reloaded',
          );
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
      document: undefined,
      errors: [],
      name: undefined,
      clashName: undefined,
      loadedAt: undefined,
      changedAt: now,
      counts,
    };
    this.#files.set(file, record);
    this.#removed = this.#removed.filter((entry) => entry.status.file !== file);
    return record;
  }

  #fail(file: string, record: FileRecord, errors: readonly TollgateError[], name: string | undefined): void {
    record.errors = errors;
    record.name = record.route?.name ?? name;
    for (const problem of errors) {
      this.#logger.error(
        {
          code: problem.code,
          place: problem.place ? formatPlace(problem.place) : file,
          ...(problem.source ? { source: problem.source } : {}),
          err: problem.cause,
        },
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

  #remember(entry: RouteEntry): void {
    const others = this.#removed.filter((kept) => kept.status.file !== entry.status.file);
    this.#removed = [entry, ...others].slice(0, REMOVED_KEPT);
  }
}

async function retireBuilt(results: ReadonlyMap<string, LoadResult>): Promise<void> {
  await Promise.all(
    [...results.values()].map((result) => ('route' in result ? result.route.retire() : undefined)),
  );
}
