import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { ConfigFileReader } from '../config/file-reader.js';
import { isRouteFileName } from '../config/files.js';
import type { FunctionTable } from '../el/api.js';
import { createBuiltinFunctions } from '../el/index.js';
import { configError, loadErrors, type TollgateError } from '../errors/tollgate-error.js';
import type { Environment } from '../http/exchange.js';
import { Heap, type HeapOptions } from '../heap/heap.js';
import { GatewayMetrics } from '../observability/metrics.js';
import { buildRoute } from '../router/route.js';
import type { BuiltinTypes } from './gateway.js';
import { loadAdminConfig, loadGatewayConfig } from './instance.js';
import { AdminEndpoints } from './admin-endpoints.js';
import { apiProtection } from './api-protection.js';

export interface ValidateOptions {
  readonly env: Environment;
  readonly logger: Logger;
  readonly functions?: FunctionTable;
}

export interface FileReport {
  readonly file: string;
  readonly errors: readonly TollgateError[];
}

/**
 * The files a path named on the command line stands for: a directory, the config files it holds;
 * a directory that cannot be listed is reported as such.
 */
async function expand(path: string): Promise<string[] | FileReport> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isDirectory()) return [path];
  try {
    const names = (await readdir(path)).filter(isRouteFileName);
    return names.sort().map((n) => join(path, n));
  } catch (error) {
    const detail = `the directory cannot be listed: ${(error as Error).message}`;
    return { file: path, errors: [configError('TG_CONFIG_READ', { file: path, pointer: '' }, detail)] };
  }
}

/**
 * Checks files as the gateway would load them, without opening sockets or starting anything:
 * admin.json and config.json by name, every other file as a route. Files are read through the
 * same loader, with the same limits, as the running gateway's.
 */
export async function validateFilesWith(
  builtins: BuiltinTypes,
  paths: readonly string[],
  options: ValidateOptions,
): Promise<FileReport[]> {
  const registry = builtins.createRegistry();
  const functions = options.functions ?? createBuiltinFunctions();
  const configReader = new ConfigFileReader();
  const reports: FileReport[] = [];
  try {
    for (const path of paths) {
      const files = await expand(path);
      if (!Array.isArray(files)) {
        reports.push(files);
        continue;
      }
      for (const file of files) {
        reports.push({
          file,
          errors: await validateFile(
            file,
            options,
            { registry, functions, defaults: builtins.defaults },
            configReader,
          ),
        });
      }
    }
  } finally {
    await configReader.close();
  }
  return reports;
}

async function validateFile(
  file: string,
  options: ValidateOptions,
  build: Pick<HeapOptions, 'registry' | 'functions' | 'defaults'>,
  configReader: ConfigFileReader,
): Promise<TollgateError[]> {
  const name = basename(file);
  const metrics = new GatewayMetrics();
  const heap = new Heap({
    ...build,
    logger: options.logger,
    environment: options.env,
    gateway: {
      configDirectory: resolve(file, '..'),
      routesDirectory: resolve(file, '..'),
      properties: [],
      maxEntityBytes: 1,
      metrics,
      configReader,
      mode: 'production',
      endpoints: new AdminEndpoints({ metrics }),
    },
  });
  try {
    if (name === 'admin.json') {
      const admin = await loadAdminConfig(file, options.env.env, configReader, build.registry);
      apiProtection(admin.apiProtectionFilter, { file, pointer: '/apiProtectionFilter' }, heap);
    } else if (name === 'config.json')
      await loadGatewayConfig(file, {}, options.env.env, configReader, build.registry);
    else {
      const route = await buildRoute(
        await configReader.read(file),
        { id: basename(file, extname(file)), file },
        heap,
        { start: false },
      );
      await route.retire();
    }
    return [];
  } catch (error) {
    return loadErrors(error, file);
  } finally {
    await heap.stop();
  }
}
