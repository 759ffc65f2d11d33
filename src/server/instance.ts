import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ConfigFileReader } from '../config/file-reader.js';
import { ignoredKeyNotes, ignoredKeysWarning } from '../config/ignored-keys.js';
import {
  declarationSchema,
  durationSchema,
  objectSchema,
  referenceSchema,
  type JsonSchema,
} from '../config/schema.js';
import { coerceWholeTokens } from '../config/token-coercion.js';
import { resolveTokens } from '../config/tokens.js';
import { ConfigErrors, configError, type Place } from '../errors/tollgate-error.js';
import type { HeapOptions } from '../heap/heap.js';
import type { TypeRegistry } from '../heap/registry.js';
import type { GatewayInfo } from '../heap/types.js';
import type { AccessLogConfig } from '../observability/access-log.js';
import { routeSecretsSchema } from '../router/route.js';

export interface ConnectorConfig {
  port: number | number[];
  host?: string;
  gracePeriod?: string | number;
  tls?: { keyFile: string; certFile: string };
}

/** PingGateway 2025+'s separate port for the admin endpoints, served there without the prefix. */
export interface AdminConnectorConfig {
  port: number;
  host?: string;
  tls?: { keyFile: string; certFile: string };
}

export interface AdminConfig {
  connectors?: ConnectorConfig[];
  adminConnector?: AdminConnectorConfig;
  /** An inline Filter declaration that guards the `api/` admin endpoints (default: loopback clients only). */
  apiProtectionFilter?: Record<string, unknown>;
  prefix?: string;
  properties?: Record<string, unknown>;
  mode?: string;
  maxBodyLength?: number;
  accessLog?: AccessLogConfig;
  gatewayUnits?: number;
}

/** The most worker processes one instance runs: beyond the cores, more units only add overhead. */
export const MAX_GATEWAY_UNITS = 256;

/** config.json; every key not listed here is a decoration of the root handler. */
export interface GatewayConfig {
  handler?: unknown;
  heap?: unknown[];
  properties?: Record<string, unknown>;
  auditService?: unknown;
  secrets?: { stores: unknown[] };
  temporaryStorage?: unknown;
  session?: unknown;
  globalDecorators?: Record<string, unknown>;
  [decoration: string]: unknown;
}

const portSchema = { type: 'integer', minimum: 0, maximum: 65535 };
const tlsSchema = objectSchema({ keyFile: { type: 'string' }, certFile: { type: 'string' } }, [
  'keyFile',
  'certFile',
]);

export const adminSchema = objectSchema({
  $schema: { type: 'string' },
  connectors: {
    type: 'array',
    minItems: 1,
    items: objectSchema(
      {
        port: { ...portSchema, type: ['integer', 'array'], items: portSchema },
        host: { type: 'string' },
        gracePeriod: durationSchema,
        tls: tlsSchema,
        vertx: {},
      },
      ['port'],
    ),
  },
  adminConnector: objectSchema({ port: portSchema, host: { type: 'string' }, tls: tlsSchema }, ['port']),
  apiProtectionFilter: {
    ...declarationSchema,
    description: 'An inline Filter declaration { type, config } that guards the api/ admin endpoints',
  },
  prefix: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
  properties: { type: 'object' },
  mode: { enum: ['development', 'production', 'DEVELOPMENT', 'PRODUCTION'] },
  maxBodyLength: { type: 'integer', minimum: 1 },
  accessLog: objectSchema(
    {
      enabled: { type: 'boolean' },
      file: {
        type: 'string',
        minLength: 1,
        description: 'Relative to the config directory; standard output when absent',
      },
    },
    [],
    { description: 'One JSON line per request, apart from the logs; off unless enabled' },
  ),
  gatewayUnits: {
    type: 'integer',
    minimum: 1,
    maximum: MAX_GATEWAY_UNITS,
    description: 'Worker processes sharing the connectors (default: one per CPU); 1 runs one process',
  },
  vertx: {},
  streamingEnabled: {},
  temporaryDirectory: {},
  temporaryStorage: {},
  pidFileMode: {},
});

/** admin.json's keys that cannot apply on Node, each with the reason: accepted, with one warning. */
export const adminIgnoredKeys: Readonly<Record<string, string>> = Object.freeze({
  vertx: 'there is no Vert.x: the listeners are node:http servers on the event loop',
  'connectors.*.vertx': 'there is no Vert.x: the listeners are node:http servers on the event loop',
  streamingEnabled: 'bodies are always streamed',
  temporaryDirectory: 'bodies are streamed, never kept in temporary files',
  temporaryStorage: 'bodies are streamed, never kept in temporary storage',
  pidFileMode: 'Tollgate writes no PID file; a process manager keeps the PID',
});

export const gatewayConfigSchema = objectSchema(
  {
    $schema: { type: 'string' },
    handler: referenceSchema,
    heap: { type: 'array', items: { type: 'object' } },
    properties: { type: 'object' },
    session: referenceSchema,
    globalDecorators: {
      type: 'object',
      description:
        'Decorator name → decoration, applied to every handler and filter of config.json and the routes',
    },
    auditService: {
      ...referenceSchema,
      description: 'An AuditService recording every request the gateway answers, routed or not',
    },
    secrets: routeSecretsSchema,
    temporaryStorage: {
      ...referenceSchema,
      description: 'A TemporaryStorage (default: the heap object named TemporaryStorage); checked, not used',
    },
  },
  [],
  { additionalProperties: { description: 'A decoration of the root handler: a decorator name' } },
);

/** The config.json keys that are not decorations. */
export const gatewayConfigKeys: readonly string[] = Object.keys(
  gatewayConfigSchema.properties as Record<string, unknown>,
);

/** Where an instance's files are: PingGateway's `config/` sub-folder is accepted too. */
export interface InstanceLayout {
  /** The directory start was given: the instance, whose `config/` may hold the files. */
  readonly instanceDirectory: string;
  readonly configDirectory: string;
  readonly adminFile: string | undefined;
  readonly configFile: string | undefined;
  readonly routesDirectory: string;
}

/**
 * Where the instance's files are. A routes directory named explicitly must exist, since a typo in
 * it would otherwise serve 404s; the default one may be missing, and is loaded once created.
 */
export function locateInstance(configDir: string | undefined, routesDir: string | undefined): InstanceLayout {
  if (routesDir && !isDirectory(routesDir)) {
    const what = existsSync(routesDir) ? 'is not a directory' : 'does not exist';
    throw configError(
      'TG_START_ROUTES_DIRECTORY',
      { file: '<command line>', pointer: '/routes' },
      `the routes directory ${resolve(routesDir)} ${what}`,
    );
  }
  const base = resolve(configDir ?? '.');
  const folder =
    !existsSync(join(base, 'admin.json')) &&
    !existsSync(join(base, 'config.json')) &&
    isDirectory(join(base, 'config'))
      ? join(base, 'config')
      : base;
  const find = (name: string): string | undefined =>
    existsSync(join(folder, name)) ? join(folder, name) : undefined;
  return {
    instanceDirectory: base,
    configDirectory: folder,
    adminFile: find('admin.json'),
    configFile: find('config.json'),
    routesDirectory: routesDir ? resolve(routesDir) : join(folder, 'routes'),
  };
}

/** A file named `config` (no extension, as some tools write) is not PingGateway's sub-folder. */
function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function asProperties(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

async function loadFile<T>(
  file: string,
  inherited: readonly Record<string, unknown>[],
  env: Readonly<Record<string, string>>,
  schema: JsonSchema,
  registry: TypeRegistry,
  reader: ConfigFileReader,
): Promise<T> {
  const place: Place = { file, pointer: '' };
  const document = await reader.read(file);
  const wholeTokens: (string | number)[][] = [];
  const resolved = resolveTokens(document, {
    place,
    properties: [asProperties(asProperties(document).properties), ...inherited],
    env,
    limits: reader.limits,
    wholeTokens,
  });
  const coerced = coerceWholeTokens(resolved, wholeTokens, schema, place);
  const bad = new Set(coerced.errors.map((error) => error.place?.pointer));
  const problems = [
    ...coerced.errors,
    ...registry
      .validatorFor(schema)(coerced.value, place)
      .filter((error) => !bad.has(error.place?.pointer)),
  ];
  if (problems.length > 0) throw new ConfigErrors(problems);
  return coerced.value as T;
}

/** Reads admin.json, checked by `registry`'s ajv. */
export async function loadAdminConfig(
  file: string | undefined,
  env: Readonly<Record<string, string>>,
  reader: ConfigFileReader,
  registry: TypeRegistry,
): Promise<AdminConfig> {
  if (!file) return {};
  const admin = await loadFile<AdminConfig>(file, [], env, adminSchema, registry, reader);
  const notes = ignoredKeyNotes(admin, adminIgnoredKeys, { file, pointer: '' });
  if (notes.length > 0) reader.warn(ignoredKeysWarning(file, notes));
  return admin;
}

/** Reads config.json, with admin.json's properties for its tokens, checked by `registry`'s ajv. */
export async function loadGatewayConfig(
  file: string | undefined,
  admin: AdminConfig,
  env: Readonly<Record<string, string>>,
  reader: ConfigFileReader,
  registry: TypeRegistry,
): Promise<GatewayConfig> {
  if (file === undefined) return {};
  return loadFile<GatewayConfig>(
    file,
    [asProperties(admin.properties)],
    env,
    gatewayConfigSchema,
    registry,
    reader,
  );
}

const DEFAULT_MAX_BODY_LENGTH = 1024 * 1024;

/**
 * What an instance's heaps are built with, from its files: config.json's properties before
 * admin.json's for the routes' `&{…}` tokens, and admin.json's largest body (1 MiB by default).
 */
export function instanceHeapOptions(
  layout: InstanceLayout,
  admin: AdminConfig,
  config: GatewayConfig,
  parts: Omit<HeapOptions, 'gateway' | 'parent'> &
    Pick<GatewayInfo, 'metrics' | 'configReader' | 'mode' | 'endpoints' | 'throttling'>,
): HeapOptions {
  const { metrics, configReader, mode, endpoints, throttling, ...heap } = parts;
  return {
    ...heap,
    gateway: {
      configDirectory: layout.configDirectory,
      instanceDirectory: layout.instanceDirectory,
      temporaryDirectory: join(layout.instanceDirectory, 'tmp'),
      routesDirectory: layout.routesDirectory,
      properties: [config.properties ?? {}, admin.properties ?? {}],
      maxEntityBytes: admin.maxBodyLength ?? DEFAULT_MAX_BODY_LENGTH,
      metrics,
      configReader,
      mode,
      endpoints,
      ...(throttling ? { throttling } : {}),
    },
  };
}

/** PingGateway's operating modes: only development lets the admin API change the routes. */
export type RunMode = 'development' | 'production';

/**
 * The operating mode, in PingGateway's order: admin.json's `mode`, else the IG_RUN_MODE
 * environment variable, else production. An IG_RUN_MODE that is neither mode is an error, not
 * production: a typo must not decide whether routes can be deployed over HTTP.
 */
export function runMode(admin: AdminConfig, env: Readonly<Record<string, string>>): RunMode {
  const chosen = admin.mode ?? env.IG_RUN_MODE;
  if (chosen === undefined) return 'production';
  const mode = chosen.toLowerCase();
  if (mode === 'development' || mode === 'production') return mode;
  throw new ConfigErrors([
    configError(
      'TG_CONFIG_BAD_VALUE',
      { file: '<environment>', pointer: '/IG_RUN_MODE' },
      `IG_RUN_MODE is "${chosen}"; it must be development or production`,
    ),
  ]);
}
