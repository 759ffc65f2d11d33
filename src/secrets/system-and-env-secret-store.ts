import { TollgateError } from '../errors/tollgate-error.js';
import { keyFromSecret } from './key-material.js';
import {
  decodeSecret,
  isSecretFormat,
  type Secret,
  type SecretFormat,
  type SecretStore,
  type StoredKey,
} from './secret.js';

export interface SecretMapping {
  readonly secretId: string;
  readonly format: SecretFormat;
}

export interface SystemAndEnvSecretStoreConfig {
  /** How values are encoded. Default BASE64, as in PingGateway. */
  readonly format?: SecretFormat;
  /** Per-secret format overrides. */
  readonly mappings?: readonly SecretMapping[];
}

export interface SystemAndEnvSources {
  /** The environment to read; passed in (usually process.env) so tests and many gateways can differ. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Java-style system properties (`-Dname=value` in PingGateway), looked up by the exact secret id. */
  readonly systemProperties?: Readonly<Record<string, string | undefined>>;
}

/** `client.secret.id` → `CLIENT_SECRET_ID`: PingGateway's env-var name for a secret id. */
export function envVarName(secretId: string): string {
  return secretId.replaceAll('.', '_').toUpperCase();
}

/**
 * More distinct ids or values than a store has secrets means they keep changing: the memo
 * starts over.
 */
const MAX_REMEMBERED = 64;

/**
 * PingGateway's SystemAndEnvSecretStore: a secret id is looked up first as an environment
 * variable (name transformed by `envVarName`), then as a system property with the exact id. An
 * empty value counts as absent, because `export NAME=` is the usual way to blank a variable.
 */

export class SystemAndEnvSecretStore implements SecretStore {
  readonly name: string;
  readonly #format: SecretFormat;
  readonly #formats: ReadonlyMap<string, SecretFormat>;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #systemProperties: Readonly<Record<string, string | undefined>>;
  /**
   * Decoded secrets by format and stored text: a secret is read on every token exchange, and the
   * same text always decodes alike. Keyed by the text, so a changed variable is decoded afresh.
   */
  readonly #decoded = new Map<string, Secret>();
  /** Environment variable names by secret id: the ids are the route files' few. */
  readonly #envNames = new Map<string, string>();

  constructor(
    config: SystemAndEnvSecretStoreConfig,
    sources: SystemAndEnvSources,
    name = 'SystemAndEnvSecretStore',
  ) {
    const format = config.format ?? 'BASE64';
    if (!isSecretFormat(format)) {
      throw new TollgateError('TG_CONFIG_BAD_VALUE', `unknown secret format '${String(format)}'`);
    }
    const formats = new Map<string, SecretFormat>();
    for (const mapping of config.mappings ?? []) {
      if (!isSecretFormat(mapping.format)) {
        throw new TollgateError(
          'TG_CONFIG_BAD_VALUE',
          `unknown secret format '${String(mapping.format)}' for '${mapping.secretId}'`,
        );
      }
      formats.set(mapping.secretId, mapping.format);
    }
    this.name = name;
    this.#format = format;
    this.#formats = formats;
    this.#env = sources.env;
    this.#systemProperties = sources.systemProperties ?? {};
  }

  async get(secretId: string): Promise<Secret | null> {
    let envName = this.#envNames.get(secretId);
    if (envName === undefined) {
      envName = envVarName(secretId);
      if (this.#envNames.size >= MAX_REMEMBERED) this.#envNames.clear();
      this.#envNames.set(secretId, envName);
    }
    const stored = ownValue(this.#env, envName) ?? ownValue(this.#systemProperties, secretId);
    if (stored === undefined) return null;
    const format = this.#formats.get(secretId) ?? this.#format;
    const key = `${format}:${stored}`;
    let secret = this.#decoded.get(key);
    if (!secret) {
      secret = decodeSecret(stored, format, secretId);
      if (this.#decoded.size >= MAX_REMEMBERED) this.#decoded.clear();
      this.#decoded.set(key, secret);
    }
    return secret;
  }

  async holds(secretId: string): Promise<boolean> {
    return (
      (ownValue(this.#env, envVarName(secretId)) ?? ownValue(this.#systemProperties, secretId)) !== undefined
    );
  }

  /** The secret read as a PEM or JWK key (e.g. a private_key_jwt signing key in an env var). */
  async getKey(secretId: string): Promise<StoredKey | null> {
    const secret = await this.get(secretId);
    return secret && keyFromSecret(secret, secretId);
  }
}

// Own properties only: an id such as `constructor` must not find Object.prototype's members.
function ownValue(record: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  if (!Object.hasOwn(record, name)) return undefined;
  const value = record[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
