import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ConfigFileReader } from '../config/file-reader.js';
import { declarationSchema, durationSchema, objectSchema, referenceSchema } from '../config/schema.js';
import { resolveTokens } from '../config/tokens.js';
import type { Validator } from '../config/validate.js';
import { ConfigErrors, configError, type Place } from '../errors/tollgate-error.js';
import type { TypeRegistry } from '../heap/registry.js';
import type { AccessLogConfig } from '../observability/access-log.js';

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
}

export interface GatewayConfig {
  handler?: unknown;
  heap?: unknown[];
  properties?: Record<string, unknown>;
  capture?: string | string[];
  timer?: boolean | string;
  baseURI?: string;
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
});

export const gatewayConfigSchema = objectSchema({
  $schema: { type: 'string' },
  handler: referenceSchema,
  heap: { type: 'array', items: { type: 'object' } },
  properties: { type: 'object' },
  capture: { type: ['string', 'array'], items: { type: 'string' } },
  timer: { type: ['boolean', 'string'] },
  baseURI: { type: 'string' },
});

/** Where an instance's files are: PingGateway's `config/` sub-folder is accepted too. */
export interface InstanceLayout {
  readonly configDirectory: string;
  readonly adminFile: string | undefined;
  readonly configFile: string | undefined;
  readonly routesDirectory: string;
}

export function locateInstance(configDir: string | undefined, routesDir: string | undefined): InstanceLayout {
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
  validate: Validator,
  reader: ConfigFileReader,
): Promise<T> {
  const place: Place = { file, pointer: '' };
  const document = await reader.read(file);
  const resolved = resolveTokens(document, {
    place,
    properties: [asProperties(asProperties(document).properties), ...inherited],
    env,
    limits: reader.limits,
  });
  const problems = validate(resolved, place);
  if (problems.length > 0) throw new ConfigErrors(problems);
  return resolved as T;
}

/** Reads admin.json, checked by `registry`'s ajv. */
export async function loadAdminConfig(
  file: string | undefined,
  env: Readonly<Record<string, string>>,
  reader: ConfigFileReader,
  registry: TypeRegistry,
): Promise<AdminConfig> {
  return file ? loadFile<AdminConfig>(file, [], env, registry.validatorFor(adminSchema), reader) : {};
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
  const validate = registry.validatorFor(gatewayConfigSchema);
  return loadFile<GatewayConfig>(file, [asProperties(admin.properties)], env, validate, reader);
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
