import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { readConfigFile, routeExtensions } from '../config/files.js';
import type { FunctionTable } from '../el/api.js';
import { builtinFunctions } from '../el/index.js';
import type { TollgateError } from '../errors/tollgate-error.js';
import { createBuiltinRegistry, defaultDeclarations } from '../heap/builtins.js';
import { asErrors, Heap } from '../heap/heap.js';
import { GatewayMetrics } from '../observability/metrics.js';
import { buildRoute } from '../router/route.js';
import type { Environment } from './exchange.js';
import { loadAdminConfig, loadGatewayConfig } from './instance.js';

export interface FileReport {
  readonly file: string;
  readonly errors: readonly TollgateError[];
}

/** Files named on the command line; a directory stands for the config files it holds. */
async function expand(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (info?.isDirectory()) {
      const names = (await readdir(path)).filter((n) => routeExtensions.has(extname(n).toLowerCase())).sort();
      files.push(...names.map((n) => join(path, n)));
    } else files.push(path);
  }
  return files;
}

/**
 * Checks files as the gateway would load them, without opening sockets or starting anything:
 * admin.json and config.json by name, every other file as a route.
 */
export async function validateFiles(
  paths: readonly string[],
  options: { env: Environment; logger: Logger; functions?: FunctionTable },
): Promise<FileReport[]> {
  const registry = createBuiltinRegistry();
  const reports: FileReport[] = [];
  for (const file of await expand(paths)) {
    const name = basename(file);
    const heap = new Heap({
      registry,
      logger: options.logger,
      environment: options.env,
      functions: options.functions ?? builtinFunctions,
      gateway: {
        configDirectory: resolve(file, '..'),
        routesDirectory: resolve(file, '..'),
        properties: [],
        maxEntityBytes: 1,
        metrics: new GatewayMetrics(),
      },
      defaults: defaultDeclarations,
    });
    try {
      if (name === 'admin.json') await loadAdminConfig(file, options.env.env);
      else if (name === 'config.json') await loadGatewayConfig(file, {}, options.env.env);
      else {
        const route = await buildRoute(
          await readConfigFile(file),
          { id: basename(file, extname(file)), file },
          heap,
          { start: false },
        );
        await route.retire();
      }
      reports.push({ file, errors: [] });
    } catch (error) {
      reports.push({ file, errors: asErrors(error) });
    } finally {
      await heap.stop();
    }
  }
  return reports;
}
