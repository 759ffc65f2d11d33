import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
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

export interface FileSystemSecretStoreConfig {
  readonly directory: string;
  /** How file contents are encoded. Default BASE64, as in PingGateway. */
  readonly format?: SecretFormat;
  /** Appended to the secret id to give the file name. Default "". */
  readonly suffix?: string;
}

// Characters that could leave the directory or confuse the file system. `\` counts on every
// platform, since a route file written on Windows may be served on Linux and the reverse.
const UNSAFE_ID = /[/\\\0]|\.\./;

/**
 * PingGateway's FileSystemSecretStore: one secret per file, named secret id + suffix. Files are
 * read on each lookup, not at start, so a rotated secret is picked up without a restart and a
 * missing file is not an error until something asks for it. A PLAIN file loses one trailing line
 * ending, which editors and `echo` add; BASE64 ignores surrounding whitespace.
 */
export class FileSystemSecretStore implements SecretStore {
  readonly name: string;
  readonly #directory: string;
  readonly #format: SecretFormat;
  readonly #suffix: string;

  constructor(config: FileSystemSecretStoreConfig, name = 'FileSystemSecretStore') {
    const format = config.format ?? 'BASE64';
    if (!isSecretFormat(format)) {
      throw new TollgateError('TG_CONFIG_BAD_VALUE', `unknown secret format '${String(format)}'`);
    }
    const suffix = config.suffix ?? '';
    if (UNSAFE_ID.test(suffix)) {
      throw new TollgateError('TG_CONFIG_BAD_VALUE', 'a secret file suffix cannot contain a path');
    }
    this.name = name;
    this.#directory = resolve(config.directory);
    this.#format = format;
    this.#suffix = suffix;
  }

  async get(secretId: string): Promise<Secret | null> {
    const stored = await this.#read(secretId);
    if (stored === null) return null;
    const text = this.#format === 'PLAIN' ? stored.replace(/\r?\n$/, '') : stored;
    return decodeSecret(text, this.#format, secretId);
  }

  /** Whether the secret's file is there; a file that cannot be looked at cannot tell. */
  async holds(secretId: string): Promise<boolean | undefined> {
    try {
      return (await stat(this.#pathOf(secretId))).isFile();
    } catch (error) {
      // An id that cannot name a file here is never held.
      if (error instanceof TollgateError) return false;
      const code = (error as NodeJS.ErrnoException).code;
      return code === 'ENOENT' || code === 'ENOTDIR' ? false : undefined;
    }
  }

  /** The file read as a PEM or JWK key. */
  async getKey(secretId: string): Promise<StoredKey | null> {
    const secret = await this.get(secretId);
    return secret && keyFromSecret(secret, secretId);
  }

  async #read(secretId: string): Promise<string | null> {
    const path = this.#pathOf(secretId);
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw new TollgateError('TG_SECRET_STORE_FAILED', `${this.name} cannot read secret '${secretId}'`, {
        cause: error,
      });
    }
  }

  #pathOf(secretId: string): string {
    if (secretId === '' || secretId === '.' || UNSAFE_ID.test(secretId)) {
      throw new TollgateError('TG_SECRET_BAD_ID', `'${secretId}' cannot name a file in ${this.name}`);
    }
    const path = resolve(this.#directory, secretId + this.#suffix);
    // Belt and braces: whatever the id, the file must sit directly inside the directory.
    if (dirname(path) !== this.#directory) {
      throw new TollgateError('TG_SECRET_BAD_ID', `'${secretId}' cannot name a file in ${this.name}`);
    }
    return path;
  }
}
