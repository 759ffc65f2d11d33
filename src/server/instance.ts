import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ConfigFileReader } from '../config/file-reader.js';
import { durationSchema, objectSchema, referenceSchema } from '../config/schema.js';
import { resolveTokens } from '../config/tokens.js';
import type { Validator } from '../config/validate.js';
import { ConfigErrors, type Place } from '../errors/tollgate-error.js';
import type { TypeRegistry } from '../heap/registry.js';

export interface ConnectorConfig {
  port: number | number[];
  host?: string;
  gracePeriod?: string | number;
  tls?: { keyFile: string; certFile: string };
}

export interface AdminConfig {
  connectors?: ConnectorConfig[];
  prefix?: string;
  properties?: Record<string, unknown>;
  mode?: string;
  maxBodyLength?: number;
}

export interface GatewayConfig {
  handler?: unknown;
  heap?: unknown[];
  properties?: Record<string, unknown>;
  capture?: string | string[];
  timer?: boolean | string;
  baseURI?: string;
}

export const adminSchema = objectSchema({
  $schema: { type: 'string' },
  connectors: {
    type: 'array',
    minItems: 1,
    items: objectSchema(
      {
        port: {
          type: ['integer', 'array'],
          items: { type: 'integer', minimum: 0, maximum: 65535 },
          minimum: 0,
          maximum: 65535,
        },
        host: { type: 'string' },
        gracePeriod: durationSchema,
        tls: objectSchema({ keyFile: { type: 'string' }, certFile: { type: 'string' } }, [
          'keyFile',
          'certFile',
        ]),
      },
      ['port'],
    ),
  },
  prefix: { type: 'string', pattern: '^[A-Za-z0-9._-]+$' },
  properties: { type: 'object' },
  mode: { enum: ['development', 'production', 'DEVELOPMENT', 'PRODUCTION'] },
  maxBodyLength: { type: 'integer', minimum: 1 },
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
