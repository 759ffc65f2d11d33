import { decodeSecret, type Secret, type SecretStore } from './secret.js';

export interface Base64EncodedSecretStoreConfig {
  /** Secret id → base64 value. */
  readonly secrets: Readonly<Record<string, string>>;
}

/**
 * PingGateway's Base64EncodedSecretStore: secrets written into the configuration itself, for
 * tests and demos. Every value is decoded when the store is built, so a bad value fails the
 * route at load time rather than on the first request that needs it.
 */
export class Base64EncodedSecretStore implements SecretStore {
  readonly name: string;
  // A Map, not the config object: an id such as `constructor` must not reach Object.prototype.
  readonly #secrets: ReadonlyMap<string, Secret>;

  constructor(config: Base64EncodedSecretStoreConfig, name = 'Base64EncodedSecretStore') {
    const secrets = new Map<string, Secret>();
    for (const [secretId, value] of Object.entries(config.secrets)) {
      secrets.set(secretId, decodeSecret(value, 'BASE64', secretId));
    }
    this.name = name;
    this.#secrets = secrets;
  }

  async get(secretId: string): Promise<Secret | null> {
    return this.#secrets.get(secretId) ?? null;
  }

  async holds(secretId: string): Promise<boolean> {
    return this.#secrets.has(secretId);
  }
}
