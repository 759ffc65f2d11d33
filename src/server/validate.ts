import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { ConfigFileReader } from '../config/file-reader.js';
import { CONFIG_LIMITS } from '../config/limits.js';
import type { FunctionTable } from '../el/api.js';
import { createBuiltinFunctions } from '../el/index.js';
import { configError, loadErrors, type TollgateError } from '../errors/tollgate-error.js';
import type { Environment } from '../http/exchange.js';
import { Heap } from '../heap/heap.js';
import type { TypeRegistry } from '../heap/registry.js';
import type { ChildHeap } from '../heap/types.js';
import { GatewayMetrics } from '../observability/metrics.js';
import { buildRoute } from '../router/route.js';
import { nameClash, RouteDirectory } from '../router/route-directory.js';
import { AdminEndpoints } from './admin-endpoints.js';
import { apiProtection } from './api-protection.js';
import type { BuiltinTypes } from './gateway.js';
import { Generation } from './generation.js';
import {
  instanceHeapOptions,
  loadAdminConfig,
  loadGatewayConfig,
  locateInstance,
  runMode,
  type AdminConfig,
  type GatewayConfig,
  type InstanceLayout,
  type RunMode,
} from './instance.js';
import { planListeners } from './listener-plan.js';

export interface ValidateOptions {
  readonly env: Environment;
  readonly logger: Logger;
  readonly functions?: FunctionTable;
}

export interface FileReport {
  readonly file: string;
  readonly errors: readonly TollgateError[];
  /** What start would log as a warning for the file (it still loads). */
  readonly warnings: readonly TollgateError[];
}

/** A file's report before its warnings are added. */
type CheckedFile = Omit<FileReport, 'warnings'>;

/** One instance's files as `start` loads them, checked once however many of its files are named. */
interface CheckedInstance {
  readonly admin: CheckedFile | undefined;
  readonly config: CheckedFile | undefined;
  /** The heap its routes are built in: config.json's, or one without its objects when it failed. */
  readonly routeHeap: ChildHeap;
  /** config.json's Router's directory, else `routes` (what start loads). */
  readonly routesDirectory: string;
  /** The route names taken so far by files named one by one, each with its file. */
  readonly routeNames: Map<string, string>;
}

/**
 * Checks files as the gateway would load them, from the same code, without opening sockets or
 * starting anything. A directory holding admin.json, config.json or a `routes` folder (or a
 * `config/` sub-folder with them) is checked as `start --config-dir` loads it: admin.json,
 * config.json with its heap built, and every route of its Router's directory in that heap, with
 * its properties. A route file or a routes directory inside such a directory is checked the same
 * way; any other directory is a directory of route files. Every file gets one report with all its
 * errors; a route whose name another file of its directory took first gets
 * TG_CONFIG_DUPLICATE_NAME.
 */
export async function validateFilesWith(
  builtins: BuiltinTypes,
  paths: readonly string[],
  options: ValidateOptions,
): Promise<FileReport[]> {
  const validation = new Validation(builtins, options);
  try {
    const reports: CheckedFile[] = [];
    for (const path of paths) reports.push(...(await validation.check(path)));
    return reports.map((report) => ({ ...report, warnings: validation.warningsOf(report.file) }));
  } finally {
    await validation.close();
  }
}

const failed = (report: CheckedFile): boolean => report.errors.length > 0;

/** Whether the layout found any of an instance's files. */
function isInstance(layout: InstanceLayout): boolean {
  return layout.adminFile !== undefined || layout.configFile !== undefined;
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

class Validation {
  readonly #builtins: BuiltinTypes;
  readonly #options: ValidateOptions;
  readonly #registry: TypeRegistry;
  readonly #functions: FunctionTable;
  /**
   * The warnings of each file read, by its path as the reader was given it; a file read twice (named
   * alone and in its directory) has them once.
   */
  readonly #warnings = new Map<string, TollgateError[]>();
  readonly #reader = new ConfigFileReader(CONFIG_LIMITS, (warning) => {
    const file = warning.place?.file ?? '';
    const known = this.#warnings.get(file) ?? [];
    if (!known.some((seen) => seen.message === warning.message)) known.push(warning);
    this.#warnings.set(file, known);
  });
  readonly #instances = new Map<string, Promise<CheckedInstance>>();
  /** The instance files already reported. */
  readonly #reported = new Set<string>();
  /** Everything built, stopped at the end: nothing a check built outlives it. */
  readonly #stops: (() => Promise<void>)[] = [];

  constructor(builtins: BuiltinTypes, options: ValidateOptions) {
    this.#builtins = builtins;
    this.#options = options;
    this.#registry = builtins.createRegistry();
    this.#functions = options.functions ?? createBuiltinFunctions();
  }

  warningsOf(file: string): readonly TollgateError[] {
    return this.#warnings.get(file) ?? [];
  }

  async check(path: string): Promise<CheckedFile[]> {
    const info = await stat(path).catch(() => undefined);
    if (!info?.isDirectory()) return this.#checkFile(path);
    const own = locateInstance(path, undefined);
    if (isInstance(own) || (await isDirectory(own.routesDirectory))) {
      const instance = await this.#instance(own);
      const routes = await this.#checkDirectory(instance.routesDirectory, instance, false);
      return [...this.#instanceReports(instance, () => true), ...routes];
    }
    const instance = await this.#instance(this.#layoutAround(path));
    const routes = await this.#checkDirectory(path, instance, true);
    return [...this.#instanceReports(instance, failed), ...routes];
  }

  /**
   * admin.json's and config.json's reports that `select` picks, each given once. Routes checked
   * without their instance's files being named pick the failed ones: start would load none of
   * the routes then.
   */
  #instanceReports(instance: CheckedInstance, select: (report: CheckedFile) => boolean): CheckedFile[] {
    return [instance.admin, instance.config].filter((report): report is CheckedFile => {
      if (report === undefined || this.#reported.has(report.file) || !select(report)) return false;
      this.#reported.add(report.file);
      return true;
    });
  }

  async close(): Promise<void> {
    for (const stop of this.#stops.reverse()) await stop();
    await this.#reader.close();
  }

  async #checkFile(file: string): Promise<CheckedFile[]> {
    const layout = this.#layoutAround(dirname(file));
    const instance = await this.#instance(layout);
    const named = resolve(file);
    if (named === layout.adminFile || named === layout.configFile) {
      return this.#instanceReports(instance, (report) => report.file === named);
    }
    return [...this.#instanceReports(instance, failed), await this.#checkRoute(file, instance)];
  }

  async #checkRoute(file: string, instance: CheckedInstance): Promise<CheckedFile> {
    try {
      const route = await buildRoute(
        await this.#reader.read(file),
        { id: basename(file, extname(file)), file },
        instance.routeHeap,
        { start: false },
      );
      await route.retire();
      const holder = instance.routeNames.get(route.name);
      if (holder !== undefined && holder !== file)
        return { file, errors: [nameClash(file, route.name, holder)] };
      instance.routeNames.set(route.name, file);
      return { file, errors: [] };
    } catch (error) {
      return { file, errors: loadErrors(error, file) };
    }
  }

  /**
   * The route files of `directory`, loaded by a route directory as a Router's first scan loads
   * them, with their heaps left unstarted. A directory that cannot be listed is one report.
   */
  async #checkDirectory(
    directory: string,
    instance: CheckedInstance,
    mustExist: boolean,
  ): Promise<CheckedFile[]> {
    try {
      await readdir(directory);
    } catch (error) {
      if (!mustExist && (error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      const detail = `the directory cannot be listed: ${(error as Error).message}`;
      return [
        {
          file: directory,
          errors: [configError('TG_CONFIG_READ', { file: directory, pointer: '' }, detail)],
        },
      ];
    }
    const routes = new RouteDirectory({
      directory,
      heap: instance.routeHeap,
      logger: this.#options.logger.child({}, { level: 'silent' }),
      publish: () => undefined,
      rescanSoon: () => undefined,
      startRoutes: false,
    });
    try {
      await routes.scan();
      return [...routes.errors()].map(([file, errors]) => ({ file, errors }));
    } finally {
      await routes.stop();
    }
  }

  /**
   * Where the instance holding `directory` is: the directory itself when it holds admin.json or
   * config.json, its parent when `directory` is that parent's routes directory; else `directory`
   * alone, with no instance files, its own routes directory.
   */
  #layoutAround(directory: string): InstanceLayout {
    const own = locateInstance(directory, undefined);
    if (isInstance(own)) return own;
    const parent = locateInstance(dirname(resolve(directory)), undefined);
    if (isInstance(parent) && parent.routesDirectory === resolve(directory)) return parent;
    return {
      instanceDirectory: directory,
      configDirectory: directory,
      adminFile: undefined,
      configFile: undefined,
      routesDirectory: directory,
    };
  }

  #instance(layout: InstanceLayout): Promise<CheckedInstance> {
    const key = resolve(layout.configDirectory);
    let checked = this.#instances.get(key);
    if (checked === undefined) {
      checked = this.#checkInstance(layout);
      this.#instances.set(key, checked);
    }
    return checked;
  }

  /**
   * admin.json and config.json as start-up reads and checks them, each file's errors its own:
   * admin.json's start-up values and API protection, config.json with its heap built. When
   * admin.json fails, config.json is still checked, without admin.json's properties.
   */
  async #checkInstance(layout: InstanceLayout): Promise<CheckedInstance> {
    const env = this.#options.env.env;
    const adminErrors: TollgateError[] = [];
    const configErrors: TollgateError[] = [];
    let admin: AdminConfig = {};
    let mode: RunMode = 'production';
    try {
      admin = await loadAdminConfig(layout.adminFile, env, this.#reader, this.#registry);
      planListeners(admin, layout.adminFile, {});
      mode = runMode(admin, env);
    } catch (error) {
      adminErrors.push(...loadErrors(error, layout.adminFile ?? ''));
    }
    let config: GatewayConfig = {};
    try {
      config = await loadGatewayConfig(layout.configFile, admin, env, this.#reader, this.#registry);
    } catch (error) {
      configErrors.push(...loadErrors(error, layout.configFile ?? ''));
    }
    const metrics = new GatewayMetrics();
    const heapOptions = instanceHeapOptions(layout, admin, config, {
      registry: this.#registry,
      logger: this.#options.logger,
      environment: this.#options.env,
      functions: this.#functions,
      defaults: this.#builtins.defaults,
      metrics,
      configReader: this.#reader,
      mode,
      endpoints: new AdminEndpoints({ metrics }),
    });
    if (layout.adminFile !== undefined && adminErrors.length === 0) {
      const adminHeap = new Heap(heapOptions);
      this.#stops.push(() => adminHeap.stop());
      try {
        apiProtection(
          admin.apiProtectionFilter,
          { file: layout.adminFile, pointer: '/apiProtectionFilter' },
          adminHeap,
        );
      } catch (error) {
        adminErrors.push(...loadErrors(error, layout.adminFile));
      }
    }
    let routeHeap: ChildHeap | undefined;
    let routesDirectory = layout.routesDirectory;
    if (configErrors.length === 0) {
      try {
        const generation = Generation.build(
          config,
          { file: layout.configFile ?? '<default config>', pointer: '' },
          heapOptions,
        );
        this.#stops.push(() => generation.stop());
        routeHeap = generation.childHeap();
        routesDirectory = generation.routesDirectory ?? routesDirectory;
      } catch (error) {
        configErrors.push(...loadErrors(error, layout.configFile ?? ''));
      }
    }
    if (routeHeap === undefined) {
      const bare = new Heap(heapOptions);
      this.#stops.push(() => bare.stop());
      routeHeap = bare.child(bare.logger);
    }
    const report = (file: string | undefined, errors: TollgateError[]): CheckedFile | undefined =>
      file === undefined ? undefined : { file, errors };
    return {
      admin: report(layout.adminFile, adminErrors),
      config: report(layout.configFile, configErrors),
      routeHeap,
      routesDirectory,
      routeNames: new Map(),
    };
  }
}
